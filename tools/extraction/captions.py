"""Figure and table captions, and the cell text of each table, with their pages.

PyMuPDF's `find_tables` was measured on the corpus at 250-750 ms a page and splits decimals
("50 .8"), so table cells are read here from the text rows next to each caption instead.
"""

from __future__ import annotations

import re
from operator import attrgetter

from ...paper import Figure, Table
from .pdf import Line, RawDocument
from .text import clean, join_lines

# "Table 2:", "TABLE II.", "Figure 3.", "Fig. 4:", "Fig 5." (PLOS), "FIG. 6:" (REVTeX), "Figure A.1:" (an appendix),
# "表1", "図 2", "表2 3 水準の..." (Japanese: no separator, the caption in Japanese after a space);
# a label alone on its line ("Table 1." above its caption, "表1") starts a caption too, but a sentence that
# begins with one ("Figure 3 presents ...") does not: it needs the separator.
_CAPTION = re.compile(
    r"^(Table|TABLE|Figure|FIGURE|Fig\.?|FIG\.?|表|図)\s*((?:[A-Z]\.?)?\d{1,2}|[IVX]{1,4})"
    r"(?:\s*[:.|]\s*(.*)|\s*$|(?<=\d)[\s\u3000]+(?=[^\n]*[\u3040-\u30ff\u3400-\u9fff])(.*))$"
)


def _caption_lines(body: list[Line], start: int) -> list[Line]:
    first = body[start]
    out = [first]
    for ln in body[start + 1 :]:
        if (ln.page, ln.block) != (first.page, first.block) or _CAPTION.match(ln.text):
            break
        out.append(ln)
    return out


def _cells(line: Line) -> list[str]:
    cells: list[str] = []
    last_x1 = None
    for span in line.spans:
        if not span.text.strip():
            continue
        if last_x1 is not None and span.bbox[0] - last_x1 <= 0.8 * span.size and cells:
            cells[-1] += (" " if span.text[:1] != " " and not cells[-1].endswith(" ") else "") + span.text
        else:
            cells.append(span.text)
        last_x1 = span.bbox[2]
    return [clean(c) for c in cells if clean(c)]


def _rows(candidates: list[Line]) -> list[list[Line]]:
    rows: list[list[Line]] = []
    for ln in sorted(candidates, key=lambda x: (x.y0, x.x0)):
        if rows:
            row = rows[-1]
            top, bottom = min(x.y0 for x in row), max(x.y1 for x in row)
            if min(bottom, ln.y1) - max(top, ln.y0) > 0.4 * min(bottom - top, ln.y1 - ln.y0):
                row.append(ln)
                continue
        rows.append([ln])
    return rows


def _prose(row: list[Line], width: float) -> bool:
    if len(row) > 1:
        return False
    ln = row[0]
    return (ln.x1 - ln.x0) > 0.7 * width and len(ln.text.split()) > 8 and not re.search(r"\d\s+\d", ln.text)


def _table_rows(page_lines: list[Line], caption: list[Line], body_size: float, page_width: float) -> list[list[str]]:
    x0 = min(ln.x0 for ln in caption)
    x1 = max(ln.x1 for ln in caption)
    width = x1 - x0
    mid = page_width / 2
    # a caption inside one column of a two-column page owns a table inside that column
    if x1 <= mid + 0.04 * page_width:
        lo, hi = 0.0, mid + 0.02 * page_width
    elif x0 >= mid - 0.04 * page_width:
        lo, hi = mid - 0.02 * page_width, page_width
    else:
        lo, hi = 0.0, page_width
    top, bottom = min(ln.y0 for ln in caption), max(ln.y1 for ln in caption)
    ids = {id(ln) for ln in caption}
    nearby = [
        ln
        for ln in page_lines
        if id(ln) not in ids
        and ln.x0 >= lo
        and ln.x1 <= hi
        and ln.size <= body_size + 1.5
        and not _CAPTION.match(ln.text)
    ]
    best: list[list[Line]] = []
    for direction in ("below", "above"):
        side = [ln for ln in nearby if (ln.y0 >= bottom - 1 if direction == "below" else ln.y1 <= top + 1)]
        rows = _rows(side)
        if direction == "above":
            rows.reverse()
        taken: list[list[Line]] = []
        edge = bottom if direction == "below" else top
        for row in rows:
            r_top, r_bottom = min(x.y0 for x in row), max(x.y1 for x in row)
            height = max(r_bottom - r_top, 1.0)
            gap = r_top - edge if direction == "below" else edge - r_bottom
            if gap > max(3 * height, 25) or _prose(row, width):
                break
            taken.append(row)
            edge = r_bottom if direction == "below" else r_top
        if direction == "above":
            taken.reverse()
        multi = sum(1 for r in taken if sum(len(_cells(x)) for x in r) >= 2)
        if multi > sum(1 for r in best if sum(len(_cells(x)) for x in r) >= 2):
            best = taken
    return [[c for ln in sorted(row, key=lambda x: x.x0) for c in _cells(ln)] for row in best]


def captions_and_tables(doc: RawDocument, body: list[Line], body_size: float) -> tuple[list[Table], list[Figure]]:
    """The tables and figures of the document by their captions, in page order: those of the body's lines, then
    those printed sideways (a landscape float page turns its caption with it; a rotated caption must give its
    text after a separator, "Figure 7: ...", so that a rotated axis label "Figure 7" starts none)."""
    tables: dict[str, Table] = {}
    figures: dict[str, Figure] = {}
    sideways = [ln for page in doc.pages for ln in page.lines if not ln.horizontal]
    for lines, needs_text in ((body, False), (sideways, True)):
        for i, line in enumerate(lines):
            match = _CAPTION.match(clean(line.text))
            if not match or (needs_text and not match.group(3)):
                continue
            kind, number = match.group(1), match.group(2)
            caption_lines = _caption_lines(lines, i)
            caption = clean(join_lines([clean(x.text) for x in caption_lines]))
            if kind.lower().startswith("tab") or kind == "表":
                label = f"Table {number}"
                if label not in tables:
                    page = doc.pages[line.page - 1]
                    rows = _table_rows(page.lines, caption_lines, body_size, page.width)
                    tables[label] = Table(label=label, caption=caption, page=line.page, rows=rows)
            else:
                label = f"Figure {number}"
                figures.setdefault(label, Figure(label=label, caption=caption, page=line.page))
    return sorted(tables.values(), key=attrgetter("page")), sorted(figures.values(), key=attrgetter("page"))
