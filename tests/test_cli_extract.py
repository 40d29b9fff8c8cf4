"""`review extract` end to end: the console script, real PDFs, arXiv served on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pymupdf
import pytest
from conftest import corpus_meta, corpus_path
from loopback import API_PATH, PDF_PATH, atom_feed

from referee.tools.extraction.pdf import ocr_available, read_pdf_file
from referee.tools.extraction.sections import OCR_NOTE, build_paper
from referee.tools.extraction.text import norm_key

KEYS = {
    "title",
    "authors",
    "affiliations",
    "abstract",
    "sections",
    "references",
    "tables",
    "figures",
    "links",
    "hidden_text",
}


def review(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "referee", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def test_json_has_the_documented_shape():
    pdf = corpus_path("papers", "tudataset-grl2020", "paper.pdf")
    result = review("extract", str(pdf), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data.keys() >= KEYS
    assert data["title"] == corpus_meta("tudataset-grl2020")["title"]
    assert all({"name", "affiliations"} <= a.keys() for a in data["authors"])
    assert data["hidden_text"] == []
    for section in data["sections"]:
        assert {"heading", "level", "page_start", "page_end", "text"} <= section.keys()
    assert [s["heading"] for s in data["sections"] if s["level"] == 1][:2] == [
        "Introduction",
        "The TUDataset collection",
    ]


def test_outline_for_people():
    pdf = corpus_path("papers", "srlearn-starai2020", "paper.pdf")
    result = review("extract", str(pdf))
    assert result.returncode == 0, result.stderr
    assert "srlearn: A Python Library for Gradient-Boosted Statistical Relational Models" in result.stdout
    assert "Alexander L. Hayes — ProHealth Lab, Indiana University Bloomington" in result.stdout
    assert "references: 16" in result.stdout  # the 16 bibitem entries of its .bbl


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("encrypted_aes256_userpw-foo.pdf", "encrypted and needs a password"),
        ("image_only_jbig2_scan.pdf", "the PDF has no text layer"),  # a few words: too little, OCR or not
        ("corrupted_zlib_stream.pdf", "compressed streams are damaged"),
    ],
)
def test_bad_corpus_pdfs_give_one_line_and_exit_2(name, message):
    result = review("extract", str(corpus_path("bad_pdfs", name)))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("error:")
    assert "Traceback" not in result.stderr and result.stdout == ""


def _pdf_with_pages(path, pages: int) -> None:
    doc = pymupdf.open()
    for n in range(pages):
        doc.new_page().insert_text((72, 72), f"Page {n + 1} of a paper about testing page caps.")
    doc.save(path)


@pytest.mark.parametrize(
    ("make", "env", "message"),
    [
        (lambda p: p.write_bytes(b""), {}, "the file is empty"),
        (lambda p: p.write_text("just some text, no PDF"), {}, "not a PDF"),
        (lambda p: p.write_bytes(b"%PDF-1.7\n" + os.urandom(3000)), {}, "corrupt"),
        (lambda p: _pdf_with_pages(p, 6), {"REFEREE_MAX_PAGES": "5"}, "6 pages, over the 5-page cap"),
        (
            lambda p: p.write_bytes(b"%PDF-1.7\n" + b"0" * 200_000),
            {"REFEREE_MAX_PDF_MB": "0.1"},
            "over the 0 MB cap",
        ),
    ],
)
def test_unusable_files(tmp_path, make, env, message):
    pdf = tmp_path / "paper.pdf"
    make(pdf)
    result = review("extract", str(pdf), env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_bad_id_exit_code():
    result = review("extract", "not-a-paper")
    assert result.returncode == 2 and "give an arXiv id" in result.stderr


def test_network_failure_exit_code(httpserver):
    httpserver.expect_request(API_PATH).respond_with_data("down", status=503)
    env = {
        "REFEREE_ARXIV_API_URL": httpserver.url_for(API_PATH),
        "REFEREE_REQUEST_INTERVAL": "0",
        "REFEREE_HTTP_MAX_TRIES": "2",
        "REFEREE_BACKOFF_BASE": "0.01",
    }
    result = review("extract", "2007.08663", env=env)
    assert result.returncode == 3 and "did not answer after 2 tries" in result.stderr


def test_arxiv_id_end_to_end_then_from_cache(httpserver, tmp_path):
    slug, arxiv_id = "tudataset-grl2020", "2007.08663"
    meta = corpus_meta(slug)
    httpserver.expect_request(
        API_PATH, query_string={"id_list": arxiv_id, "start": "0", "max_results": "1"}
    ).respond_with_data(atom_feed(arxiv_id, 2, meta["title"], meta["authors"]))
    httpserver.expect_request(f"{PDF_PATH}/{arxiv_id}v2").respond_with_data(
        corpus_path("papers", slug, "paper.pdf").read_bytes(), content_type="application/pdf"
    )
    env = {
        "REFEREE_ARXIV_API_URL": httpserver.url_for(API_PATH),
        "REFEREE_ARXIV_PDF_URL": httpserver.url_for(PDF_PATH),
        "REFEREE_CACHE_DIR": str(tmp_path / "cache"),
        "REFEREE_REQUEST_INTERVAL": "0",
    }
    first = review("extract", f"https://arxiv.org/abs/{arxiv_id}", "--json", env=env)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["source"] == f"{arxiv_id}v2" and data["arxiv"]["arxiv_id"] == arxiv_id
    assert [a["name"] for a in data["authors"]] == meta["authors"]
    assert data["authors"][0]["affiliations"] == [meta["affiliations"][0]]
    assert data["checks"] == [] and first.stderr == ""
    assert len(httpserver.log) == 2
    second = review("extract", arxiv_id, "--json", env=env)
    assert second.returncode == 0 and json.loads(second.stdout) == data
    assert len(httpserver.log) == 2, "the second extract sent HTTP requests"


def test_metadata_disagreement_is_reported(httpserver, tmp_path):
    httpserver.expect_request(API_PATH).respond_with_data(
        corpus_path("feeds", "arxiv_api_idlist_1605.08386.xml").read_bytes()
    )
    httpserver.expect_request(f"{PDF_PATH}/1605.08386v1").respond_with_data(
        corpus_path("papers", "srlearn-starai2020", "paper.pdf").read_bytes()
    )
    env = {
        "REFEREE_ARXIV_API_URL": httpserver.url_for(API_PATH),
        "REFEREE_ARXIV_PDF_URL": httpserver.url_for(PDF_PATH),
        "REFEREE_CACHE_DIR": str(tmp_path / "cache"),
        "REFEREE_REQUEST_INTERVAL": "0",
    }
    result = review("extract", "1605.08386", "--json", env=env)
    assert result.returncode == 0
    assert "warning: title on the PDF" in result.stderr and "differs from arXiv" in result.stderr
    assert "names on the PDF not in arXiv's author list: Alexander L. Hayes" in result.stderr


def _scanned(source, path, pages: int) -> None:
    """An image-only copy of the first pages of `source`: each page replaced by its picture at 200 dpi."""
    with pymupdf.open(source) as doc, pymupdf.open() as out:
        for page in list(doc)[:pages]:
            picture = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
            out.new_page(width=page.rect.width, height=page.rect.height).insert_image(page.rect, pixmap=picture)
        out.save(path)


@pytest.mark.skipif(not ocr_available("eng"), reason="Tesseract is not installed (Debian: apt install tesseract-ocr)")
def test_a_scanned_paper_is_read_by_ocr_and_says_so(tmp_path):
    scan = tmp_path / "scan.pdf"
    _scanned(corpus_path("papers", "srlearn-starai2020", "paper.pdf"), scan, pages=1)
    raw = read_pdf_file(scan, max_pages=10)
    paper = build_paper(raw, str(scan))
    title = norm_key("srlearn: A Python Library for Gradient-Boosted Statistical Relational Models")
    assert raw.ocr and paper.checks[0] == OCR_NOTE and norm_key(paper.title) == title
    first = norm_key(" ".join(line.text for line in raw.pages[0].lines))
    assert title in first
    assert norm_key("We present srlearn, a Python library for boosted") in first
    result = review("extract", str(scan), timeout=600)  # Tesseract at 300 dpi: tens of seconds a page
    assert result.returncode == 0, result.stderr
    assert "recognised by OCR" in result.stderr


def test_without_tesseract_a_scan_gets_the_one_line_that_says_what_to_install(tmp_path):
    scan = tmp_path / "scan.pdf"
    _scanned(corpus_path("papers", "srlearn-starai2020", "paper.pdf"), scan, pages=1)
    result = review("extract", str(scan), env={"TESSDATA_PREFIX": str(tmp_path / "no-tessdata")})
    assert result.returncode == 2
    assert "no text layer (it is scanned images); OCR would be needed" in result.stderr
    assert "apt install tesseract-ocr" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_only_web_links_are_listed_from_a_pages_link_annotations():
    """Link annotations to the web are kept with their exact address; links inside the document (citations)
    and links that launch local files are not."""
    from referee.tools.extraction.pdf import open_pdf

    doc = pymupdf.open()
    for words in ("Code is at our repository; see Section 2 and the local notes. ", "Section 2 begins here. "):
        doc.new_page().insert_text((72, 72), words * 3, fontsize=10)
    first = doc[0]
    web = {"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(72, 60, 200, 75), "uri": "https://example.org/a~b/code"}
    inside = {"kind": pymupdf.LINK_GOTO, "from": pymupdf.Rect(210, 60, 260, 75), "page": 1, "to": pymupdf.Point(72, 72)}
    launch = {"kind": pymupdf.LINK_LAUNCH, "from": pymupdf.Rect(270, 60, 330, 75), "file": "notes.txt"}
    for link in (web, inside, launch):
        first.insert_link(link)
    raw = open_pdf(doc.tobytes(), name="links.pdf", max_pages=5)
    assert [(link.page, link.uri) for page in raw.pages for link in page.links] == [(1, "https://example.org/a~b/code")]
