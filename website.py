"""Publishing an output folder as a static site: its pages (tools/publishing/site.py) and, where the site's URL
is known, its Atom feeds (tools/publishing/feeds.py), written where they changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInputError
from .tools.publishing.feeds import feeds
from .tools.publishing.mail import site_base
from .tools.publishing.render import check_output_root
from .tools.publishing.site import SITE, pages, read_archive, write_pages


@dataclass
class SiteBuild:
    home: Path
    cards: int
    weeks: int
    issues: int
    topics: int
    written: int
    unchanged: int
    removed: int
    feeds: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build_site(out: Path, site_url: str | None) -> SiteBuild:
    """The site of everything under `out`: index.html at its root, the rest in `out/_site/`."""
    root = check_output_root(out)
    if not root.is_dir():
        raise BadInputError(f"--out {out}: no such folder (review paper, weekly or newsletter write into it first)")
    archive = read_archive(root)
    notes = []
    made = feeds(archive, site_base(site_url)) if site_url else {}
    if not site_url:
        notes.append("no Atom feeds: a feed's links must be absolute; give --site-url or set REFEREE_SITE_URL")
    files = pages(archive, [(path, name) for path, (name, _) in made.items()])
    files |= {path: xml for path, (_, xml) in made.items()}
    written, unchanged, removed = write_pages(root, files)
    return SiteBuild(
        home=root / "index.html",
        cards=len(archive.cards),
        weeks=len(archive.weeks),
        issues=len(archive.issues),
        topics=len(archive.topics),
        written=written,
        unchanged=unchanged,
        removed=removed,
        feeds=list(made),
        skipped=archive.skipped,
        notes=notes,
    )


__all__ = ["SITE", "SiteBuild", "build_site"]
