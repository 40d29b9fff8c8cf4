"""Papers given as Markdown or plain text (what PDF converters and OpenReview exports produce), read into the
same document of styled lines a PDF gives, so that one structure pass (title, abstract, headings, sections,
references, captions and tables, links, the injection scan) serves both, and the card is the same.

Markdown is parsed by markdown-it-py: its headings keep their level (`#` the largest type), a pipe table's
rows become lines of cells, fenced code stays body text. A converter's headings are often plain lines
("2.1 RETRIEVAL AGENT", "ABSTRACT"): a line standing alone as its paragraph, short, that opens with a section
number or is set in capitals, is given heading type, and the structure pass decides as it does on a PDF.
Pages are split at lines of five or more hyphens where the text has them.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt

from ...errors import BadInputError
from .pdf import Line, Page, RawDocument, Span
from .sections import names_a_section

BODY, HEADING, TITLE = 10.0, 12.0, 18.0  # type sizes given to the lines: body, a heading, the title
WIDTH, LEFT, PITCH, CELL = 612.0, 72.0, 12.0, 100.0  # a page's width, its margin, the line pitch, a cell's step
CHAR = 4.5  # the width of a character at body size
DENSE_SHARE = 0.02  # text with fewer blank lines than this share of its lines has every line stand alone
TITLE_LINES = 12  # the title, when no Markdown heading gives it, is looked for in the first lines

_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_PAGE_BREAK = re.compile(r"^\s*-{5,}\s*$|^\f")  # a converter's rule, or pdftotext's form feed
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}|[A-H](?:\.\d{1,2}){1,3}|[A-H])\.?\s+\S")
_NUMBER_ALONE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}|[A-H](?:\.\d{1,2}){1,3})\.?$")
_LINK = re.compile(r"\[([^\]]*)\]\((\S+?)\)")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`")


def read_text_file(path: Path, *, max_pages: int, max_bytes: int | None = None) -> RawDocument:
    """The text file at `path` as a document; a one-line error for a binary, empty or oversized file."""
    data = path.read_bytes()
    if max_bytes is not None and len(data) > max_bytes:
        raise BadInputError(f"{path}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit")
    text = data.decode("utf-8", errors="replace")
    head = text[:65536]
    if len(_NOT_TEXT.findall(head)) > 0.02 * len(head):  # converters leave a few stray control characters
        raise BadInputError(f"{path}: not a text file (it holds binary data); give Markdown, plain text or a PDF")
    text = _NOT_TEXT.sub(" ", text)
    if not text.strip():
        raise BadInputError(f"{path}: the file is empty")
    return text_document(text, max_pages=max_pages)


def text_document(text: str, *, max_pages: int) -> RawDocument:
    pages: list[list[str]] = [[]]
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _PAGE_BREAK.match(raw):
            pages.append([])
            raw = raw.lstrip("\f")
            if raw.strip() and not _PAGE_BREAK.match(raw):
                pages[-1].append(raw)
        else:
            pages[-1].append(raw)
    pages = [p for p in pages if any(x.strip() for x in p)]
    warnings = []
    if len(pages) > max_pages:
        warnings.append(f"only the first {max_pages} of {len(pages)} pages were read")
        pages = pages[:max_pages]
    parser = MarkdownIt("commonmark").enable("table")
    # pdftotext's text has no blank lines between paragraphs: there every line stands alone
    lines = [x for p in pages for x in p]
    dense = sum(1 for x in lines if not x.strip()) < DENSE_SHARE * len(lines)
    styles, untitled = [], True
    for number, source in enumerate(pages, 1):
        style = _PageStyle(parser, source, number == 1, untitled, dense)
        styles.append(style)
        untitled = style.untitled
    _keep_in_sequence(styles)
    out = []
    for n, style in enumerate(styles, 1):
        height = max(792.0, (len(style.source) + 3 * len(style.tables) + 6) * PITCH)
        out.append(Page(number=n, width=WIDTH, height=height, lines=style.lines(n), links=[], image_count=0))
    return RawDocument(pages=out, outline=[], metadata={}, warnings=warnings, headings_marked=True)


class _PageStyle:
    """What each source line of a page is: a heading (its type size), a table row (its cells), code, markup;
    whether the title is still to come (the headings that open the document, before any body text, are its
    title, in title type); and which headings were guessed from a numbered plain line."""

    def __init__(self, parser: MarkdownIt, source: list[str], first: bool, untitled: bool, dense: bool) -> None:
        self.source = source
        self.styled: dict[int, tuple[float, bool]] = {}  # source line -> (size, bold)
        self.tables: dict[int, list[str]] = {}  # source line -> a table row's cells
        self.code: set[int] = set()
        self.markup: set[int] = set()  # a table's delimiter row, a heading's underline: no text of the paper
        self.joined: dict[int, str] = {}  # a section number alone on its line and the heading after it, as one
        self.guessed: list[int] = []  # numbered plain lines styled as headings, in order
        paragraphs: list[tuple[int, int]] = []
        tokens = parser.parse("\n".join(source))
        for i, token in enumerate(tokens):
            if token.map is None:
                continue
            start, end = token.map
            if token.type == "heading_open" and end - start > 2:
                # a block of text over a line of hyphens (setext) is no heading in a converter's text
                paragraphs.append((start, end - 1))
                self.markup.add(end - 1)
                untitled = False
            elif token.type == "heading_open":
                size = TITLE if untitled else HEADING + max(0, 3 - int(token.tag[1]))
                self.styled.update({k: (size, True) for k in range(start, end)})
                self.markup.update(k for k in range(start, end) if re.fullmatch(r"\s*[=-]+\s*", source[k]))
            elif token.type == "table_open":
                self.markup.update(range(start, end))
            elif token.type in ("fence", "code_block"):
                self.code.update(range(start, end))
            elif token.type == "tr_open":
                cells = []
                for inner in tokens[i + 1 :]:
                    if inner.type == "tr_close":
                        break
                    if inner.type == "inline":
                        cells.append(inner.content)
                self.tables[start] = cells
                self.markup.discard(start)
            elif token.type == "paragraph_open":
                paragraphs.append((start, end))
                untitled = False
        self.untitled = untitled
        for start, end in paragraphs:
            self._guess_headings(start, end, dense)
        if first and not any(size == TITLE for size, _ in self.styled.values()):
            _title_in_capitals(source, self.styled)

    def _guess_headings(self, start: int, end: int, dense: bool) -> None:
        for k in range(start, end) if dense else range(start, start + (end - start == 1)):
            text = _MARKUP.sub("", self.source[k]).strip()
            after = f"{text} {self.source[k + 1].strip()}" if k + 1 < end else ""
            if _NUMBER_ALONE.match(text) and after and _heading_like(after, dense):
                self.joined[k], self.joined[k + 1] = "", after
                self.styled[k + 1] = (BODY, True)
                self.guessed.append(k + 1)
            elif _heading_like(text, dense) and k not in self.joined:
                self.styled[k] = (BODY, True)
                if _NUMBERED.match(text):
                    self.guessed.append(k)

    def number_of(self, k: int) -> str:
        return _MARKUP.sub("", self.joined.get(k, self.source[k])).split()[0].rstrip(".")

    def lines(self, number: int) -> list[Line]:
        lines: list[Line] = []
        block, y = 0, 40.0
        for k, raw in enumerate(self.source):
            ends_table = k - 1 in self.tables and k not in self.tables and k not in self.markup
            y += 3 * PITCH if ends_table else PITCH  # space after a table, as in print
            if not raw.strip():
                block += 1
                continue
            if k in self.markup or self.joined.get(k) == "":
                continue
            raw = self.joined.get(k, raw)
            if k in self.tables:
                cells = self.tables[k]
                step = min(CELL, (WIDTH - 2 * LEFT) / max(1, len(cells)))
                spans = [_span(cell, LEFT + c * step, y, BODY, False, step - 10) for c, cell in enumerate(cells)]
                spans = [s for s in spans if s.text]
            else:
                size, bold = self.styled.get(k, (BODY, _bold(raw)))
                text = raw if k in self.code else _plain(raw, heading=k in self.styled)
                spans = [_span(text.strip(), LEFT, y, size, bold, WIDTH - 2 * LEFT)]
            if not any(s.text for s in spans):
                continue
            box = (spans[0].bbox[0], y, max(s.bbox[2] for s in spans), y + max(s.size for s in spans))
            lines.append(Line(page=number, block=block, bbox=box, spans=spans))
        return lines


def _keep_in_sequence(styles: list[_PageStyle]) -> None:
    """A heading guessed from a numbered plain line stays one only where its number follows the last one kept
    (2 after 1.3, 2.1 after 2, A after 5, B.2 after B.1): numbered list items, plot labels and table numbers
    read as headings do not."""
    last: tuple[str, ...] = ()
    for style in styles:
        for k in style.guessed:
            number = tuple(style.number_of(k).split("."))
            if _follows(number, last):
                last = number
                continue
            style.styled.pop(k, None)
            if style.joined.get(k - 1) == "":  # "9" over "REFERENCES": a page number, and a heading of its own
                del style.joined[k - 1], style.joined[k]
                if _heading_like(style.source[k].strip()):
                    style.styled[k] = (BODY, True)


def _follows(number: tuple[str, ...], last: tuple[str, ...]) -> bool:
    def step(a: str) -> str:
        return str(int(a) + 1) if a.isdigit() else chr(ord(a) + 1)

    if not last:
        return number in (("1",), ("1", "1"), ("A",))
    if number[0].isalpha() and last[0].isdigit():  # the appendix begins (its first heading may be unnumbered)
        return len(number) <= 2
    for depth in range(1, len(last) + 1):  # the next at some level: 3 after 2.4, 2.5 after 2.4
        if number == (*last[: depth - 1], step(last[depth - 1])):
            return True
    return number == (*last, "1")  # the first below it: 2.1 after 2


def _title_in_capitals(source: list[str], styled: dict[int, tuple[float, bool]]) -> None:
    """Where no Markdown heading gives the title: the first run of lines in capitals near the top of the first
    page, unnumbered and no section's name ("ABSTRACT"), is the title."""
    run: list[int] = []
    for k, raw in enumerate(source[:TITLE_LINES]):
        text = raw.strip()
        if _in_capitals(text) and len(text.split()) <= 14 and not _NUMBERED.match(text) and not _named(text):
            run.append(k)
        elif run:
            break
    styled.update({k: (TITLE, True) for k in run})


