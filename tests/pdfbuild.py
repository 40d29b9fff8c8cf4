"""Small research-paper-shaped PDFs made with PyMuPDF, for tests that need no corpus."""

from __future__ import annotations

import pymupdf

W, H = 612, 792
LEFT, RIGHT, COL_W = 54, 318, 240


def _text(page, x, y, text, size=10.0, bold=False):
    page.insert_text((x, y), text, fontsize=size, fontname="hebo" if bold else "helv")


def _paragraph(page, x, y, words: str, size=10.0, width=COL_W) -> float:
    """Write a left-aligned paragraph, wrapping by a simple character budget; returns the next y."""
    per_line = int(width / (size * 0.5))
    line = ""
    for word in words.split():
        if len(line) + len(word) + 1 > per_line:
            _text(page, x, y, line, size)
            y += size * 1.25
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        _text(page, x, y, line, size)
        y += size * 1.25
    return y + size * 0.6


FILLER = (
    "We measure the effect of the proposed estimator on twelve benchmark datasets and report the "
    "mean over five seeds with the standard deviation in parentheses. "
)


def two_column_paper(path, title: str = "Sparse Estimators for Tiny Graphs") -> None:
    doc = pymupdf.open()
    p1 = doc.new_page(width=W, height=H)
    _text(p1, 60, 80, title, size=15, bold=True)
    # authors with superscript markers, affiliations below
    _text(p1, 170, 110, "Ada Lovelace", size=11)
    _text(p1, 236, 106, "1", size=7)
    _text(p1, 250, 110, "Alan Turing", size=11)
    _text(p1, 310, 106, "2", size=7)
    _text(p1, 150, 126, "1", size=7)
    _text(p1, 155, 130, "Department of Computing, University of Somewhere", size=10)
    _text(p1, 150, 142, "2", size=7)
    _text(p1, 155, 146, "Graph Lab, Example Research Institute", size=10)
    _text(p1, LEFT, 180, "Abstract", size=11, bold=True)
    y = _paragraph(
        p1,
        LEFT,
        196,
        "We introduce a sparse estimator for graphs with fewer than ten nodes. "
        "It reduces error by 12.5% on six benchmarks while using half the memory.",
    )
    _text(p1, LEFT, y + 10, "1 Introduction", size=12, bold=True)
    y = _paragraph(p1, LEFT, y + 28, FILLER * 6)
    _text(p1, RIGHT, 196, "2 Method", size=12, bold=True)
    y = _paragraph(
        p1,
        RIGHT,
        214,
        "Our code is at https://github.com/example/sparse-tiny and the data at "
        "https://zenodo.org/record/123456 for anyone. " + FILLER * 2,
        width=COL_W,
    )
    _text(p1, RIGHT, y + 6, "2.1 Training", size=10.5, bold=True)
    _paragraph(p1, RIGHT, y + 22, FILLER * 3)
    for page in (p1,):
        _text(page, 280, 770, "1", size=9)
    p2 = doc.new_page(width=W, height=H)
    _text(p2, 200, 30, "Sparse Estimators for Tiny Graphs", size=8)
    _text(p2, LEFT, 80, "Table 1: Error on the benchmarks.", size=9)
    rows = [("Dataset", "Ours", "Baseline"), ("MUTAG", "0.125", "0.250"), ("PTC", "0.310", "0.402")]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            _text(p2, LEFT + 10 + c * 70, 100 + r * 14, cell, size=9)
    _text(p2, LEFT, 170, "3 Experiments", size=12, bold=True)
    _paragraph(p2, LEFT, 188, FILLER * 4)
    _text(p2, RIGHT, 80, "4 Conclusion", size=12, bold=True)
    y = _paragraph(p2, RIGHT, 98, "Sparse estimators help on tiny graphs. " + FILLER)
    _text(p2, RIGHT, y + 6, "Acknowledgements", size=12, bold=True)
    y = _paragraph(p2, RIGHT, y + 24, "We thank the reviewers.")
    _text(p2, RIGHT, y + 6, "References", size=12, bold=True)
    y += 24
    for n in range(1, 7):
        y = _paragraph(
            p2,
            RIGHT,
            y,
            f"[{n}] A. Author and B. Author. A cited work number {n}. In Proceedings, 20{10 + n}.",
        )
    _text(p2, 280, 770, "2", size=9)
    doc.save(path)


def insert_remapped_text(page, point, claimed: str, fontsize: float = 7.0) -> str:
    """Text whose font draws other letters than its text layer says: each distinct character of `claimed` is
    drawn as a distinct other letter, and the embedded font's ToUnicode map is rewritten so that an extractor
    reads `claimed`. Returns what a reader sees."""
    doc, font = page.parent, pymupdf.Font("helv")
    pool = iter("QZXJKVWYqzxjkvwybgmhpfuABCDEFGHILMNOPRSTUacdeilnorst0123456789")
    shown_for: dict[str, str] = {}
    for char in dict.fromkeys(c for c in claimed if c != " "):
        shown_for[char] = next(c for c in pool if c != char)
    visible = "".join(shown_for.get(c, c) for c in claimed)
    page.insert_font(fontname="RMP", fontbuffer=font.buffer)
    page.insert_text(point, visible, fontname="RMP", fontsize=fontsize)
    xref = next(x for x, _, _, _, name, *_ in page.get_fonts(full=True) if name == "RMP")
    tounicode = int(doc.xref_get_key(xref, "ToUnicode")[1].split()[0])
    pairs = [(font.has_glyph(ord(shown)), char) for char, shown in shown_for.items()] + [(font.has_glyph(32), " ")]
    entries = "\n".join(f"<{glyph:04x}> <{ord(char):04x}>" for glyph, char in pairs)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) "
        "/Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        f"1 begincodespacerange <0000> <FFFF> endcodespacerange\n{len(pairs)} beginbfchar\n{entries}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    )
    doc.update_stream(tounicode, cmap.encode())
    return visible
