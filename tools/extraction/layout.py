"""Page layout: running headers and footers out, two-column reading order, split lines merged back.

Works on the plain data classes of `tools/pdf.py`; no PyMuPDF here.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace

from .pdf import Line, Page, RawDocument, Span

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_MARGIN = 0.09  # top and bottom share of the page where running headers and footers live


def _margin_key(line: Line) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.text.lower()))


def running_lines(doc: RawDocument) -> set[tuple[int, int]]:
    """(page, id(line)) of running headers, footers and page numbers."""
    in_margin: list[tuple[Page, Line]] = []
    for page in doc.pages:
        for line in page.lines:
            if line.y1 < page.height * _MARGIN or line.y0 > page.height * (1 - _MARGIN):
                in_margin.append((page, line))
    pages_per_key: dict[str, set[int]] = defaultdict(set)
    for page, line in in_margin:
        pages_per_key[_margin_key(line)].add(page.number)
    threshold = max(2, int(0.3 * doc.page_count))
    drop = set()
    for page, line in in_margin:
        repeated = len(pages_per_key[_margin_key(line)]) >= threshold
        if repeated or _PAGE_NUMBER.match(line.text):
            drop.add((page.number, id(line)))
    return drop


def body_size(doc: RawDocument) -> float:
    """The font size of most of the text, in half-point buckets (microtype varies sizes slightly)."""
    weights: Counter[float] = Counter()
    for page in doc.pages:
        for line in page.lines:
            for span in line.spans:
                weights[round(span.size * 2) / 2] += len(span.text.strip())
    return weights.most_common(1)[0][0] if weights else 10.0


def _column(bbox: tuple[float, float, float, float], width: float) -> str:
    mid, slack = width / 2, width * 0.04
    if bbox[2] <= mid + slack:
        return "L"
    if bbox[0] >= mid - slack:
        return "R"
    return "F"


def _ordered_blocks(page: Page, lines: list[Line]) -> list[list[Line]]:
    blocks: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        blocks[line.block].append(line)
    boxes = {
        b: (min(x.x0 for x in ls), min(x.y0 for x in ls), max(x.x1 for x in ls), max(x.y1 for x in ls))
        for b, ls in blocks.items()
    }
    cols = {b: _column(box, page.width) for b, box in boxes.items()}
    chars = Counter()
    for b, ls in blocks.items():
        chars[cols[b]] += sum(len(x.text) for x in ls)
    two_column = chars["L"] > 200 and chars["R"] > 200
    if not two_column:
        order = sorted(blocks, key=lambda b: (round(boxes[b][1]), boxes[b][0]))
        return [blocks[b] for b in order]
    full = sorted((b for b in blocks if cols[b] == "F"), key=lambda b: boxes[b][1])
    bands: list[list[int]] = [[] for _ in range(len(full) + 1)]
    for b in blocks:
        if cols[b] == "F":
            continue
        centre = (boxes[b][1] + boxes[b][3]) / 2
        band = sum(1 for f in full if (boxes[f][1] + boxes[f][3]) / 2 < centre)
        bands[band].append(b)
    order: list[int] = []
    for index, band in enumerate(bands):
        for col in ("L", "R"):
            order.extend(sorted((b for b in band if cols[b] == col), key=lambda b: boxes[b][1]))
        if index < len(full):
            order.append(full[index])
    return [blocks[b] for b in order]


def _merge(a: Line, b: Line) -> Line:
    gap = (
        []
        if a.spans[-1].text.endswith(" ") or b.spans[0].text.startswith(" ")
        else [Span(" ", a.size, a.spans[-1].font, a.spans[-1].bold, False, a.bbox)]
    )
    box = (min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1))
    return replace(a, bbox=box, spans=a.spans + gap + b.spans)


def _same_row(a: Line, b: Line, width: float) -> bool:
    if a.block != b.block and len(a.text) > 8:
        return False  # side-by-side blocks (author columns) stay apart; a heading number joins its title
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    height = min(a.y1 - a.y0, b.y1 - b.y0)
    if height <= 0 or overlap < 0.5 * height:
        return False
    gap = b.x0 - a.x1
    if gap < -1 or gap > 2.5 * max(a.size, b.size):
        return False
    mid = width / 2
    return not (a.x1 < mid - 5 and b.x0 > mid + 5 and gap > 0.8 * max(a.size, b.size))


def reading_order(doc: RawDocument) -> list[Line]:
    """All body lines of the document in reading order, split rows merged, margins removed."""
    drop = running_lines(doc)
    ordered: list[Line] = []
    for page in doc.pages:
        lines = [ln for ln in page.lines if ln.horizontal and (page.number, id(ln)) not in drop]
        page_lines: list[Line] = []
        for block in _ordered_blocks(page, lines):
            for line in block:
                if page_lines and _same_row(page_lines[-1], line, page.width):
                    page_lines[-1] = _merge(page_lines[-1], line)
                else:
                    page_lines.append(line)
        ordered.extend(page_lines)
    return ordered
