"""Drafting one newsletter issue from saved cards (the cards' own facts, the writer's checked prose, the files),
and sending an issue by email.

The issue number is the next free one in `<out>/newsletter/` unless one is given; writing an issue renders
every issue's HTML again so that the previous/next links and the archive stay right. An email carries the
issue as text and HTML with links absolute on the site where `<out>` is published; `issue.eml` beside the
issue keeps what was sent (or, in a dry run, what would have been).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .agents.newsletter import paper_entries, write_prose
from .tools.publishing.mail import DeliveryError, Smtp, build_message, send
from .tools.publishing.newsletter import (
    Issue,
    SourceCard,
    email_parts,
    issue_dir,
    load_issue,
    next_number,
    today,
    write_issue,
)


def draft_issue(
    cards: list[SourceCard],
    source: str,
    llm,
    *,
    out: Path,
    title: str,
    style: str,
    number: int | None = None,
    language: str = "en",
) -> tuple[Issue, Path]:
    number = number or next_number(out)
    glance, concepts, guide, headlines, provenance, usage, notes = write_prose(cards, llm, style, language)
    folder = issue_dir(out, number)
    papers = paper_entries(cards, headlines)
    for entry, card in zip(papers, cards, strict=True):
        entry.card = os.path.relpath(card.path.with_name("card.html"), folder)
    ordered = papers if style == "weekly" else sorted(papers, key=lambda p: (p.gem_reason is None, -p.score))
    issue = Issue(
        number=number,
        title=title,
        date=today(),
        style=style,
        source=source,
        at_a_glance=glance,
        concepts=concepts,
        reading_guide=guide,
        papers=ordered,
        provenance=provenance,
        fields={fid: text for c in cards for fid, text in c.fields.items()},
        cards={c.pid: str(c.path) for c in cards},
        notes=notes,
        usage=usage.model_dump(),
    )
    return issue, write_issue(issue, out)


@dataclass
class Mailing:
    """What an email of an issue went to, and where a copy of it is kept."""

    to: list[str]
    refused: list[str]
    saved: Path
    server: str
    sent: bool


def mail_issue(
    issue: Issue, folder: Path, out: Path, *, to: list[str], smtp: Smtp, base: str, dry_run: bool
) -> Mailing:
    """Email a written issue (its folder under `out`), or in a dry run only build the message; either way the
    message is saved as issue.eml in the issue's folder first."""
    text, html = email_parts(issue, folder, out, base)
    message = build_message(f"{issue.title} — issue {issue.number}", text, html, smtp.sender, to)
    saved = folder / "issue.eml"
    saved.write_bytes(message.as_bytes())
    try:
        refused = [] if dry_run else sorted(send(message, smtp))
    except DeliveryError as exc:
        again = f"review newsletter --out {out} --issue {issue.number} --send --to {','.join(to)}"
        raise DeliveryError(f"{exc}; the issue and issue.eml are kept in {folder}; to send it again: {again}") from None
    return Mailing(to=to, refused=refused, saved=saved, server=smtp.describe(), sent=not dry_run)


def saved_issue(out: Path, number: int) -> tuple[Issue, Path]:
    """Issue `number` as written earlier under `out` (to send it again without drafting)."""
    return load_issue(out, number)