def _plain(raw: str, heading: bool) -> str:
    """A line's text without Markdown's marks: a link keeps its text and its address (`[text](url)`: the
    address too, where the text does not hold it); a heading loses its `#`s (a converter leaves some inside)."""
    text = _LINK.sub(lambda m: m[1] if m[2] in m[1] else f"{m[1]} {m[2]}", raw)
    if heading:
        text = re.sub(r"\s*#{1,6}\s*", " ", text)
    return _MARKUP.sub("", text)


def _span(text: str, x: float, y: float, size: float, bold: bool, room: float) -> Span:
    text = " ".join(text.split())
    width = min(len(text) * CHAR * size / BODY, room)
    return Span(text=text, size=size, font="Text-Bold" if bold else "Text", bold=bold, italic=False,
                bbox=(x, y, x + width, y + size))  # fmt: skip


def _bold(raw: str) -> bool:
    """A line set wholly in strong emphasis (`**Anonymous authors**`)."""
    text = raw.strip()
    return len(text) > 4 and text[:2] in ("**", "__") and text[-2:] == text[:2]


def _heading_like(text: str, dense: bool = False) -> bool:
    """A line alone as its paragraph that a converter wrote for a heading: short, without a sentence's end,
    opening with a section number ("3.1 Ablations") or set in capitals ("ABSTRACT", "REFERENCES"). In text
    without blank lines every line stands alone, and a numbered one needs a title's capitals ("2 Related Work")
    to be told from a numbered item of a list; so does one numbered by a letter alone ("C THE DISCRIMINATOR")."""
    words = text.split()
    if not 1 <= len(words) <= 14 or text.endswith((",", ";", ":", "-")):
        return False
    capitals = _in_capitals(text)
    if _NUMBERED.match(text):
        title = text.split(None, 1)[1] if len(words) > 1 else ""
        if dense or words[0].rstrip(".").isalpha():  # a title's capitals tell it from a list's numbered item
            titled = all(w[:1].isupper() for w in title.split() if len(w) >= 4)
            if not (capitals or (titled and (not dense or len(title.split()) >= 2))):
                return False
        return title[:1].isupper() and (capitals or not text.endswith("."))
    # capitals alone: a section's name, or words of letters only ("ETHICS STATEMENT"), not a plot's "CGAN-A"
    return capitals and (_named(text) or (len(words) >= 2 and all(w.isalpha() for w in words)))


def _in_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _named(text: str) -> bool:
    """A section printed without a number ("ABSTRACT", "REFERENCES", "CONCLUSIONS.")."""
    name = text.rstrip(". ")
    return name.lower() == "abstract" or names_a_section(name)
