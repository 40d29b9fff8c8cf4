"""A static site of everything under an output folder: cards, weekly reports and newsletter issues.

`index.html` at the folder's root is the home page (the latest weekly report and issue, the latest cards); the
site's own pages live in `_site/` (a card's folder name never starts with '_', so nothing of the user's is
touched): the archive by week with a page per week (previous/next), a monthly overview, a page per topic, and
a search over titles, TL;DRs, tags and authors that runs from the files (a prebuilt index and a small script,
nothing fetched from elsewhere). Every link is relative, so the folder reads the same from `file://` and from
any static host; where the site's URL is known, Atom feeds (feeds.py) sit beside the pages. Pages are
rendered in memory and written only where they changed: a rebuild after one new card rewrites a handful.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from jinja2 import Environment, FunctionLoader
from pydantic import ValidationError

from ...contract.card import Card
from .newsletter import Issue, existing_issues
from .render import inside
from .report import WeeklyReport
from .urls import safe_url

SITE = "_site"  # the site's own pages, beside the card folders
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class CardEntry:
    """One card as the site lists it; `page` is the card's page relative to the output folder."""

    page: str
    title: str
    authors: list[str]
    tldr: str
    tags: list[str]
    score: float | None
    label: str | None
    day: str
    arxiv_id: str | None
    abs_url: str | None
    topics: list[str] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)

    @property
    def month(self) -> str:
        return self.day[:7]


@dataclass
class WeekEntry:
    week: str
    dates: str
    first_day: str
    page: str  # the report's own page, relative to the output folder
    counts: dict[str, int]
    cards: list[CardEntry]
    slug: str = ""

    @property
    def month(self) -> str:
        return self.first_day[:7]


@dataclass
class IssueEntry:
    number: int
    title: str
    day: str
    page: str
    papers: int

    @property
    def month(self) -> str:
        return self.day[:7]


@dataclass
class Topic:
    name: str
    slug: str
    cards: list[CardEntry]


@dataclass
class Archive:
    """What the output folder holds, read from the files Referee wrote (unreadable ones are listed, skipped)."""

    cards: list[CardEntry]
    weeks: list[WeekEntry]
    issues: list[IssueEntry]
    topics: list[Topic]
    skipped: list[str]


def _rel(root: Path, path: Path) -> str:
    return PurePosixPath(*path.relative_to(root).parts).as_posix()


def slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "topic"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def _card_entry(root: Path, path: Path) -> CardEntry:
    card = Card.model_validate_json(path.read_text(encoding="utf-8"))
    page = path.with_name("card.html") if path.with_name("card.html").is_file() else path.with_name("card.md")
    v = card.verdict
    return CardEntry(
        page=_rel(root, page),
        title=card.header.title,
        authors=[a.name for a in card.header.authors],
        tldr=v.tldr if v else "",
        tags=list(v.tags) if v else [],
        score=v.score if v else None,
        label=v.label if v else None,
        day=(card.created_at or "")[:10],
        arxiv_id=card.header.arxiv_id,
        abs_url=safe_url(card.header.abs_url),
    )


def read_archive(root: Path) -> Archive:
    skipped: list[str] = []
    cards: list[CardEntry] = []
    for path in sorted(root.rglob("card.json")):
        parts = path.relative_to(root).parts
        if "previous" in parts or parts[0] == SITE or path.is_symlink():
            continue
        try:
            cards.append(_card_entry(root, path))
        except (OSError, ValueError, ValidationError):
            skipped.append(_rel(root, path))
    by_id = {c.arxiv_id: c for c in cards if c.arxiv_id}
    weeks: list[WeekEntry] = []
    for path in sorted((root / "weekly").glob("*/report.json")):
        try:
            report = WeeklyReport.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, ValidationError):
            skipped.append(_rel(root, path))
            continue
        listed = []
        for entry in report.ranked:
            card = by_id.get(entry.arxiv_id)
            if card is None or entry.ranked_on != "deep review":
                continue
            listed.append(card)
            card.weeks.append(report.week)
            if entry.topic not in card.topics:
                card.topics.append(entry.topic)
        page = path.with_name("report.html") if path.with_name("report.html").is_file() else path.with_name("report.md")
        first = _DATE.search(report.dates)
        weeks.append(WeekEntry(report.week, report.dates, first.group(0) if first else "", _rel(root, page),
                               report.counts, listed))  # fmt: skip
    weeks.sort(key=lambda w: (w.first_day, w.week))
    taken: set[str] = set()
    for week in weeks:
        week.slug = slug(week.week, taken)
    issues = []
    for number, path in existing_issues(root).items():
        try:
            issue = Issue.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, ValidationError):
            skipped.append(_rel(root, path))
            continue
        issues.append(IssueEntry(number, issue.title, issue.date, _rel(root, path.with_name("issue.html")),
                                 len(issue.papers)))  # fmt: skip
    named: dict[str, list[CardEntry]] = defaultdict(list)
    for card in cards:
        for topic in card.topics:
            named[topic].append(card)
    taken = set()
    topics = [Topic(name, slug(name, taken), _ranked(named[name])) for name in sorted(named, key=str.lower)]
    cards.sort(key=lambda c: (c.day, c.title), reverse=True)
    return Archive(cards=cards, weeks=weeks, issues=issues, topics=topics, skipped=skipped)


