"""resolve -> fetch -> extract: from what the user typed to a `Paper`. Graph nodes and the CLI call these."""

from __future__ import annotations

from dataclasses import dataclass

from ...paper import ArxivMetadata, Paper
from ...settings import Settings
from ..extraction.pdf import check_pdf, open_pdf, read_pdf_file
from ..extraction.plaintext import read_text_file
from ..extraction.sections import build_paper
from ..extraction.text import printable
from .arxiv import ArxivClient, ArxivRef, LocalPDF, LocalText, resolve
from .cache import PaperCache


@dataclass
class Fetched:
    source: str
    pdf: bytes
    arxiv: ArxivMetadata | None = None


def fetch(target: ArxivRef | LocalPDF | LocalText, settings: Settings) -> Fetched:
    if isinstance(target, LocalPDF | LocalText):
        return Fetched(source=printable(str(target.path)), pdf=b"")
    with PaperCache(settings.cache_dir) as cache, ArxivClient(settings, cache) as client:
        meta = client.metadata(target)
        return Fetched(source=meta.versioned_id, pdf=client.pdf(meta, validate=check_pdf), arxiv=meta)


def extract(target: ArxivRef | LocalPDF | LocalText, fetched: Fetched, settings: Settings) -> Paper:
    max_bytes = int(settings.max_pdf_mb * 1_000_000)
    if isinstance(target, LocalText):
        doc = read_text_file(target.path, max_pages=settings.max_pages, max_bytes=max_bytes)
    elif isinstance(target, LocalPDF):
        doc = read_pdf_file(target.path, max_pages=settings.max_pages, max_bytes=max_bytes)
    else:
        doc = open_pdf(fetched.pdf, name=fetched.source, max_pages=settings.max_pages, max_bytes=max_bytes)
    return build_paper(doc, fetched.source, fetched.arxiv)


def load_paper(text: str, settings: Settings) -> Paper:
    target = resolve(text)
    return extract(target, fetch(target, settings), settings)
