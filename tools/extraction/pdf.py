"""The only module that imports PyMuPDF: opens a PDF, rejects unusable ones, and returns raw layout.

Everything structural (headings, authors, references...) is decided in `tools/sections.py` from the
plain data classes defined here, so that the structure logic can be tested without PyMuPDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pymupdf

from ...errors import BadPDFError
from .addressing import addresses_reader
from .text import printable

# MuPDF warnings that mean page content could not be decoded: the text we would extract is incomplete.
_DAMAGE = re.compile(r"zlib error|flate|corrupt|damaged|cannot decompress|syntax error in content", re.I)
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|\.b$|-b$|medi|cmbx|bx\d", re.I)
_ITALIC_FONT = re.compile(r"italic|oblique|cmti|\.i$", re.I)


@dataclass(slots=True)
class Span:
    text: str
    size: float
    font: str
    bold: bool
    italic: bool
    bbox: tuple[float, float, float, float]
    color: int = 0
    alpha: int = 255


@dataclass(slots=True)
class Line:
    page: int  # 1-based
    block: int
    bbox: tuple[float, float, float, float]
    spans: list[Span]
    horizontal: bool = True
    # read many times by the structure passes: worked out once (a new line, `replace()` included, starts afresh)
    _text: str | None = field(default=None, init=False, repr=False, compare=False)
    _size: float | None = field(default=None, init=False, repr=False, compare=False)
    _bold: bool | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(s.text for s in self.spans).strip()
        return self._text

    @property
    def size(self) -> float:
        """The size of most of the line's visible characters."""
        if self._size is None:
            weights: dict[float, int] = {}
            for s in self.spans:
                n = len(s.text.strip())
                if n:
                    weights[round(s.size, 1)] = weights.get(round(s.size, 1), 0) + n
            self._size = max(weights, key=weights.__getitem__) if weights else 0.0
        return self._size

    @property
    def bold(self) -> bool:
        if self._bold is None:
            visible = [s for s in self.spans if s.text.strip()]
            self._bold = bool(visible) and all(s.bold for s in visible)
        return self._bold

    @property
    def x0(self) -> float:
        return self.bbox[0]

    @property
    def y0(self) -> float:
        return self.bbox[1]

    @property
    def x1(self) -> float:
        return self.bbox[2]

    @property
    def y1(self) -> float:
        return self.bbox[3]


@dataclass(slots=True)
class PageLink:
    page: int
    uri: str
    bbox: tuple[float, float, float, float]


@dataclass(slots=True)
class HiddenSpan:
    """Text a reader cannot see but a text extractor (and so an LLM) would read."""

    page: int
    # invisible | tiny | off-page | background-colour | covered | clipped | rotated | layer-off | remapped
    kind: str
    text: str
    bbox: tuple[float, float, float, float]


@dataclass(slots=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line]
    links: list[PageLink]
    image_count: int
    hidden: list[HiddenSpan] = field(default_factory=list)


@dataclass(slots=True)
class RawDocument:
    pages: list[Page]
    outline: list[tuple[int, str, int]]  # (level, title, 1-based page)
    metadata: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    ocr: bool = False  # the text was recognised from page images: the PDF has no text layer
    # the source marks its headings (a text file: Markdown's, or its reader's guess): a line in capitals that
    # is not set in heading type is no heading
    headings_marked: bool = False

    @property
    def page_count(self) -> int:
        return len(self.pages)


def _is_bold(span: dict) -> bool:
    return bool(span["flags"] & pymupdf.TEXT_FONT_BOLD) or _named_bold(span["font"])


def _is_italic(span: dict) -> bool:
    return bool(span["flags"] & pymupdf.TEXT_FONT_ITALIC) or _named_italic(span["font"])


@lru_cache(maxsize=4096)
def _named_bold(font: str) -> bool:
    return bool(_BOLD_FONT.search(font))


@lru_cache(maxsize=4096)
def _named_italic(font: str) -> bool:
    return bool(_ITALIC_FONT.search(font))


# bytes of drawing (the page's content and its forms) above which a page's shapes are read with their colours
# at once: the corpus's typical page draws under 100 KB, a page of 35,000 plotted shapes 850 KB
HEAVY_DRAWING = 400_000
TINY_TEXT_PT = 2.0  # below this a glyph is invisible at any reading zoom
_MIN_CONTRAST = 0.12  # luminance difference between text and what is painted under it


