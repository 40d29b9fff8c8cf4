"""Drafting one newsletter issue from saved cards: the cards' own facts, the writer's checked prose, the files.

The issue number is the next free one in `<out>/newsletter/` unless one is given; writing an issue renders
every issue's HTML again so that the previous/next links and the archive stay right.
"""

from __future__ import annotations

import os
from pathlib import Path

from .agents.newsletter import paper_entries, write_prose
from .tools.publishing.newsletter import Issue, SourceCard, issue_dir, next_number, today, write_issue


def draft_issue(
    cards: list[SourceCard],
    source: str,
    llm,
    *,
    out: Path,
    title: str,
    style: str,
    number: int | None = None,
) -> tuple[Issue, Path]:
    number = number or next_number(out)
    glance, concepts, guide, headlines, provenance, usage, notes = write_prose(cards, llm, style)
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
