"""Listings of many papers (arXiv API search results or an RSS/Atom announcement feed), parsed with
feedparser and deduplicated: cross-listed papers and new versions of one paper count once."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
from pydantic import BaseModel

from ...errors import BadInputError

_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z-]+)?/\d{7})(?:v(\d+))?")
_RSS_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*Abstract:\s*", re.I | re.S)


class Listing(BaseModel):
    arxiv_id: str
    version: int | None = None
    title: str
    authors: list[str] = []
    abstract: str = ""
    categories: list[str] = []
    primary_category: str | None = None
    published: str | None = None
    announce_type: str | None = None  # RSS feeds: new, cross, replace, replace-cross

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id


def _authors(entry) -> list[str]:
    names = [a.get("name", "").strip() for a in entry.get("authors", []) if a.get("name")]
    if len(names) == 1 and "," in names[0]:  # RSS: one dc:creator "A, B, C"
        names = [n.strip() for n in names[0].split(",") if n.strip()]
    return names


def parse_listing(body: bytes) -> tuple[list[Listing], int | None]:
    """(entries, the feed's total result count when it states one)."""
    feed = feedparser.parse(body)
    listings = []
    for entry in feed.entries:
        match = _ID.search(entry.get("id", "")) or _ID.search(entry.get("link", ""))
        if not match or "api/errors" in entry.get("id", ""):
            continue
        summary = _RSS_PREFIX.sub("", entry.get("summary", ""))
        listings.append(
            Listing(
                arxiv_id=match.group(1),
                version=int(match.group(2)) if match.group(2) else None,
                title=re.sub(r"\s+", " ", entry.get("title", "")).strip(),
                authors=_authors(entry),
                abstract=re.sub(r"\s+", " ", summary).strip(),
                categories=[t["term"] for t in entry.get("tags", []) if t.get("term")],
                primary_category=(entry.get("arxiv_primary_category") or {}).get("term"),
                published=entry.get("published"),
                announce_type=entry.get("arxiv_announce_type"),
            )
        )
    total = feed.feed.get("opensearch_totalresults")
    return listings, int(total) if total and str(total).isdigit() else None


def deduplicate(listings: list[Listing]) -> list[Listing]:
    """One entry per paper, its newest version, categories merged, in first-seen order."""
    kept: dict[str, Listing] = {}
    for item in listings:
        seen = kept.get(item.arxiv_id)
        if seen is None:
            kept[item.arxiv_id] = item.model_copy()
            continue
        merged = list(dict.fromkeys(seen.categories + item.categories))
        newer = item if (item.version or 0) > (seen.version or 0) else seen
        kept[item.arxiv_id] = newer.model_copy(update={"categories": merged})
    return list(kept.values())


def fetch_listing(client, query: str, page_size: int = 200, limit: int = 5000) -> list[Listing]:
    """Every entry of an API search, page by page (the client keeps to arXiv's request rate), deduplicated."""
    found: list[Listing] = []
    start = 0
    while start < limit:
        page, total = parse_listing(client.search_page(query, start, page_size))
        found.extend(page)
        start += page_size
        if not page or (total is not None and start >= total):
            break
    return deduplicate(found)


def read_feed(client, source: str) -> list[Listing]:
    """A listing from an arXiv API answer or an RSS/Atom feed, given as a file or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        body = client.feed(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise BadInputError(f"{source}: no such feed file")
        body = path.read_bytes()
    found, _ = parse_listing(body)
    if not found:
        raise BadInputError(f"{source}: no arXiv entries in it (is it an arXiv API, RSS or Atom listing?)")
    return deduplicate(found)


def read_ids(path: Path) -> list[str]:
    """arXiv ids, one per line (blank lines and # comments ignored), each checked before any request."""
    from .arxiv import ArxivRef, resolve

    if not path.is_file():
        raise BadInputError(f"{path}: no such ids file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise BadInputError(f"{path}: not a text file of arXiv ids (it is not UTF-8 text)") from None
    ids = []
    for n, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            ref = resolve(text)
        except BadInputError as exc:
            raise BadInputError(f"{path}, line {n}: {exc}") from None
        if not isinstance(ref, ArxivRef):
            raise BadInputError(f"{path}, line {n}: {text!r} is not an arXiv id")
        ids.append(ref.versioned)
    if not ids:
        raise BadInputError(f"{path}: no arXiv ids in it")
    return list(dict.fromkeys(ids))


def fetch_ids(client, ids: list[str], chunk: int = 50) -> list[Listing]:
    found: list[Listing] = []
    for start in range(0, len(ids), chunk):
        page, _ = parse_listing(client.id_list_page(ids[start : start + chunk]))
        found.extend(page)
    return deduplicate(found)
