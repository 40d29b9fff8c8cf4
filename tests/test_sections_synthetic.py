"""Structure extraction on a two-column paper built with PyMuPDF (no corpus needed)."""

from __future__ import annotations

import pytest
from pdfbuild import RIGHT, H, W, two_column_paper

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


def _runs(page, x, y, runs, size=10.0):
    """One printed line made of (text, bold) runs set one after another."""
    import pymupdf

    for text, bold in runs:
        font = "hebo" if bold else "helv"
        page.insert_text((x, y), text, fontsize=size, fontname=font)
        x += pymupdf.get_text_length(text, fontname=font, fontsize=size)


REFERENCE_ENTRIES = [
    f"[{i}] A. Author{i} and B. Writer, A study of graph number {i}, Journal of Tests {i}, 20{10 + i}."
    for i in range(1, 7)
]


def test_run_in_headings_and_a_small_capitals_reference_heading(tmp_path):
    """SIAM style, seen on unseen papers: '1. Introduction.' in bold opens a paragraph that runs on, the
    authors are in capitals joined by 'AND', and 'REFERENCES' is set smaller than the text."""
    import pymupdf

    path = tmp_path / "runin.pdf"
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((100, 80), "A FAST METHOD FOR SMALL LATTICES", fontsize=12, fontname="hebo")
    page.insert_text((100, 100), "ANNA BELL AND CARL DIAZ", fontsize=8)
    page.insert_text((72, 125), "Abstract. We reduce small lattices quickly and report the norms we reach.", fontsize=8)
    _runs(page, 72, 160, [("1. Introduction.", True), (" Lattices are common tools in number theory.", False)])
    for k in range(8):  # the text type is 10 pt, like the run-in headings
        page.insert_text((72, 172 + 12 * k), "They appear in cryptography and in the theory of numbers.", fontsize=10)
    _runs(page, 72, 280, [("2. Methods.", True), (" We project basis vectors greedily.", False)])
    _runs(page, 72, 310, [("2.1. Details.", True), (" Each step updates the Gram matrix.", False)])
    page.insert_text((250, 350), "REFERENCES", fontsize=8)
    for k, entry in enumerate(REFERENCE_ENTRIES):
        page.insert_text((72, 370 + 12 * k), entry, fontsize=8)
    doc.save(path)
    paper = build_paper(read_pdf_file(path, max_pages=2), str(path))
    assert paper.top_level_headings() == ["Introduction", "Methods"]
    assert [(s.number, s.heading, s.level) for s in paper.sections][-1] == ("2.1", "Details", 2)
    assert paper.sections[0].text.startswith("Lattices are common tools in number theory.")
    assert [a.name for a in paper.authors] == ["ANNA BELL", "CARL DIAZ"]
    assert len(paper.references) == 6 and paper.references[0].text.startswith("A. Author1")


def test_an_outline_with_the_title_on_top_and_a_reference_list_without_heading(tmp_path):
    """REVTeX style: the bookmarks put the paper's title at level 1 and every section under it; the
    bibliography has no heading. Levels come out as printed, and the references are found."""
    import pymupdf

    path = tmp_path / "revtex.pdf"
    title = "Routing Qubits with Tree Search"
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((150, 70), title, fontsize=12, fontname="hebo")
    page.insert_text((200, 90), "Ann Lee and Bo Chen", fontsize=10)
    for y, (text, size) in enumerate(
        [("I. INTRODUCTION", 9), ("II. METHOD", 9), ("A. Setup", 10), ("III. RESULTS", 9)]
    ):
        page.insert_text((72, 130 + 60 * y), text, fontsize=size, fontname="hebo")
        page.insert_text((72, 145 + 60 * y), "Some sentences of the paper in plain type follow here.", fontsize=10)
    for k, entry in enumerate(REFERENCE_ENTRIES):
        page.insert_text((72, 400 + 12 * k), entry, fontsize=9)
    doc.set_toc([[1, title, 1], [2, "Introduction", 1], [2, "Method", 1], [3, "Setup", 1], [2, "Results", 1]])
    doc.save(path)
    paper = build_paper(read_pdf_file(path, max_pages=2), str(path))
    assert [(s.heading, s.level) for s in paper.sections] == [
        ("Introduction", 1),
        ("Method", 1),
        ("Setup", 2),
        ("Results", 1),
    ]
    assert len(paper.references) == 6
    assert "[6]" not in paper.sections[-1].text


