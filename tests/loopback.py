"""An arXiv stand-in on loopback: a real HTTP server answering like the API and the PDF host."""

from __future__ import annotations

import time
from xml.sax.saxutils import escape

from pytest_httpserver import HTTPServer

API_PATH = "/api/query"
PDF_PATH = "/pdf"


def atom_feed(*entry_args, **entry_kwargs) -> bytes:
    """An API response in the shape of the recorded ones in ../shared/corpus/feeds, holding one entry
    (the arguments of atom_entry)."""
    return listing_feed([atom_entry(*entry_args, **entry_kwargs)])


def listing_feed(entries: list[str]) -> bytes:
    """An API response holding the given <entry> elements (see atom_entry)."""
    n = len(entries)
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom"
 xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/test</id><title>arXiv Query</title><updated>2026-04-12T22:10:19Z</updated>
  <opensearch:itemsPerPage>{n}</opensearch:itemsPerPage><opensearch:totalResults>{n}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>{"".join(entries)}
</feed>""".encode()


def atom_entry(
    arxiv_id: str,
    version: int,
    title: str,
    authors: list[str],
    summary: str = "An abstract.",
    comment: str | None = None,
    categories: tuple[str, ...] = ("cs.LG",),
    published: str = "2020-07-16T00:00:00Z",
) -> str:
    people = "".join(f"<author><name>{escape(a)}</name></author>" for a in authors)
    cats = "".join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in categories)
    note = f"<arxiv:comment>{escape(comment)}</arxiv:comment>" if comment else ""
    return f"""
  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v{version}</id>
    <title>{escape(title)}</title>
    <updated>2020-07-17T00:00:00Z</updated>
    <link href="https://arxiv.org/abs/{arxiv_id}v{version}" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{arxiv_id}v{version}" rel="related" type="application/pdf" title="pdf"/>
    <summary>{escape(summary)}</summary>{cats}
    <published>{published}</published>{note}
    <arxiv:primary_category term="{categories[0]}"/>{people}
  </entry>"""


class RequestLog:
    """Arrival times of the requests a server saw, by path."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []

    def stamp(self, path: str) -> None:
        self.times.append((path, time.monotonic()))


def point_settings_at(settings, server: HTTPServer):
    return settings.model_copy(
        update={"arxiv_api_url": server.url_for(API_PATH), "arxiv_pdf_url": server.url_for(PDF_PATH)}
    )
