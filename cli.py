"""Command line: parses arguments and prints. No business logic lives here."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape as esc
from rich.tree import Tree

from . import __version__
from .errors import RefereeError
from .paper import Paper
from .settings import get_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Referee reads research papers and writes deep, grounded review cards.",
    pretty_exceptions_enable=False,
)
# Outside a terminal (pipes, CI logs) rich would crop trees at 80 columns.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 160)


def _fail(exc: BaseException) -> None:
    """One line on stderr and the exit code that says what kind of failure it was; never a traceback."""
    if isinstance(exc, RefereeError):
        err.print(f"[bold red]error:[/] {esc(str(exc))}", highlight=False)
        raise typer.Exit(exc.exit_code)
    if os.environ.get("REFEREE_DEBUG"):
        raise exc
    err.print(
        f"[bold red]error:[/] unexpected {type(exc).__name__}: {esc(str(exc))} "
        "(set REFEREE_DEBUG=1 for details)"
    )
    raise typer.Exit(1)


def _version(value: bool) -> None:
    if value:
        out.print(f"referee {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Referee reads research papers and writes deep, grounded review cards."""


@app.command()
def extract(
    source: Annotated[str, typer.Argument(help="arXiv id, arxiv.org URL, or path to a PDF.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of an outline.")
    ] = False,
    cache_dir: Annotated[Path | None, typer.Option(help="Cache directory (env REFEREE_CACHE_DIR).")] = None,
) -> None:
    """Print the structure Referee extracts from a paper: what its reviewers will read."""
    from .tools.ingest import load_paper

    try:
        settings = get_settings(cache_dir=cache_dir)
        paper = load_paper(source, settings)
    except (RefereeError, Exception) as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    for check in paper.checks:
        err.print(f"[yellow]warning:[/] {esc(check)}", highlight=False)
    if as_json:
        sys.stdout.write(paper.model_dump_json(indent=2) + "\n")
    else:
        out.print(outline(paper))


def outline(paper: Paper) -> Tree:
    tree = Tree(f"[bold]{esc(paper.title)}[/]  ({esc(paper.source)}, {paper.pages} pages)", highlight=False)
    people = tree.add("authors")
    for author in paper.authors:
        where = esc("; ".join(author.affiliations)) or "affiliation unknown (not stated on the first page)"
        people.add(f"{esc(author.name)} — {where}", highlight=False)
    more = "…" if len(paper.abstract) > 200 else ""
    tree.add(f"abstract (p. {paper.abstract_page}): {esc(paper.abstract[:200])}{more}", highlight=False)
    sections = tree.add("sections")
    parents = {0: sections}
    for section in paper.sections:
        parent = parents.get(section.level - 1, sections)
        label = esc(f"{section.number + ' ' if section.number else ''}{section.heading}")
        pages = f"p. {section.page_start}" + (
            f"–{section.page_end}" if section.page_end != section.page_start else ""
        )
        tag = " [dim](appendix)[/]" if section.appendix else ""
        parents[section.level] = parent.add(
            f"{label}  [dim]{pages}, {len(section.text.split())} words[/]{tag}"
        )
    tree.add(f"references: {len(paper.references)}")
    tables = tree.add(f"tables: {len(paper.tables)}")
    for table in paper.tables:
        tables.add(
            f"{esc(table.caption[:100])} [dim](p. {table.page}, {len(table.rows)} rows)[/]", highlight=False
        )
    figures = tree.add(f"figures: {len(paper.figures)}")
    for figure in paper.figures:
        figures.add(f"{esc(figure.caption[:100])} [dim](p. {figure.page})[/]", highlight=False)
    links = tree.add(f"links: {len(paper.links)}")
    for link in paper.links:
        links.add(f"{link.kind}: {esc(link.url)} [dim](p. {link.page})[/]", highlight=False)
    if paper.hidden_text:
        tree.add(f"[red]hidden text found: {len(paper.hidden_text)} spans[/]")
    return tree


def main() -> None:
    app()