def test_a_japanese_paper_has_headings_and_authors(tmp_path):
    """Headings in a script without case, and authors printed as 'Name（Affiliation）'."""
    import pymupdf

    path = tmp_path / "ja.pdf"
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_font(fontname="F0", fontbuffer=pymupdf.Font("cjk").buffer)
    page.insert_text((100, 80), "和歌の語彙変化について", fontsize=15, fontname="F0")
    page.insert_text((120, 105), "山田太郎（東京大学文学部）", fontsize=11, fontname="F0")
    page.insert_text((72, 150), "1. はじめに", fontsize=12, fontname="F0")
    page.insert_text((72, 170), "本研究の目的は語彙の変化を調べることである。", fontsize=9, fontname="F0")
    page.insert_text((72, 200), "2. 方法", fontsize=12, fontname="F0")
    page.insert_text((72, 220), "語形の分布を比べた。", fontsize=9, fontname="F0")
    doc.save(path)
    paper = build_paper(read_pdf_file(path, max_pages=2), str(path))
    assert paper.top_level_headings() == ["はじめに", "方法"]
    assert [(a.name, a.affiliations) for a in paper.authors] == [("山田太郎", ["東京大学文学部"])]


def test_an_abstract_printed_without_a_label_is_found_and_a_paper_without_one_has_none(tmp_path):
    """REVTeX prints the abstract as a paragraph under the addresses, with no 'Abstract' label; a Springer
    LNCS paper may have no abstract at all, and must not get its first paragraph as one."""
    import pymupdf

    def make(with_abstract: bool):
        path = tmp_path / f"{with_abstract}.pdf"
        doc = pymupdf.open()
        page = doc.new_page()
        page.insert_text((150, 70), "Routing Qubits with Tree Search", fontsize=14, fontname="hebo")
        page.insert_text((200, 90), "Ann Lee and Bo Chen", fontsize=10)
        page.insert_text((180, 104), "Institute of Quantum Computing, Springfield", fontsize=9)
        if with_abstract:
            for k in range(6):
                page.insert_text(
                    (110, 130 + 11 * k), f"We route qubits with a tree search guided by a network, {k}.", fontsize=9
                )
        page.insert_text((72, 220), "1 Introduction", fontsize=12, fontname="hebo")
        for k in range(8):
            page.insert_text(
                (72, 240 + 12 * k), "Quantum hardware connects only some pairs of qubits today.", fontsize=10
            )
        doc.save(path)
        return build_paper(read_pdf_file(path, max_pages=2), str(path))

    paper = make(True)
    assert paper.abstract.startswith("We route qubits with a tree search") and len(paper.abstract) > 300
    assert [a.name for a in paper.authors] == ["Ann Lee", "Bo Chen"]
    assert make(False).abstract == ""


def test_a_subsection_in_the_texts_own_type_is_found_by_its_number(tmp_path):
    """elsarticle sets '2.2. Astronomy' in italic at the text's size: only its number, continuing the current
    section's, tells it from the text; a number that does not continue it ('3.2 GHz') is text."""
    import pymupdf

    path = tmp_path / "els.pdf"
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 70), "Tales for Reproducible Science", fontsize=15, fontname="hebo")
    page.insert_text((72, 110), "2. Science Narratives", fontsize=11, fontname="hebo")
    y = 130
    for title in ("2.1. Materials", "2.2. Astronomy"):
        page.insert_text((72, y), title, fontsize=10, fontname="helv")
        for k in range(3):
            page.insert_text((72, y + 24 + 12 * k), "Scientists share their data and code as tales.", fontsize=10)
        y += 80
    page.insert_text((72, y), "3.2 GHz processors ran every tale.", fontsize=10)
    doc.save(path)
    paper = build_paper(read_pdf_file(path, max_pages=2), str(path))
    assert [(s.number, s.heading, s.level) for s in paper.sections] == [
        ("2", "Science Narratives", 1),
        ("2.1", "Materials", 2),
        ("2.2", "Astronomy", 2),
    ]