def _luminance(rgb) -> float:
    r, g, b = (tuple(rgb) + (0.0, 0.0, 0.0))[:3] if rgb else (0.0, 0.0, 0.0)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


class _Fills:
    """The page's opaque filled shapes, in drawing order, and where each text span stands in that order.

    MuPDF's structured text, built with vector collection from the page's display list, lists the filled
    and stroked paths as blocks between the text blocks they separate, in drawing order: no separate pass
    over the page's drawing (a page of 17,000 plotted paths: 0.8 s less). Each text trace is placed by its
    first letter, found in a text block; the tests are array operations over all traces at once. With
    `look_first`, the shapes' boxes are read before their colours: where no shape at all holds the centre of
    a trace (a page of text, its rules thin), nothing lies under or over any of them, and the colours are
    not read (a page of 30,000 plotted shapes is read at once: its labels lie on the figure's background)."""

    def __init__(
        self, page: pymupdf.Page, listed: pymupdf.DisplayList | None, centres: np.ndarray, look_first: bool = True
    ) -> None:
        flags = DICT_FLAGS | pymupdf.TEXT_COLLECT_VECTORS
        textpage = pymupdf.TextPage(listed.get_textpage(flags=flags)) if listed else page.get_textpage(flags=flags)
        textpage.parent = page
        ranks, rects, colours, spans, span_ranks = [], [], [], [], []
        unheld = False
        if look_first:
            shapes = [b[:4] for b in textpage.extractBLOCKS() if b[6] == 3]
            unheld = not _holds_any(np.array(shapes, dtype=float).reshape(-1, 4), centres)
        blocks = [] if unheld else textpage.extractDICT()["blocks"]
        for rank, block in enumerate(blocks):
            if block["type"] == 3 and not block["stroked"] and block["alpha"] >= 230:
                ranks.append(rank)
                rects.append(block["bbox"])
                colours.append(block["color"])
            for line in block.get("lines", ()):
                for span in line["spans"]:
                    spans.append(span["bbox"])
                    span_ranks.append(rank)
        self.rank = np.array(ranks, dtype=np.int64)
        self.rects = np.array(rects, dtype=float).reshape(-1, 4)
        rgb = np.array([((c >> 16) & 255, (c >> 8) & 255, c & 255) for c in colours], dtype=float).reshape(-1, 3)
        self.luminance = rgb @ np.array([0.2126, 0.7152, 0.0722]) / 255
        self.spans, self.span_rank = np.array(spans, dtype=float).reshape(-1, 4), np.array(span_ranks)

    def place(self, points: np.ndarray) -> np.ndarray:
        """Each trace's rank in the drawing order, from the text span holding its first letter; a trace
        found in no span (clipped or invisible text) follows the one before it."""
        ranks = np.full(len(points), -1.0)
        if len(self.spans):
            inside = _holding_points(self.spans, points)  # (traces, spans)
            found = inside.any(axis=1)
            ranks[found] = self.span_rank[inside[found].argmax(axis=1)]
        return np.maximum.accumulate(ranks) if len(ranks) else ranks

    def background(self, centres: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """The luminance of the last shape drawn under each centre before its text (white paper when none)."""
        out = np.ones(len(centres))
        for rows, hold in self._chunks(centres, centres):
            under = hold & (self.rank[None, :] < ranks[rows, None])
            last = under.shape[1] - 1 - under[:, ::-1].argmax(axis=1)
            has = under.any(axis=1)
            out[rows[has]] = self.luminance[last[has]]
        return out

    def covers(self, boxes: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """Whether a shape drawn after each text holds its whole box."""
        out = np.zeros(len(boxes), dtype=bool)
        for rows, hold in self._chunks(boxes[:, :2], boxes[:, 2:]):
            out[rows] = (hold & (self.rank[None, :] > ranks[rows, None])).any(axis=1)
        return out

    def _chunks(self, low: np.ndarray, high: np.ndarray, cells: int = 1 << 22):
        """(rows, which shapes hold the boxes from `low` to `high` of those rows), a bounded block at a time."""
        step = max(1, cells // max(1, len(self.rects)))
        r = self.rects
        for start in range(0, len(low) if len(r) else 0, step):
            rows = np.arange(start, min(start + step, len(low)))
            lo, hi = low[rows], high[rows]
            yield (
                rows,
                (
                    (r[None, :, 0] <= lo[:, None, 0])
                    & (r[None, :, 1] <= lo[:, None, 1])
                    & (r[None, :, 2] >= hi[:, None, 0])
                    & (r[None, :, 3] >= hi[:, None, 1])
                ),
            )


def _holding_points(boxes: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(points, boxes): whether each of the (n, 4) boxes holds each of the (k, 2) points."""
    x, y = points[:, None, 0], points[:, None, 1]
    return (boxes[None, :, 0] <= x) & (x <= boxes[None, :, 2]) & (boxes[None, :, 1] <= y) & (y <= boxes[None, :, 3])


def _holds_any(boxes: np.ndarray, points: np.ndarray, cells: int = 1 << 18) -> bool:
    """Whether any of the (n, 4) boxes holds any of the (k, 2) points, a block of boxes at a time (stopping at
    the first that does)."""
    step = max(1, cells // max(1, len(points)))
    return any(_holding_points(boxes[i : i + step], points).any() for i in range(0, len(boxes), step))


def _shared_area(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a, b): the area each of the (n, 4) boxes `a` shares with each of the (m, 4) boxes `b`."""
    width = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    height = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return np.clip(width, 0, None) * np.clip(height, 0, None)


class _Raster:
    """Whether a box of the page shows any ink, rendered grey at 96 dpi: only the box itself is drawn (a
    page asks about a few boxes, most pages about none; drawing the whole page cost more than the scan)."""

    DPI = 96

    def __init__(self, page: pymupdf.Page, listed: pymupdf.DisplayList | None = None) -> None:
        self.page, self.listed = page, listed

    def blank(self, box: tuple[float, float, float, float]) -> bool:
        page = self.page.rect
        clip = pymupdf.Rect(max(box[0], page.x0), max(box[1], page.y0), min(box[2], page.x1), min(box[3], page.y1))
        if clip.width < 1 or clip.height < 1:
            return True
        zoom = pymupdf.Matrix(self.DPI / 72, self.DPI / 72)
        if self.listed is not None:  # the page's drawing already recorded: replayed, not parsed again
            pix = self.listed.get_pixmap(matrix=zoom, colorspace=pymupdf.csGRAY, alpha=False, clip=clip)
        else:
            pix = self.page.get_pixmap(matrix=zoom, colorspace=pymupdf.csGRAY, annots=False, clip=clip)
        pixels = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[:, : pix.width]
        return pixels.size == 0 or int(pixels.max()) - int(pixels.min()) < 40


def _trace_text(trace: dict) -> str:
    return "".join(chr(c[0]) for c in trace["chars"]).strip()


def _shows_text(trace: dict) -> bool:
    """Whether a trace has a character that is not blank (stops at the first, which most often is one)."""
    return any(not chr(c[0]).isspace() for c in trace["chars"])


def _switched_off_layers(doc: pymupdf.Document) -> list[list[HiddenSpan]]:
    """Per page, the text of optional-content layers that are switched off: no viewer shows it, and no
    extractor reads it, but a viewer's layer panel (or another reader) can switch it on."""
    off = {cfg["number"]: cfg["text"] for cfg in doc.layer_ui_configs() if not cfg["on"]}
    if not off:
        return [[] for _ in range(doc.page_count)]
    for number in off:
        doc.set_layer_ui_config(number, action=0)  # on
    found = []
    for index, page in enumerate(doc):
        found.append(
            [
                HiddenSpan(index + 1, "layer-off", text, tuple(t["bbox"]))
                for t in page.get_texttrace()
                if t["layer"] in off.values() and (text := _trace_text(t))
            ]
        )
    for number in off:
        doc.set_layer_ui_config(number, action=2)  # off again
    return found


def _span_boxes(blocks: list[dict]) -> np.ndarray:
    boxes = [s["bbox"] for b in blocks for ln in b.get("lines", []) for s in ln["spans"] if s["text"].strip()]
    return np.array(boxes, dtype=float).reshape(-1, 4)


_SUBSET = re.compile(r"^[A-Z]{6}\+")


@lru_cache(maxsize=4096)
def _font_key(name: str) -> str:
    """A font's name as the page's resources and its text trace both give it ('ABCDEF+Nimbus Sans Regular' and
    'NimbusSans-Regular' alike)."""
    return re.sub(r"[\s\-_,]", "", _SUBSET.sub("", name or "")).lower()


REMAPPED_SHARE = 0.6  # of a span's letters whose glyph is not the one its font draws for the letter claimed


class FontPrograms:
    """A document's embedded font programs, each loaded once: which glyph a font draws for a character.

    Text whose ToUnicode map says one letter while the glyph drawn is another ("remapped") reads differently
    to a person and to an extractor. A span is remapped when, under every font of its name on the page,
    most of its letters (REMAPPED_SHARE, at least four known to the font) are drawn with a glyph other than
    the one the font program itself gives that letter. Fonts without a program or a character map abstain.
    """

    def __init__(self) -> None:
        self._loaded: dict[int, pymupdf.Font | None] = {}
        self._glyphs: dict[tuple[int, int], int] = {}  # (font xref, character) -> the glyph the font draws
        self._checked: dict[int, set[tuple[int, int]]] = {}  # font xref -> pairs it draws as its own

    def _font(self, doc: pymupdf.Document, xref: int) -> pymupdf.Font | None:
        if xref not in self._loaded:
            try:
                program = doc.extract_font(xref)[3]
                self._loaded[xref] = pymupdf.Font(fontbuffer=program) if program else None
            except Exception:  # a damaged or unsupported font program: no opinion
                self._loaded[xref] = None
        return self._loaded[xref]

    def _glyph(self, font: pymupdf.Font, xref: int, code: int) -> int:
        if (xref, code) not in self._glyphs:
            self._glyphs[xref, code] = font.has_glyph(code)
        return self._glyphs[xref, code]

    def suspects(self, page: pymupdf.Page, named: dict[str, list[int]], traces: list[dict]) -> set[str]:
        """The page's font names under which some letter is drawn with another glyph than the font's own for
        it, in every font program of that name: only their traces can be remapped (most pages: none)."""
        pairs: dict[str, set[tuple[int, int]]] = {}
        for t in traces:
            codes, glyphs = list(zip(*t["chars"], strict=True))[:2]  # transposed in C: pages have 10,000s of letters
            pairs.setdefault(_font_key(t.get("font", "")), set()).update(zip(codes, glyphs, strict=True))
        return {
            key
            for key, drawn in pairs.items()
            if (xrefs := named.get(key)) and all(self._redrawn(page.parent, xref, drawn) for xref in xrefs)
        }

    def _redrawn(self, doc: pymupdf.Document, xref: int, drawn: set[tuple[int, int]]) -> bool:
        """Whether a letter of the (character, glyph) pairs is drawn with another glyph than the font's own
        for it; pairs found in order on earlier pages are not looked at again."""
        font = self._font(doc, xref)
        if font is None:
            return False
        checked = self._checked.setdefault(xref, set())
        for code, glyph in drawn - checked:
            if chr(code).isalpha() and glyph != self._glyph(font, xref, code) != 0:
                return True
            checked.add((code, glyph))
        return False

    def remapped(self, page: pymupdf.Page, named: dict[str, list[int]], trace: dict) -> bool:
        letters = [(c[0], c[1]) for c in trace["chars"] if chr(c[0]).isalpha()]
        xrefs = named.get(_font_key(trace.get("font", "")), [])
        if len(letters) < 4 or not xrefs:
            return False
        for xref in xrefs:
            font = self._font(page.parent, xref)
            if font is None:
                return False
            known = [(glyph, drawn) for code, glyph in letters if (drawn := self._glyph(font, xref, code))]
            if len(known) < 4 or sum(glyph != drawn for glyph, drawn in known) <= REMAPPED_SHARE * len(known):
                return False
        return True


def hidden_spans(
    page: pymupdf.Page,
    number: int,
    blocks: list[dict],
    listed: pymupdf.DisplayList | None = None,
    fonts: FontPrograms | None = None,
) -> list[HiddenSpan]:
    """Spans drawn invisibly (render mode 3, zero opacity), too small to read, outside the page, in the
    colour of what lies under them, painted over by an opaque shape drawn after them, cut away by their
    clipping path (drawn, but not on the page's text), or drawn with glyphs other than the letters their
    text layer claims (a remapped font). Rotated text is reported only where it addresses a reader or a
    model: axis labels and the arXiv stamp are rotated too, and visible."""
    clips, drawn = _drawing(page) if listed is not None else (True, 0)
    traces = [t for t in _texttrace(page, listed, clips) if _shows_text(t)]
    if not traces:
        return []
    fonts = fonts or FontPrograms()
    named: dict[str, list[int]] = {}
    for xref, _, _, basefont, *_ in page.get_fonts(full=True):
        named.setdefault(_font_key(basefont), []).append(xref)
    boxes = np.array([t["bbox"] for t in traces], dtype=float).reshape(-1, 4)
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    letters = np.array([_first_letter(t) for t in traces], dtype=float).reshape(-1, 6)  # box, then origin
    firsts = (letters[:, :2] + letters[:, 2:4]) / 2
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    on_page = _shared_area(boxes, np.array([tuple(page.rect)], dtype=float))[:, 0]
    suspects = fonts.suspects(page, named, traces)
    fills = _Fills(page, listed, centres, look_first=drawn < HEAVY_DRAWING)
    ranks = fills.place(firsts)
    contrast = np.abs(np.array([_luminance(t["color"]) for t in traces]) - fills.background(centres, ranks))
    covered = fills.covers(boxes, ranks)
    shown = _span_boxes(blocks)  # the page's text as extracted (`page.get_text("dict", flags=DICT_FLAGS)`)
    on_text = _on_text(letters, shown)
    raster = _Raster(page, listed)
    image_boxes: list[np.ndarray] = []  # read once, and only for a span already suspected

    def on_image(point: np.ndarray) -> bool:
        if not image_boxes:
            image_boxes.append(np.array([i["bbox"] for i in page.get_image_info()], dtype=float).reshape(-1, 4))
        return bool(_holding_points(image_boxes[0], point[None, :]).any())

    found: list[HiddenSpan] = []
    for i, t in enumerate(traces):
        box = t["bbox"]
        kind = None
        if t["type"] == 3 or t.get("opacity", 1.0) < 0.05:
            kind = "invisible"
        elif t["size"] < TINY_TEXT_PT:
            kind = "tiny"
        elif areas[i] > 0 and on_page[i] < 0.5 * areas[i]:
            kind = "off-page"
        else:
            if contrast[i] < _MIN_CONTRAST:
                kind = "background-colour"
            elif covered[i]:
                kind = "covered"
            # Images under the text and clipped shapes are not in the fill list: there, the rendered page
            # decides (white digits on a heat-map image, a figure's clipped white background).
            if (kind == "covered" or (kind and on_image(centres[i]))) and not raster.blank(box):
                kind = None
            # not on the page's text and no ink where it is drawn: cut away by its clipping path
            if kind is None and not on_text[i] and raster.blank(box):
                kind = "clipped"
        if kind is None and _font_key(t.get("font", "")) in suspects and fonts.remapped(page, named, t):
            kind = "remapped"
        if kind is None and abs(t["dir"][1]) > 0.05 and addresses_reader(_trace_text(t)):
            kind = "rotated"
        if kind:
            found.append(HiddenSpan(number, kind, _trace_text(t), tuple(box)))
    return found


# a clipping path set (W or W* before the operator that paints or ends the path), or text added to the clip
# (render modes 4 to 7), in a content stream
_SETS_CLIP = re.compile(rb"(?<![^\s\]\)>])(?:W\*?\s+(?:n|f\*?|F|S|s|B\*?|b\*?)|[4-7]\s+Tr)(?![^\s\[\(</])")
_BEGINS_TEXT = re.compile(rb"(?<![^\s\]\)>])BT(?![^\s\[\(</])")


def _drawing(page: pymupdf.Page) -> tuple[bool, int]:
    """Whether text on the page can be cut away by a clipping path: the page's content or a form it draws
    (`get_xobjects()` lists the forms within forms too) sets one, or a form draws text (a form is clipped to
    its bounding box, and text placed outside that box is drawn but never shown); and how many bytes of
    drawing the page and its forms hold."""
    doc = page.parent
    forms = [doc.xref_stream(xref) or b"" for xref, *_ in page.get_xobjects()]
    streams = [page.read_contents(), *forms]
    clips = any(_SETS_CLIP.search(stream) for stream in streams) or any(_BEGINS_TEXT.search(f) for f in forms)
    return clips, sum(map(len, streams))


def _texttrace(page: pymupdf.Page, listed: pymupdf.DisplayList | None, clips: bool) -> list[dict]:
    """`page.get_texttrace()`; replayed from the page's display list where no clipping path can cut text away
    (`clips` false; the page is not interpreted a second time: a page of text traces in about half the time).
    The list drops text that a clipping path cuts away, and that text is what the trace of the page itself
    must show. PyMuPDF's trace device is internal: without it, always directly.

    One interpretation for both would need a device that hands every call to the list and the trace: MuPDF 1.28
    exposes none in C, and one in Python (`mupdf.FzDevice2`) costs more than the second run it saves (a page of
    17,000 clipped plot marks makes 52,000 path and clip calls: 320-405 ms only to count them, where the second
    run takes 170-240 ms)."""
    device = getattr(getattr(pymupdf, "extra", None), "JM_new_texttrace_device", None)
    if listed is None or device is None or clips:
        return page.get_texttrace()
    mupdf = pymupdf.mupdf
    traces: list[dict] = []
    dev = device(traces)
    dev.ptm = mupdf.FzMatrix(1, 0, 0, -1, 0, mupdf.fz_bound_page(page.this).y1)
    infinite = mupdf.FzRect(mupdf.FzRect.Fixed_INFINITE)
    mupdf.fz_run_display_list(listed.this, dev, mupdf.FzMatrix(), infinite, mupdf.FzCookie())
    mupdf.fz_close_device(dev)
    return traces


def _first_letter(trace: dict) -> tuple[float, ...]:
    """The box and origin of a trace's first non-blank character: a trace that runs over several lines has
    its box's centre between them, on no text."""
    for c in trace["chars"]:
        if chr(c[0]).strip():
            return (*c[3], *c[2])
    x0, y0, x1, y1 = trace["bbox"]
    return x0, y0, x1, y1, (x0 + x1) / 2, (y0 + y1) / 2


def _on_text(letters: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Whether each first letter (box, origin) is in the page's extracted text: its origin on a span (a
    point of slack), or a third of its box inside one (the box of a large operator in the trace reaches
    higher than the span MuPDF's text gives it, and a Type 3 glyph's origin can lie outside it)."""
    if not len(shown):
        return np.zeros(len(letters), dtype=bool)
    on = _holding_points(shown + np.array([-1.0, -1.0, 1.0, 1.0]), letters[:, 4:]).any(axis=1)
    rest = letters[~on, :4]
    area = (rest[:, 2] - rest[:, 0]) * (rest[:, 3] - rest[:, 1])
    on[~on] = (_shared_area(rest, shown).max(axis=1, initial=0) >= area / 3) & (area > 0)
    return on


def _hidden_mask(boxes: np.ndarray, hidden: list[HiddenSpan], cells: int = 1 << 20) -> np.ndarray:
    """For each of the (n, 4) span boxes, whether hidden spans cover half of it or more (a span with no area:
    whether one holds its top-left corner). Array operations over blocks of spans, `cells` box pairs at a
    time: a page of plots has thousands of tick-label spans, each tested against every hidden one."""
    out = np.zeros(len(boxes), dtype=bool)
    if not hidden or not len(boxes):
        return out
    m = np.array([h.bbox for h in hidden], dtype=float)
    step = max(1, cells // len(m))
    for start in range(0, len(boxes), step):
        part = boxes[start : start + step]
        area = (part[:, 2] - part[:, 0]) * (part[:, 3] - part[:, 1])
        empty = (part[:, 2] <= part[:, 0]) | (part[:, 3] <= part[:, 1])
        corner = _holding_points(m, part[:, :2]).any(axis=1)
        covered = (_shared_area(part, m) >= 0.5 * area[:, None]).any(axis=1)
        out[start : start + step] = np.where(empty, corner, covered)
    return out


DICT_FLAGS = pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES


def page_blocks(page: pymupdf.Page) -> tuple[list[dict], pymupdf.DisplayList | None]:
    """The page's text blocks (`get_text("dict")`), and the display list they were read from where the page
    has no annotations: MuPDF then interprets the page's drawing once for the text and the hidden-text
    raster (a page of 17,000 plotted paths: about half the time). A page with annotations is read directly
    (its text includes them; the raster leaves them out), and so is a rotated one (the list is in display
    coordinates, the text in the page's own)."""
    if page.rotation or page.first_annot is not None or page.first_widget is not None:
        return page.get_text("dict", flags=DICT_FLAGS)["blocks"], None
    listed = page.get_displaylist(annots=False)
    textpage = pymupdf.TextPage(listed.get_textpage(flags=DICT_FLAGS))
    textpage.parent = page
    return textpage.extractDICT()["blocks"], listed


def page_lines(blocks: list[dict], number: int, hidden: list[HiddenSpan]) -> list[Line]:
    lines: list[Line] = []
    covered: set[int] = set()  # the spans hidden ones lie over (none to test on most pages)
    if hidden:
        every = [s for block in blocks for raw in block.get("lines", []) for s in raw["spans"]]
        masked = _hidden_mask(np.array([s["bbox"] for s in every], dtype=float).reshape(-1, 4), hidden)
        covered = {id(s) for s, hide in zip(every, masked, strict=True) if hide}
    for b_index, block in enumerate(blocks):
        for raw in block.get("lines", []):
            spans = [
                Span(
                    text=s["text"],
                    size=float(s["size"]),
                    font=s["font"],
                    bold=_is_bold(s),
                    italic=_is_italic(s),
                    bbox=tuple(s["bbox"]),
                    color=int(s.get("color", 0)),
                    alpha=int(s.get("alpha", 255)),
                )
                for s in raw["spans"]
                if not (hidden and (s["size"] < TINY_TEXT_PT or id(s) in covered))
            ]
            if not any(s.text.strip() for s in spans):
                continue
            dx, dy = raw["dir"]
            lines.append(
                Line(
                    page=number,
                    block=b_index,
                    bbox=tuple(raw["bbox"]),
                    spans=spans,
                    horizontal=abs(dy) < 1e-3 and dx > 0,
                )
            )
    return lines


def _complete(data: bytes) -> bool:
    """Every complete PDF ends with the %%EOF marker (whitespace or a little padding may follow); a cut one does not."""
    return b"%%EOF" in data[-2048:]


def _no_pages(name: str, data: bytes) -> str:
    if not _complete(data):
        return f"{name}: the PDF is damaged or truncated (no pages can be read and its end-of-file marker is missing)"
    return f"{name}: the PDF is damaged: it has no pages that can be read"


def check_pdf(data: bytes, name: str) -> None:
    """Raise BadPDFError unless `data` opens as a PDF with pages: what a download must pass to be cached."""
    if b"%PDF-" not in data[:1024]:
        raise BadPDFError(f"{name}: not a PDF (the file does not start with the %PDF- header)")
    if not _complete(data):
        raise BadPDFError(f"{name}: the PDF is truncated (its end-of-file marker is missing); try again")
    try:
        with pymupdf.open(stream=data, filetype="pdf") as doc:
            pages = doc.page_count
    except Exception as exc:  # MuPDF raises several unrelated types for unreadable files
        raise BadPDFError(f"{name}: the PDF is damaged or truncated and cannot be opened ({exc})") from exc
    if pages == 0:
        raise BadPDFError(_no_pages(name, data))


def open_pdf(
    data: bytes, *, name: str, max_pages: int, max_bytes: int | None = None, ocr_language: str = "eng"
) -> RawDocument:
    """Open PDF bytes and return their raw layout, or raise BadPDFError with a one-line reason. A PDF of
    page images without a text layer is read by OCR where Tesseract is installed."""
    if not data:
        raise BadPDFError(f"{name}: the file is empty (0 bytes)")
    if max_bytes is not None and len(data) > max_bytes:
        raise BadPDFError(
            f"{name}: the file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB cap "
            "(raise REFEREE_MAX_PDF_MB to allow it)"
        )
    if b"%PDF-" not in data[:1024]:
        raise BadPDFError(f"{name}: not a PDF (the file does not start with the %PDF- header)")
    pymupdf.TOOLS.mupdf_warnings(reset=True)
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # MuPDF raises several unrelated types for unreadable files
        raise BadPDFError(f"{name}: the PDF is corrupt and cannot be opened ({exc})") from exc
    with doc:
        if doc.needs_pass:
            raise BadPDFError(f"{name}: the PDF is encrypted and needs a password to open; decrypt it first")
        if doc.page_count == 0:
            raise BadPDFError(_no_pages(name, data))
        if doc.page_count > max_pages:
            raise BadPDFError(
                f"{name}: the PDF has {doc.page_count} pages, over the {max_pages}-page cap "
                "(raise REFEREE_MAX_PAGES to allow it)"
            )
        try:
            fonts = FontPrograms()
            pages = [_read_page(page, fonts=fonts) for page in doc]
            for page, spans in zip(pages, _switched_off_layers(doc), strict=True):
                page.hidden.extend(spans)
            ocr = _scanned(pages) and ocr_available(ocr_language)
            if ocr:
                pages = [_read_page(page, ocr_language) for page in doc]
            outline = [(lvl, title, pno) for lvl, title, pno, *_ in doc.get_toc(simple=True)]
            metadata = {k: v for k, v in (doc.metadata or {}).items() if v}
        except Exception as exc:
            raise BadPDFError(f"{name}: the PDF is corrupt: reading its pages failed ({exc})") from exc
    warnings = [w for w in pymupdf.TOOLS.mupdf_warnings(reset=True).splitlines() if w.strip()]
    if not _complete(data) and any("startxref" in w or "repair" in w for w in warnings):
        raise BadPDFError(
            f"{name}: the PDF is truncated: its end is missing and it could only be read in part, so its text "
            "would be incomplete"
        )
    damage = [w for w in warnings if _DAMAGE.search(w)]
    if damage:
        raise BadPDFError(
            f"{name}: the PDF is corrupt: some of its compressed streams are damaged ({damage[0].strip()}), "
            "so its text would be incomplete"
        )
    if _scanned(pages) or (ocr and _too_little_text(pages, OCR_MIN_CHARS)):
        raise BadPDFError(
            f"{name}: the PDF has no text layer (it is scanned images); OCR would be needed before review: "
            f"install Tesseract with the '{ocr_language}' language (Debian: apt install tesseract-ocr)"
            if not ocr
            else f"{name}: the PDF has no text layer and OCR found too little text in its page images to review"
        )
    if _too_little_text(pages):
        raise BadPDFError(f"{name}: the PDF contains no extractable text")
    return RawDocument(pages=pages, outline=outline, metadata=metadata, warnings=warnings, ocr=ocr)


OCR_MIN_CHARS = 500  # what OCR reads off a page image of a few stray words is no paper


def _too_little_text(pages: list[Page], minimum: int = 0) -> bool:
    chars = sum(len(line.text) for page in pages for line in page.lines)
    return chars < minimum or (chars < 20 * len(pages) and chars < 200)


def _scanned(pages: list[Page]) -> bool:
    return _too_little_text(pages) and any(page.image_count for page in pages)


def ocr_available(language: str) -> bool:
    """Whether Tesseract's data for `language` is installed where PyMuPDF looks (TESSDATA_PREFIX, or the
    installed tesseract's own folder)."""
    try:
        tessdata = pymupdf.get_tessdata()
    except Exception:  # PyMuPDF raises when it finds no Tesseract installation
        return False
    return bool(tessdata) and all((Path(tessdata) / f"{lang}.traineddata").is_file() for lang in language.split("+"))


OCR_DPI = 300


def _read_page(page: pymupdf.Page, ocr_language: str | None = None, fonts: FontPrograms | None = None) -> Page:
    """One page's lines, links and hidden spans; with `ocr_language`, its text is recognised from the
    rendered page by Tesseract (through PyMuPDF) instead, and what OCR reads is what a reader sees."""
    number = page.number + 1
    links = [PageLink(page=number, uri=uri, bbox=box) for uri, box in _web_links(page)]
    if ocr_language:
        recognised = page.get_textpage_ocr(flags=DICT_FLAGS, language=ocr_language, dpi=OCR_DPI, full=True)
        blocks, hidden = page.get_text("dict", textpage=recognised)["blocks"], []
    else:
        blocks, listed = page_blocks(page)
        hidden = hidden_spans(page, number, blocks, listed, fonts)
    return Page(
        number=number,
        width=page.rect.width,
        height=page.rect.height,
        lines=page_lines(blocks, number, hidden),
        links=links,
        image_count=len(page.get_images(full=False)),
        hidden=hidden,
    )


def _web_links(page: pymupdf.Page) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The page's link annotations to the web (what `get_links()` lists as URI links), read from MuPDF's own
    list: PyMuPDF's `Link` objects look up every annotation of the page for each link they step to, and a
    page of citations has hundreds of internal links."""
    mupdf, found = pymupdf.mupdf, []
    link = mupdf.fz_load_links(page.this)
    while link.m_internal:
        uri = link.uri()
        if uri and mupdf.fz_is_external_link(uri) and not uri.lower().startswith("file:"):
            box = link.rect()
            found.append((uri, (box.x0, box.y0, box.x1, box.y1)))
        link = link.next()
    return found


def read_pdf_file(path: Path, *, max_pages: int, max_bytes: int | None = None) -> RawDocument:
    shown = printable(str(path))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadPDFError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise BadPDFError(f"{shown}: is a directory, not a PDF file") from None
    except OSError as exc:
        raise BadPDFError(f"{shown}: cannot read the file ({exc.strerror})") from exc
    return open_pdf(data, name=shown, max_pages=max_pages, max_bytes=max_bytes)
