"""Structure extraction on a two-column paper built with PyMuPDF (no corpus needed)."""

from __future__ import annotations

import pytest
from pdfbuild import two_column_paper

from referee.tools.extraction.pdf import read_pdf_file
from referee.tools.extraction.sections import build_paper


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "paper.pdf"
    two_column_paper(path)
    return build_paper(read_pdf_file(path, max_pages=10), str(path))


def test_title_authors_affiliations(paper):
    assert paper.title == "Sparse Estimators for Tiny Graphs"
    assert [(a.name, a.affiliations) for a in paper.authors] == [
        ("Ada Lovelace", ["Department of Computing, University of Somewhere"]),
        ("Alan Turing", ["Graph Lab, Example Research Institute"]),
    ]
    assert paper.affiliation_status == "found"


def test_abstract(paper):
    assert paper.abstract.startswith("We introduce a sparse estimator")
    assert paper.abstract.endswith("half the memory.")


def test_sections_in_two_column_reading_order(paper):
    outline = [(s.number, s.heading, s.level, s.page_start) for s in paper.sections]
    assert outline == [
        ("1", "Introduction", 1, 1),
        ("2", "Method", 1, 1),
        ("2.1", "Training", 2, 1),
        ("3", "Experiments", 1, 2),
        ("4", "Conclusion", 1, 2),
        (None, "Acknowledgements", 1, 2),
    ]
    assert paper.sections[-2].text.startswith("Sparse estimators help on tiny graphs.")
    # running header and page numbers are not section text
    assert "Sparse Estimators for Tiny Graphs" not in paper.sections[2].text
    assert not paper.sections[2].text.rstrip().endswith(" 1")


def test_references_table_links(paper):
    assert [r.label for r in paper.references] == ["1", "2", "3", "4", "5", "6"]
    assert paper.references[0].text.startswith("A. Author and B. Author. A cited work number 1.")
    (table,) = paper.tables
    assert table.label == "Table 1" and table.page == 2
    assert table.rows == [
        ["Dataset", "Ours", "Baseline"],
        ["MUTAG", "0.125", "0.250"],
        ["PTC", "0.310", "0.402"],
    ]
    kinds = {link.url: link.kind for link in paper.links}
    assert kinds == {
        "https://github.com/example/sparse-tiny": "code",
        "https://zenodo.org/record/123456": "data",
    }


def test_every_section_knows_its_pages(paper):
    for s in paper.sections:
        assert s.page_of(0) == s.page_start and s.page_of(len(s.text) - 1) == s.page_end


def test_a_link_printed_with_a_small_tilde_and_a_closing_bracket_is_listed_once(tmp_path):
    """Seen on unseen papers: the text layer printed '˜' for '~', and the sentence's ')' stayed on the URL, so
    one repository was listed twice, one copy broken."""
    import pymupdf

    path = tmp_path / "tilde.pdf"
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "A Short Paper on Tools", fontsize=15)
    page.insert_text((72, 140), "1 Introduction", fontsize=12)
    page.insert_font(fontname="F0", fontbuffer=pymupdf.Font("cjk").buffer)  # a font that has both tildes
    page.insert_text(
        (72, 160), "Our tool (see https://example.org/\u02dcuser/tool) is free.", fontsize=10, fontname="F0"
    )
    page.insert_text((72, 180), "Mirror: www.example.net/\u223cuser/mirror).", fontsize=10, fontname="F0")
    page.insert_link({"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(150, 150, 330, 162),
                      "uri": "https://example.org/~user/tool"})  # fmt: skip
    doc.save(path)
    paper = build_paper(read_pdf_file(path, max_pages=2), str(path))
    assert sorted(link.url for link in paper.links) == [
        "https://example.org/~user/tool",
        "https://www.example.net/~user/mirror",
    ]
