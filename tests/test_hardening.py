"""Hostile input (issue 11): each case was seen to fail before its fix; real PDFs built with PyMuPDF."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pymupdf
import pytest
from pdfbuild import two_column_paper
from test_cli_extract import review as cli
from test_render import review

from referee.tools.render import CARD_FILES, OutsideOutputError, folder_name
from referee.tools.urls import safe_url

HOSTILE_URI = 'http://x/"><img src=x onerror=alert(5)>'


class _Tags(HTMLParser):
    """Every element and attribute a browser would build from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def live_markup(page: str) -> list[str]:
    """Elements that run code or load something, and javascript: links: none may come from a paper."""
    parser = _Tags()
    parser.feed(page)
    found = []
    for tag, attrs in parser.tags:
        if tag in ("script", "img", "iframe", "object", "embed", "svg", "form", "input", "video", "audio"):
            found.append(tag)
        found += [f"{tag}[{k}]" for k in attrs if k.startswith("on")]
        found += [f"{tag}[{k}]={v}" for k, v in attrs.items() if (v or "").strip().lower().startswith("javascript:")]
    return found


def pdf_with_links(path, *uris: str):
    two_column_paper(path.with_suffix(".base.pdf"))
    doc = pymupdf.open(path.with_suffix(".base.pdf"))
    for i, uri in enumerate(uris):
        box = pymupdf.Rect(60, 60 + 20 * i, 200, 75 + 20 * i)
        doc[0].insert_link({"kind": pymupdf.LINK_URI, "from": box, "uri": uri})
    doc.save(path)
    return path


@pytest.mark.parametrize(
    "raw",
    [
        HOSTILE_URI,
        "javascript:alert(1)",
        "http://x/ y",
        "https://example.org/a'b",
        "http://user:pw@example.org/",
        "ftp://example.org/data",
        "https://exa_mple..org/",
        "http://example.org:99999/",
    ],
)
def test_unsafe_urls_are_dropped(raw):
    assert safe_url(raw) is None


def test_safe_urls_are_kept_with_brackets_encoded():
    assert safe_url("https://github.com/a/b") == "https://github.com/a/b"
    assert safe_url("https://en.wikipedia.org/wiki/Graph_(abstract)") == "https://en.wikipedia.org/wiki/Graph_%28abstract%29"
    assert safe_url("http://127.0.0.1:8080/x?y=1&z=2") == "http://127.0.0.1:8080/x?y=1&z=2"


def test_a_hostile_link_annotation_puts_no_live_html_in_the_card(tmp_path):
    pdf = pdf_with_links(tmp_path / "hostile.pdf", HOSTILE_URI, "javascript:alert(2)", "https://github.com/good/repo")
    final = review(pdf, tmp_path / "out")
    folder = tmp_path / "out" / "hostile"
    page = (folder / "card.html").read_text(encoding="utf-8")
    md = (folder / "card.md").read_text(encoding="utf-8")
    assert live_markup(page) == []
    assert "<img" not in md and "onerror" not in md and "javascript:" not in md
    urls = [link.url for link in final["card"].links]
    assert "https://github.com/good/repo" in urls and all(safe_url(u) == u for u in urls)
    assert "[code](https://github.com/good/repo)" in md  # the header's Links line is intact


@pytest.mark.parametrize(("name", "expected"), [("...pdf", "paper"), ("..pdf", "paper"), (".pdf", "pdf")])
def test_a_file_name_never_moves_the_users_files(tmp_path, name, expected):
    work = tmp_path / "work"
    work.mkdir()
    pdf = work / name
    two_column_paper(pdf)
    (work / "notes.txt").write_text("mine")
    out = work / "outputs"
    for _ in range(2):
        final = review(pdf, out)
    assert sorted(p.name for p in work.iterdir()) == sorted(["notes.txt", "outputs", name])
    assert (work / "notes.txt").read_text() == "mine"
    card_dir = out / expected
    assert final["card_dir"] == str(card_dir) and (card_dir / "card.md").is_file()
    (archived,) = (card_dir / "previous").iterdir()
    assert sorted(p.name for p in archived.iterdir()) == sorted(CARD_FILES)


def test_archiving_moves_only_the_files_referee_wrote(tmp_path):
    pdf = tmp_path / "paper.pdf"
    two_column_paper(pdf)
    review(pdf, tmp_path / "out")
    mine = tmp_path / "out" / "paper" / "my-notes.md"
    mine.write_text("notes")
    review(pdf, tmp_path / "out")
    assert mine.read_text() == "notes"


@pytest.mark.parametrize("raw", ["..", ".", "", "a/b", "x" * 300, "caf\udce9_\udcff", "../../etc"])
def test_folder_names_are_single_and_bounded(raw):
    name = folder_name(raw)
    assert name and "/" not in name and name not in (".", "..") and len(name) <= 80
    assert name.encode("utf-8")  # printable


def test_a_link_at_the_card_folder_cannot_redirect_writes(tmp_path):
    pdf = tmp_path / "paper.pdf"
    two_column_paper(pdf)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "paper").symlink_to(elsewhere)
    with pytest.raises(OutsideOutputError):
        review(pdf, tmp_path / "out")
    assert list(elsewhere.iterdir()) == []


def non_utf8_pdf(folder):
    built = folder / "built.pdf"
    two_column_paper(built)  # PyMuPDF saves to UTF-8 names only
    return built.rename(folder / os.fsdecode(b"caf\xe9_\xff.pdf"))


def test_a_non_utf8_file_name_is_extracted(tmp_path):
    pdf = non_utf8_pdf(tmp_path)
    result = cli("extract", str(pdf), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["source"].endswith("caf\ufffd_\ufffd.pdf")


def test_a_non_utf8_file_name_gets_a_whole_card(tmp_path):
    pdf = non_utf8_pdf(tmp_path)
    final = review(pdf, tmp_path / "out")
    md = Path(final["card_dir"]) / "card.md"
    assert md.stat().st_size > 1000 and Path(final["card_dir"]).name == "caf"
