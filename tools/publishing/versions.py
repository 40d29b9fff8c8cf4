"""A new version of a paper beside the card of an earlier one: which sections came or went, which numbers in its
tables changed, which links are new, and how the score moved. Compared from the two cards by code."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from ...contract.card import Card, VersionChanges
from .render import folder_name

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*%?")


def earlier_card(root: Path, card: Card) -> tuple[Card, str] | None:
    """The card of the latest earlier version of the same arXiv paper under `root`, and that version's id."""
    h = card.header
    if not h.arxiv_id or not h.version or h.version < 2:
        return None
    for version in range(h.version - 1, 0, -1):
        ident = f"{h.arxiv_id}v{version}"
        path = root / folder_name(ident) / "card.json"
        if path.is_file():
            try:
                return Card.model_validate_json(path.read_text(encoding="utf-8")), ident
            except (OSError, ValueError, ValidationError):
                continue
    return None


def _iso_week(stamp: str) -> str:
    try:
        year, week, _ = datetime.fromisoformat(stamp[:19]).isocalendar()
    except ValueError:
        return "unknown"
    return f"{year}-W{week:02d}"


def _key(heading: str) -> str:
    return " ".join(heading.lower().split())


def _numbers(table: dict) -> list[str]:
    return [n for row in table.get("rows") or [] for cell in row for n in _NUMBER.findall(str(cell))]


def changes(old: Card, ident: str, new: Card) -> VersionChanges:
    before, after = {_key(h): h for h in old.outline}, {_key(h): h for h in new.outline}
    old_tables = {t.get("label"): t for t in old.tables if t.get("label")}
    changed, added = [], []
    for table in new.tables:
        label = table.get("label")
        if label not in old_tables:
            if label:
                added.append(str(label))
            continue
        was, now = _numbers(old_tables[label]), _numbers(table)
        moved = sum(a != b for a, b in zip(was, now, strict=False)) + abs(len(was) - len(now))
        if moved:
            changed.append(f"{label}: {moved} number{'s' if moved > 1 else ''} changed")
    known = {link.url for link in old.links}
    return VersionChanges(
        previous=ident,
        previous_week=_iso_week(old.created_at),
        previous_score=old.verdict.score if old.verdict else None,
        score=new.verdict.score if new.verdict else None,
        sections_added=[h for k, h in after.items() if k not in before],
        sections_removed=[h for k, h in before.items() if k not in after],
        tables_changed=changed,
        tables_added=added,
        links_added=[link.url for link in new.links if link.url not in known],
    )
