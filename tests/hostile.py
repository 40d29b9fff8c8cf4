"""Hostile inputs shared by tests/test_hardening.py and bench/adversarial.py: PDFs, a server, a page check."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pymupdf
from pdfbuild import two_column_paper
from werkzeug import Response

HOSTILE_URI = 'http://x/"><img src=x onerror=alert(5)>'
LIVE_TAGS = {"script", "img", "iframe", "object", "embed", "svg", "form", "input", "video", "audio"}


class _Live(HTMLParser):
    """Elements that run code or load something, event handlers and javascript: URLs a browser would build."""

    def __init__(self) -> None:
        super().__init__()
        self.live: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in LIVE_TAGS:
            self.live.append(tag)
        for key, value in attrs:
            if key.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.live.append(f"{tag}[{key}]")


def live_markup(page: str) -> list[str]:
    """What in `page` is live: none of it may come from a paper, a feed or a model."""
    parser = _Live()
    parser.feed(page)
    return parser.live


def pdf_with_links(path, *uris: str):
    """A small paper whose first page carries link annotations to `uris` (PyMuPDF keeps them verbatim)."""
    base = path.with_suffix(".base.pdf")
    two_column_paper(base)
    doc = pymupdf.open(base)
    for i, uri in enumerate(uris):
        box = pymupdf.Rect(60, 60 + 20 * i, 200, 75 + 20 * i)
        doc[0].insert_link({"kind": pymupdf.LINK_URI, "from": box, "uri": uri})
    doc.save(path)
    return path


def drip(request, pause: float = 0.5, count: int = 60) -> Response:
    """A PDF host that sends its headers, then one byte every `pause` seconds."""

    def body():
        yield b"%PDF-1.7\n"
        for _ in range(count):
            time.sleep(pause)
            yield b"x"

    return Response(body(), content_type="application/pdf")
