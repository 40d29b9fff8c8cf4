"""Atom feeds of the site (feedgen): the weekly reports, the newsletter issues, and the cards of each topic.

A feed is read away from the site, so every link in it is absolute under the site's URL; without one no feed
is written (the site's pages themselves need none).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urljoin

from feedgen.feed import FeedGenerator

from .site import SITE, Archive, CardEntry

ENTRIES = 50  # the newest entries a feed keeps


def _when(day: str) -> datetime:
    try:
        return datetime.fromisoformat(day[:10]).replace(tzinfo=UTC)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)


def _feed(base: str, name: str, title: str, subtitle: str, page: str) -> FeedGenerator:
    feed = FeedGenerator()
    url = urljoin(base, f"{SITE}/feeds/{name}.atom")
    feed.id(url)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.author({"name": "Referee"})
    feed.link(href=urljoin(base, quote(page)), rel="alternate")
    feed.link(href=url, rel="self")
    feed.language("en")
    return feed


def _card_entry(feed: FeedGenerator, base: str, card: CardEntry) -> None:
    entry = feed.add_entry(order="append")
    url = urljoin(base, quote(card.page))
    entry.id(url)
    entry.title(card.title)
    entry.link(href=url, rel="alternate")
    entry.updated(_when(card.day))
    verdict = f"{card.score:.1f}/10 {card.label}. " if card.score is not None else ""
    entry.summary(f"{verdict}{card.tldr}".strip() or "No verdict on this card.")
    for author in card.authors[:10]:
        entry.author({"name": author})
    for tag in card.tags:
        entry.category(term=tag)


def feeds(archive: Archive, base: str) -> dict[str, tuple[str, str]]:
    """The feeds, by path relative to the output folder: (a name for links to it, its XML). `base` is the site's
    URL, ending in '/'."""
    out: dict[str, tuple[str, str]] = {}
    weekly = _feed(base, "weekly", "Referee weekly reports", "Each week's reviewed papers, ranked.",
                   f"{SITE}/weeks.html")  # fmt: skip
    for week in reversed(archive.weeks[-ENTRIES:]):
        entry = weekly.add_entry(order="append")
        url = urljoin(base, f"{SITE}/week-{week.slug}.html")
        entry.id(url)
        entry.title(f"Week {week.week}: {len(week.cards)} papers reviewed")
        entry.link(href=url, rel="alternate")
        entry.link(href=urljoin(base, quote(week.page)), rel="related")
        entry.updated(_when(week.first_day))
        best = [f"{c.title} ({c.score:.1f})" for c in week.cards[:3] if c.score is not None]
        entry.summary(f"{week.dates}. " + ("Top: " + "; ".join(best) if best else "No paper was reviewed in depth."))
    if archive.weeks:
        weekly.updated(_when(archive.weeks[-1].first_day))
    out[f"{SITE}/feeds/weekly.atom"] = ("Weekly reports", weekly.atom_str(pretty=True).decode("utf-8"))
    letters = _feed(base, "newsletter", "Referee newsletter", "Every newsletter issue.", "newsletter/index.html")
    for issue in reversed(archive.issues[-ENTRIES:]):
        entry = letters.add_entry(order="append")
        url = urljoin(base, quote(issue.page))
        entry.id(url)
        entry.title(f"{issue.title}, issue {issue.number}")
        entry.link(href=url, rel="alternate")
        entry.updated(_when(issue.day))
        entry.summary(f"Issue {issue.number}: {issue.papers} papers.")
    if archive.issues:
        letters.updated(_when(archive.issues[-1].day))
    out[f"{SITE}/feeds/newsletter.atom"] = ("Newsletter", letters.atom_str(pretty=True).decode("utf-8"))
    for topic in archive.topics:
        feed = _feed(base, f"topic-{topic.slug}", f"Referee: {topic.name}", f"Reviewed papers on {topic.name}.",
                     f"{SITE}/topic-{topic.slug}.html")  # fmt: skip
        newest = sorted(topic.cards, key=lambda c: (c.day, c.title), reverse=True)[:ENTRIES]
        for card in newest:
            _card_entry(feed, base, card)
        if newest:
            feed.updated(_when(newest[0].day))
        out[f"{SITE}/feeds/topic-{topic.slug}.atom"] = (topic.name, feed.atom_str(pretty=True).decode("utf-8"))
    return out