def _ranked(cards: list[CardEntry]) -> list[CardEntry]:
    return sorted(cards, key=lambda c: (c.score is None, -(c.score or 0), c.title))


def months(archive: Archive) -> list[dict]:
    """Per month, newest first: its cards (best first), weeks, issues and the mean score."""
    out: dict[str, dict] = {}
    for kind, items in (("cards", archive.cards), ("weeks", archive.weeks), ("issues", archive.issues)):
        for item in items:
            if item.month:
                out.setdefault(item.month, {"month": item.month, "cards": [], "weeks": [], "issues": []})[kind].append(
                    item
                )
    for month in out.values():
        month["cards"] = _ranked(month["cards"])
        scores = [c.score for c in month["cards"] if c.score is not None]
        month["mean"] = sum(scores) / len(scores) if scores else None
        month["labels"] = Counter(c.label for c in month["cards"] if c.label).most_common()
    return [out[m] for m in sorted(out, reverse=True)]


def search_index(archive: Archive) -> str:
    """The search index as a script (a `fetch` of a JSON file is refused from file://): one record per card."""
    records = [
        {"t": c.title, "a": c.authors, "l": c.tldr, "g": c.tags, "u": c.page, "s": c.score, "k": c.label, "d": c.day}
        for c in archive.cards
    ]
    data = json.dumps(records, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
    return f"window.REFEREE_INDEX = {data};\n"


_ENV = Environment(
    loader=FunctionLoader(lambda name: resources.files("referee.templates").joinpath(name).read_text("utf-8")),
    autoescape=True,  # every string from a card, a report or an issue is escaped
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["href"] = lambda path: quote(path, safe="/._-~")
_ENV.filters["count"] = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"


def pages(archive: Archive, feeds: list[tuple[str, str]]) -> dict[str, str]:
    """Every page and asset of the site, by path relative to the output folder."""

    def render(name: str, at_root: bool, **values) -> str:
        up = "" if at_root else "../"
        return _ENV.get_template(name).render(up=up, site=f"{up}{SITE}/", feeds=feeds, **values)

    out = {
        "index.html": render(
            "site_home.html",
            True,
            archive=archive,
            latest_week=archive.weeks[-1:],
            latest_issue=archive.issues[-1:],
            latest=archive.cards[:10],
        ),  # fmt: skip
        f"{SITE}/weeks.html": render("site_weeks.html", False, weeks=list(reversed(archive.weeks))),
        f"{SITE}/months.html": render("site_months.html", False, months=months(archive)),
        f"{SITE}/topics.html": render("site_topics.html", False, topics=archive.topics),
        f"{SITE}/search.html": render("site_search.html", False),
        f"{SITE}/site.css": resources.files("referee.templates").joinpath("site.css").read_text("utf-8"),
        f"{SITE}/search.js": resources.files("referee.templates").joinpath("site_search.js").read_text("utf-8"),
        f"{SITE}/search-index.js": search_index(archive),
    }
    for i, week in enumerate(archive.weeks):
        prev = archive.weeks[i - 1] if i > 0 else None
        nxt = archive.weeks[i + 1] if i + 1 < len(archive.weeks) else None
        out[f"{SITE}/week-{week.slug}.html"] = render("site_week.html", False, week=week, prev=prev, next=nxt,
                                                      cards=_ranked(week.cards))  # fmt: skip
    for topic in archive.topics:
        out[f"{SITE}/topic-{topic.slug}.html"] = render("site_topic.html", False, topic=topic)
    return out


def write_pages(root: Path, files: dict[str, str], own: tuple[str, ...] = (".html", ".css", ".js", ".atom")) -> tuple[
    int, int, int
]:  # fmt: skip
    """Write the files whose content changed, remove the site's own files no longer made; (written, unchanged,
    removed)."""
    written = unchanged = removed = 0
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        inside(root, path.parent)  # a planted link (_site -> elsewhere) is refused
        if path.is_file() and not path.is_symlink() and path.read_text(encoding="utf-8") == text:
            unchanged += 1
            continue
        if path.is_symlink():
            path.unlink()
        path.write_text(text, encoding="utf-8")
        written += 1
    site = root / SITE
    for path in sorted(site.rglob("*")) if site.is_dir() else []:
        if path.is_file() and path.suffix in own and _rel(root, path) not in files:
            path.unlink()
            removed += 1
    return written, unchanged, removed
