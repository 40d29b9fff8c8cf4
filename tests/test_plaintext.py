"""Papers given as Markdown or plain text (a PDF converter's or OpenReview's export): the same structure a PDF
gives, read from Markdown's marks or from the converter's numbered lines."""

from __future__ import annotations

import pytest
from conftest import shared_path

from referee.errors import BadInputError
from referee.tools.extraction.plaintext import read_text_file, text_document
from referee.tools.extraction.sections import build_paper
from referee.tools.sources.arxiv import LocalPDF, LocalText, resolve

FILLER = "We measure the estimator on twelve benchmarks and report the mean over five seeds. " * 4

CONVERTED = f"""# SPARSE ESTIMATORS
## FOR TINY GRAPHS

**Anonymous authors**
Paper under double-blind review

ABSTRACT

We introduce a sparse estimator for graphs with fewer than ten nodes. It reduces error by 12.5% on six
benchmarks. Code: [github.com/example/tiny](https://github.com/example/tiny).

1 INTRODUCTION

{FILLER}

1 Positive Rate

2 METHOD

{FILLER}

2.1 TRAINING

{FILLER}

-----

Table 1: Error on the benchmarks.

| Dataset | Ours | Baseline |
|---|---|---|
| MUTAG | 0.125 | 0.250 |
| PTC | 0.310 | 0.402 |

3 EXPERIMENTS

{FILLER}

REFERENCES

A. Author and B. Author. A cited work on estimators for graphs with very few nodes. In Proceedings of
the Conference on Graphs, 2011.

C. Author. Another cited work, on sparse estimators and their error. In Proceedings of the Workshop
on Estimators, 2012.

-----

A APPENDIX

{FILLER}
"""


def test_a_converted_markdown_paper_reads_as_a_pdf_would():
    paper = build_paper(text_document(CONVERTED, max_pages=50), "paper.md")
    assert paper.title == "SPARSE ESTIMATORS FOR TINY GRAPHS" and paper.pages == 3
    assert paper.abstract.startswith("We introduce a sparse estimator")
    numbered = [(s.number, s.heading, s.page_start, s.appendix) for s in paper.sections]
    assert numbered[:4] == [
        ("1", "INTRODUCTION", 1, False),
        ("2", "METHOD", 1, False),
        ("2.1", "TRAINING", 1, False),
        ("3", "EXPERIMENTS", 2, False),
    ]  # "1 Positive Rate", a plot's label set alone, is out of the sections' sequence: no heading
    assert numbered[-1][0] == "A" and numbered[-1][3]
    assert len(paper.references) == 2
    (table,) = paper.tables
    assert table.label == "Table 1" and table.rows[1:] == [["MUTAG", "0.125", "0.250"], ["PTC", "0.310", "0.402"]]
    assert [link.url for link in paper.links] == ["https://github.com/example/tiny"]


def test_text_without_blank_lines_has_its_headings_by_number_and_capitals():
    """pdftotext's output: no blank lines, a section's number alone on the line above its name, form feeds
    between pages."""
    text = "\n".join(
        [
            "Under review as a conference paper",
            "TINY GRAPHS, SPARSE ESTIMATORS",
            "Anonymous authors",
            "ABSTRACT",
            "We introduce a sparse estimator for graphs with fewer than ten nodes.",
            "1",
            "INTRODUCTION",
            *[FILLER[:90]] * 30,
            "2 Related Work",
            *[FILLER[:90]] * 10,
            "\f3",
            "METHOD",
            "MNIST",  # a plot's label
            *[FILLER[:90]] * 10,
        ]
    )
    paper = build_paper(text_document(text, max_pages=50), "paper.txt")
    assert paper.title == "TINY GRAPHS, SPARSE ESTIMATORS" and paper.pages == 2
    assert [(s.number, s.heading) for s in paper.sections] == [
        ("1", "INTRODUCTION"),
        ("2", "Related Work"),
        ("3", "METHOD"),
    ]


def test_text_paths_resolve_and_bad_text_files_fail_in_one_line(tmp_path):
    (tmp_path / "paper.md").write_text(CONVERTED, encoding="utf-8")
    assert resolve(str(tmp_path / "paper.md")) == LocalText(tmp_path / "paper.md")
    (tmp_path / "paper.pdf").write_bytes(b"%PDF-1.7")
    assert isinstance(resolve(str(tmp_path / "paper.pdf")), LocalPDF)
    with pytest.raises(BadInputError, match="no such file"):
        resolve(str(tmp_path / "missing.txt"))
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 64)
    with pytest.raises(BadInputError, match="not a text file"):
        read_text_file(tmp_path / "binary.txt", max_pages=10)
    (tmp_path / "empty.md").write_text("\n\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="empty"):
        read_text_file(tmp_path / "empty.md", max_pages=10)
    (tmp_path / "big.md").write_text(CONVERTED, encoding="utf-8")
    with pytest.raises(BadInputError, match="over the"):
        read_text_file(tmp_path / "big.md", max_pages=10, max_bytes=100)
    long = "\n-----\n".join([CONVERTED] * 3)
    assert text_document(long, max_pages=4).warnings == ["only the first 4 of 9 pages were read"]


def test_the_iclr_exports_have_titles_abstracts_and_sections():
    """The 40 converter exports of ../shared/iclr2022 (the verdict yardstick reads them)."""
    papers = sorted(shared_path("iclr2022", "papers").glob("*.md"))
    read = [build_paper(read_text_file(p, max_pages=200), p.name) for p in papers]
    assert all(p.title and p.abstract for p in read)
    tops = [sum(1 for s in p.sections if s.level == 1 and not s.appendix) for p in read]
    assert sum(3 <= t <= 12 for t in tops) >= 0.9 * len(read), tops