def test_an_author_year_list_keeps_its_entries_whole_and_leaves_a_floats_caption_out():
    """Seen on NeurIPS and ACL papers: a URL or a long author list continued past a gap became an entry of its
    own, and a figure set among the references added its caption and lines as entries."""
    from referee.tools.extraction.pdf import Line, Span
    from referee.tools.extraction.sections import parse_references

    texts = [
        "Abbott, L. and Dayan, P. (2001). Theoretical Neuroscience. MIT Press.",
        "Bengio, Y. (2009). Learning deep architectures for AI. Foundations and Trends.",
        "Cho, K. (2014). On the properties of neural machine translation.",
        "Dean, J. (2012). Large scale distributed deep networks.",
        "Elman, J. L. (1990). Finding structure in time.",
        "Fukushima, K. (1980). Neocognitron.",
        "Graves, A. (2013). Generating sequences with recurrent neural networks.",
        "https://example.org/a/very/long/address/that/went/on/",  # the rest of Graves (2013)
        "Figure A.1: The mean grows without bound while the divergence goes to zero.",
        "The base distribution is a Student t-distribution with three degrees of freedom.",
        "Hinton, G. (2002). Training products of experts.",
        "Ioffe, S. and Szegedy, C. (2015). Batch normalization.",
        "Jordan, M. I. (1986). Serial order: a parallel distributed processing approach.",
        "Vert, J.-P. Regularization of kernel methods.",  # no year, but an author's name opens it
    ]
    boxes = [(72.0, 100.0 + 12 * i, 500.0, 110.0 + 12 * i) for i in range(len(texts))]
    lines = [
        Line(page=9, block=i, bbox=box, spans=[Span(text, 9.0, "Times", False, False, box)])
        for i, (text, box) in enumerate(zip(texts, boxes, strict=True))
    ]
    indented = (84.0, 106.0, 500.0, 116.0)  # a hanging indent: every line at the left edge opens a piece
    second = Span("Second edition.", 9.0, "Times", False, False, indented)
    lines.insert(1, Line(page=9, block=0, bbox=indented, spans=[second]))
    refs = [r.text for r in parse_references(lines)]
    assert len(refs) == 11
    assert refs[0] == texts[0] + " Second edition." and refs[6] == texts[6] + " " + texts[7]
    assert not any("Figure" in r or "Student" in r for r in refs)
    assert refs[-1] == texts[-1]


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("Figure A.1: The mean grows.", "A.1"),
        ("Table B.2. Results.", "B.2"),
        ("FIG. 3: A plot.", "3"),
        ("表2", "2"),
        ("表4 2 種類の比較", "4"),
    ],
)
def test_caption_labels_of_appendices_and_other_templates(line, label):
    from referee.tools.extraction.captions import _CAPTION

    assert _CAPTION.match(line).group(2) == label


def test_a_caption_among_the_references_and_a_sideways_caption_are_read(tmp_path):
    """Seen on a NeurIPS paper (a figure floated onto the last page of references, its caption taken for
    reference lines) and a JMLR one (a landscape figure page, its caption printed sideways)."""
    import pymupdf

    path = tmp_path / "paper.pdf"
    two_column_paper(path)
    doc = pymupdf.open(path)
    last = doc[-1]
    last.insert_text((RIGHT, 640), "Figure 2: The error falls as the graphs grow.", fontsize=9, fontname="helv")
    landscape = doc.new_page(width=W, height=H)
    landscape.insert_text((300, 600), "Figure 3: Error of every estimator on every benchmark.", fontsize=9, rotate=90)
    landscape.insert_text((280, 770), "3", fontsize=9)
    doc.save(tmp_path / "floats.pdf")
    paper = build_paper(read_pdf_file(tmp_path / "floats.pdf", max_pages=10), "floats.pdf")
    captions = {f.label: (f.caption, f.page) for f in paper.figures}
    assert captions["Figure 2"] == ("Figure 2: The error falls as the graphs grow.", 2)
    assert captions["Figure 3"] == ("Figure 3: Error of every estimator on every benchmark.", 3)
    assert len(paper.references) == 6 and not any("Figure" in r.text for r in paper.references)


def test_footnote_addresses_and_funding_lines_are_no_affiliations():
    from referee.tools.extraction.frontmatter import _split_affiliation_text

    footnote = ("Funding: This work was funded by Example Research Inc. ⟦†⟧Example Research Inc., 1 Main St, Paris "
                "(ada@example.com). ⟦‡⟧ alan.turing@research.example.ac.uk")  # fmt: skip
    assert _split_affiliation_text(footnote) == [("†", "Example Research Inc., 1 Main St, Paris")]
