"""Typed errors. Each carries the process exit code the CLI uses and whether a retry may help."""

from __future__ import annotations

from pydantic import ValidationError


def one_line(problem: BaseException | str) -> str:
    """A reason on one short line: pydantic's multi-line reports become their count and first error."""
    if isinstance(problem, ValidationError):
        first = problem.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the answer"
        text = f"{problem.error_count()} validation error(s) for {problem.title}; first: {where}: {first['msg']}"
    else:
        text = str(problem) or type(problem).__name__
    return " ".join(text.split())[:600]


class RefereeError(Exception):
    """Base class: a failure with a one-line message meant for the user."""

    exit_code = 1
    retryable = False


class BadInputError(RefereeError):
    """What the user gave us cannot be used (unknown id form, missing file, unreadable PDF)."""

    exit_code = 2


class BadPDFError(BadInputError):
    """The file is not a usable PDF: encrypted, image-only, corrupt, empty, too large."""


class PaperNotFoundError(BadInputError):
    """arXiv does not know the id."""


class WithdrawnPaperError(BadInputError):
    """The paper was withdrawn by its authors; there is nothing to review."""


class RemoteError(RefereeError):
    """A network or remote-service failure that persisted through the bounded retries."""

    exit_code = 3
    retryable = True


class DeadlineError(RemoteError):
    """A network stage (a download, an API call, a model call, a node, the whole run) ran past its deadline."""

    retryable = False
