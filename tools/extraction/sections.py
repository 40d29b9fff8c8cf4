"""Structure of a paper from its raw layout: headings, the section tree, references, captions, links.

Headings come from the PDF outline when it has one (it is what the authors' LaTeX wrote), completed
with unnumbered headings it omits (starred sections); otherwise from font size, weight, numbering and
position. Every piece of text keeps the page it was printed on.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ...paper import Appendix, ArxivMetadata, Author, Paper, Reference, Section
from .captions import captions_and_tables
from .frontmatter import (
    affiliation_like,
    authors_and_affiliations,
    is_abstract_label,
    marked_text,
    names_with_affiliations,
    title_lines,
    title_text,
)
from .injection import merge_hidden, visible_instructions
from .layout import body_size, reading_order
from .links import find_links
from .pdf import Line, RawDocument
from .text import clean, join_lines, latin_length, norm_key

_NUMBERED = re.compile(
    r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3}|[A-H](?:\.\d{1,2}){0,3}|[IVX]{1,5}(?=\.))\.?\s+(?P<title>\S.*)$"
)
_KNOWN = re.compile(
    r"^(acknowledg(e)?ments?|limitations?|broader impacts?|impact statement|ethics statement|ethical "
    r"considerations|conclusions?|related work|introduction|appendix|appendices|supplementary material|"
    r"discussion|credit author statement|author contributions|reproducibility statement|funding)$",
    re.I,
)
# labels of front matter that some templates set like section headings
_FRONT_MATTER = re.compile(
    r"^(keywords|key words|index terms|ccs concepts|general terms|acm reference format|additional key words.*)$", re.I
)
_REFERENCES = re.compile(r"^(references|bibliography|literature cited|works cited|参考文献|文献)$", re.I)


def names_a_section(text: str) -> bool:
    """Whether `text` is the name of a section that is printed without a number (Introduction, References,
    Acknowledgements, Ethics statement, ...)."""
    return bool(_KNOWN.match(text) or _REFERENCES.match(text))


_NOT_HEADING = re.compile(
    r"^(table|figure|fig\.|algorithm|theorem|lemma|definition|corollary|proposition|remark|example|"
    r"assumption|step|input|output|require|ensure)\s*[\dA-Z]?[\d.:]*\s*[:.]?$|^(table|figure|fig\.)\s*\d",
    re.I,
)


@dataclass
class Heading:
    index: int  # position in the reading-order line list
    text: str
    number: str | None
    level: int
    size: float
    bold: bool
    kind: str = "section"  # section | references | abstract
    appendix: bool = False  # printed as "Appendix A. ..."
    # text on the heading's own line that belongs to what follows: the paragraph a run-in heading
    # ("1. Introduction. Lattices are ...") opens, or a whole reference entry when the list has no heading
    lead: Line | None = None


def _starts_like_title(text: str) -> bool:
    """Upper case, a digit, or a letter of a script without case (Japanese, Chinese)."""
    c = text[0]
    return c.isupper() or c.isdigit() or (c.isalpha() and not c.islower())


def _mostly_numbers(text: str) -> bool:
    """'E1 E3 E5', '0.2 0.4 0.6': figure or table labels, not a title."""
    tokens = text.split()
    return sum(any(c.isdigit() for c in t) for t in tokens) * 2 > len(tokens)


def _heading_style(line: Line, body: float) -> bool:
    if line.bold or line.size >= body + 0.8:
        return True
    text = line.text
    if not text.isupper():  # a lower-case letter, or no cased letter at all: not set in capitals
        return False
    letters = [c for c in text if c.isalpha()]
    caps = len(letters) >= 3 and all(c.isupper() for c in letters)
    biggest = max(s.size for s in line.spans if s.text.strip())
    return caps and (line.size >= body - 0.3 or biggest >= body + 0.8)


def _candidate(line: Line, body: float, bold_only: bool = False) -> tuple[str | None, str] | None:
    """(number, title) when the line looks like a heading, else None (`bold_only`: the source marks its
    headings, and a line in capitals it does not mark is none)."""
    text = clean(line.text)
    if not 2 <= len(text) <= 120 or len(text.split()) > 16 or text.endswith((",", ";")):
        return None
    # set in capitals or bold, these are headings at any size: "REFERENCES", "ACKNOWLEDGMENTS" in 8 pt
    marked = line.bold or text.isupper() or not any(c.isascii() and c.isalpha() for c in text)
    if marked and (_REFERENCES.match(text) or _KNOWN.match(text.rstrip("."))):
        return None, text.rstrip(".")
    styled = line.bold if bold_only else _heading_style(line, body)
    if line.size < body - 0.6 or not styled or _NOT_HEADING.match(text):
        return None
    match = _NUMBERED.match(text)
    if match:
        title = match.group("title")
        if sum(c.isalpha() for c in title) < 2 or not _starts_like_title(title) or _mostly_numbers(title):
            return None
        return match.group("num"), title.rstrip(".")
    big = line.size >= body + 1.5 and line.bold and len(text.split()) <= 6  # e.g. a lower-case tool name
    if not (_starts_like_title(text) or big) or sum(c.isalpha() for c in text) < 3 or _mostly_numbers(text):
        return None
    if names_with_affiliations(text):  # "Ann Lee (Osaka University)" in large type is an author
        return None
    if _KNOWN.match(text.rstrip(".")) or _REFERENCES.match(text) or line.size >= body + 0.8:
        return None, text.rstrip(".")
    return None


_RUN_IN_END = re.compile(r"[.:]$")


def _run_in(line: Line, body: float) -> tuple[str | None, str, Line] | None:
    """A heading set in bold at the start of a paragraph, the text running on after it ("1. Introduction.
    Lattices of integers are ..."): (number, title, the rest of the line). Numbered, or a known
    unnumbered name (Acknowledgements)."""
    spans = [s for s in line.spans if s.text]
    k = 0
    while k < len(spans) and (spans[k].bold or not spans[k].text.strip()):
        k += 1
    lead = clean("".join(s.text for s in spans[:k]))
    rest = spans[k:]
    if not lead or not rest or not _RUN_IN_END.search(lead) or abs(line.size - body) > 1.0:
        return None
    if len(lead) > 100 or len(lead.split()) > 12 or _NOT_HEADING.match(lead):
        return None
    rest_line = Line(line.page, line.block, line.bbox, rest, line.horizontal)
    title = lead[:-1].strip()
    match = _NUMBERED.match(title)
    if match and _starts_like_title(match.group("title")) and not _mostly_numbers(match.group("title")):
        return match.group("num"), match.group("title").rstrip("."), rest_line
    if _KNOWN.match(title):
        return None, title, rest_line
    return None


def _level(number: str | None) -> int:
    return 1 if number is None else number.count(".") + 1


def _similar(a: str, b: str, floor: float = 0.0) -> float:
    """Similarity of the two texts' keys, 0 to 1."""
    return _Likeness(b).score(a, floor)


class _Likeness:
    """Similarity to one text, for many candidates: the target's key and difflib's index of it are made once
    (matching an outline title against every line of three pages is most of the structure work otherwise);
    a candidate whose length alone, or letter counts, bound the ratio below `floor` scores 0 at once."""

    def __init__(self, target: str) -> None:
        self.key = norm_key(target)
        self.matcher = difflib.SequenceMatcher(None, autojunk=False)
        self.matcher.set_seq2(self.key)

    def score(self, text: str, floor: float = 0.0) -> float:
        key = norm_key(text)
        if not key or not self.key:
            return 0.0
        if key == self.key:
            return 1.0
        if floor and 2 * min(len(key), len(self.key)) / (len(key) + len(self.key)) < floor:
            return 0.0
        self.matcher.set_seq1(key)
        if floor and self.matcher.quick_ratio() < floor:
            return 0.0
        return self.matcher.ratio()


_APPENDIX = re.compile(r"^appendix\s+(?P<num>[A-H](?:\.\d{1,2}){0,2})[.:]?\s+(?P<title>\S.*)$", re.I)


def _printed(text: str) -> tuple[str | None, str, bool]:
    """(number, title, whether 'Appendix' is printed before the number) of a heading line."""
    text = clean(text)
    match = _APPENDIX.match(text) or _NUMBERED.match(text)
    if not match:
        return None, text, False
    return match.group("num"), match.group("title").rstrip("."), match.re is _APPENDIX


def _subsection_in_body_type(line: Line, body: float, section: str | None, alone: bool) -> tuple[str, str] | None:
    """A subsection set in the text's own size and weight (elsarticle's italic '2.2. Astronomy', a Japanese
    title in a gothic face): a short line of its own whose number continues the current section's."""
    if section is None or not alone or abs(line.size - body) > 1.0:
        return None
    number, title, _ = _printed(line.text)
    if number is None or number.split(".")[0] != section or "." not in number or not _starts_like_title(title):
        return None
    if len(title.split()) > 12 or len(title) > 100 or _mostly_numbers(title) or _NOT_HEADING.match(title):
        return None
    return number, title


def detect_headings(
    lines: list[Line], body: float, start: int, outline, paper_title: str = "", bold_only: bool = False
) -> list[Heading]:
    found: list[Heading] = []
    per_block: dict[tuple[int, int], int] = {}
    for ln in lines:
        per_block[(ln.page, ln.block)] = per_block.get((ln.page, ln.block), 0) + 1
    i = start
    while i < len(lines):
        line = lines[i]
        cand = _candidate(line, body, bold_only)
        run_in = _run_in(line, body) if cand is None else None
        if run_in is not None:
            number, title, rest = run_in
            kind = "references" if _REFERENCES.match(title) else "section"
            found.append(Heading(i, title, number, _level(number), line.size, True, kind, lead=rest))
            i += 1
            continue
        in_body_type = False
        if cand is None:
            section = next((h.number for h in reversed(found) if h.number and h.level == 1), None)
            cand = _subsection_in_body_type(line, body, section, per_block[(line.page, line.block)] == 1)
            in_body_type = cand is not None
        if cand is None:
            i += 1
            continue
        number, title = cand
        # a heading wrapped over two lines: same style, right below, not itself numbered
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if (
            nxt is not None
            and not in_body_type  # the next line in the same type is the text, not the heading's second line
            and nxt.page == line.page
            and abs(nxt.size - line.size) < 0.3
            and nxt.bold == line.bold
            and 0 <= nxt.y0 - line.y1 < 0.8 * line.size
            and not _NUMBERED.match(nxt.text)
            and len(nxt.text) < 80
            and not _REFERENCES.match(nxt.text)
        ):
            title = join_lines([title, clean(nxt.text)])
            skip = 2
        else:
            skip = 1
        kind = "references" if _REFERENCES.match(title) else "section"
        found.append(Heading(i, title, number, _level(number), line.size, line.bold, kind))
        i += skip
    found = _drop_letter_numbers_before_appendix(_numbers_in_sequence(found))
    _levels_from_style(found)
    if len([o for o in outline if o[0] >= 1]) >= 2:
        found = _align_with_outline(found, lines, start, outline, paper_title)
    return found


def _numbers_in_sequence(found: list[Heading]) -> list[Heading]:
    """Section numbers only count up: '2. PPN' after section 4.1 is an item of a numbered list."""
    out, last = [], 0
    for h in found:
        if h.number and h.number.isdigit():
            if int(h.number) <= last:
                continue
            last = int(h.number)
        out.append(h)
    return out


def _drop_letter_numbers_before_appendix(found: list[Heading]) -> list[Heading]:
    """'A Worst-Case Example' is a title starting with 'A', not appendix A, before the references."""
    out = []
    seen_refs = False
    for h in found:
        if h.kind == "references":
            seen_refs = True
        if h.number and h.number[0].isalpha() and h.number[0] not in "IVX" and not seen_refs:
            has_arabic = any(o.number and o.number[0].isdigit() for o in found)
            if has_arabic and h.index < max(o.index for o in found if o.number and o.number[0].isdigit()):
                h.text = f"{h.number} {h.text}"
                h.number = None
        out.append(h)
    return out


def _levels_from_style(found: list[Heading]) -> None:
    """Unnumbered headings take the level of numbered headings printed in the same style."""
    styles: dict[tuple[float, bool], int] = {}
    for h in found:
        if h.number:
            styles.setdefault((round(h.size * 2) / 2, h.bold), h.level)
    sizes = sorted({round(h.size * 2) / 2 for h in found}, reverse=True)
    for h in found:
        if h.number:
            continue
        key = (round(h.size * 2) / 2, h.bold)
        if key in styles:
            h.level = styles[key]
        elif styles:
            top = min(s for (s, _), lvl in styles.items() if lvl == 1) if 1 in styles.values() else sizes[0]
            h.level = 1 if h.size >= top - 0.3 else 2
        else:
            h.level = sizes.index(round(h.size * 2) / 2) + 1 if round(h.size * 2) / 2 in sizes else 1
            h.level = min(h.level, 3)


def _outline_entries(outline, paper_title: str) -> list[tuple[int, str | None, str, int]]:
    """(level, printed number, title, page) for the outline's sections. Bookmarks are evidence, not truth:
    an entry for the paper's own title or its abstract is not a section (REVTeX puts the title at level 1,
    every section under it), levels start at 1, and a number written into the title is kept apart."""
    entries = []
    for level, title, page in outline:
        title = clean(title)
        if not title or (paper_title and _similar(title, paper_title) >= 0.85) or re.match(r"^abstract\b", title, re.I):
            continue
        number, text, _ = _printed(title)
        entries.append((level, number, text, page))
    top = min((e[0] for e in entries), default=1)
    return [(level - top + 1, number, text, page) for level, number, text, page in entries]


def _trusted_depth(number: str | None) -> int | None:
    """The level a printed number states for itself: '2' 1, '2.1' 2, 'A.3' 2. A lone letter or roman
    numeral ('A', 'IV') states none: it is a section in one template and a subsection in another."""
    if not number or not any(c.isdigit() for c in number):
        return None
    return number.count(".") + 1


def _outline_levels(placed: list[tuple[int, int | None]]) -> list[int]:
    """Levels for (outline level, depth a printed number states) pairs in reading order. A printed
    number's depth decides ('2.1' is a subsection whatever the bookmarks say); an entry without one sits
    where the outline nests it relative to the last numbered entry before it; with no numbered entry yet,
    the outline decides."""
    levels: list[int] = []
    anchor: tuple[int, int] | None = None  # (outline level, true level) of the last numbered entry
    for outline_level, depth in placed:
        if depth is not None:
            anchor = (outline_level, depth)
            levels.append(depth)
        elif anchor is None:
            levels.append(min(outline_level, 4))
        else:
            levels.append(min(4, max(1, anchor[1] + outline_level - anchor[0])))
    return levels


def _align_with_outline(
    found: list[Heading], lines: list[Line], start: int, outline, paper_title: str
) -> list[Heading]:
    """Outline entries decide which headings are sections and their titles; printed numbers and the
    outline's nesting decide levels; unnumbered headings it lacks (starred Limitations, Acknowledgements,
    References) are kept. An entry's page is trusted within one page, unless the outline runs backwards
    (broken destinations): then the entry is looked for after the last heading placed."""
    used: set[int] = set()
    result: list[Heading] = []
    placed: list[tuple[int, int | None]] = []  # (outline level, depth the printed number states)
    last_page, last_index = 0, start
    on_page: dict[int, list[int]] = {}  # the lines of each page, from `start` on
    for i in range(start, len(lines)):
        on_page.setdefault(lines[i].page, []).append(i)
    for level, number, title, page in _outline_entries(outline, paper_title):
        backwards = page < last_page

        def near(
            i: int, page: int = page, after: tuple[int, int] | None = (last_index, last_page) if backwards else None
        ) -> bool:
            if after is not None:
                return i >= after[0] and lines[i].page >= after[1]
            return abs(lines[i].page - page) <= 1

        best, best_score, like = None, 0.0, _Likeness(title)
        for h in found:
            if h.index in used or not near(h.index):
                continue
            score = max(like.score(h.text), like.score(f"{h.number or ''} {h.text}"))
            if score > best_score:
                best, best_score = h, score
        line_at, line_score = None, 0.0
        if best_score < 0.95:  # a printed line that matches better than a styled heading does
            nearby = (
                range(max(start, last_index), len(lines))
                if backwards
                else sorted(i for p in (page - 1, page, page + 1) for i in on_page.get(p, ()))
            )
            for i in nearby:
                if i not in used and near(i):
                    score = like.score(_printed(lines[i].text)[1], floor=max(0.8, line_score, best_score))
                    if score >= 0.8 and score > max(line_score, best_score):
                        line_at, line_score = i, score
        if line_at is not None:
            ln = lines[line_at]
            printed_number, _, appendix = _printed(ln.text)
            heading = Heading(line_at, title, number or printed_number, level, ln.size, ln.bold, appendix=appendix)
        elif best is not None and best_score >= 0.75:
            kind = "references" if _REFERENCES.match(title.strip()) else best.kind
            appendix = bool(re.match(r"^appendix\b", lines[best.index].text.strip(), re.I))
            heading = Heading(
                best.index, title, best.number or number, level, best.size, best.bold, kind, appendix, best.lead
            )
        else:
            continue
        used.add(heading.index)
        result.append(heading)
        placed.append((level, 1 if appendix else _trusted_depth(heading.number)))
        last_page, last_index = lines[heading.index].page, heading.index
    for h, lvl in zip(result, _outline_levels(placed), strict=True):
        h.level = lvl
    # headings the outline lacks (starred sections), with a usual name or in the style of the top-level
    # headings, unless they label front matter or only title what follows ("Appendix" right above
    # "A Proof of ...")
    top_styles = {(round(h.size * 2) / 2, h.bold) for h in result if h.level == 1}
    starts = sorted([h.index for h in found] + [h.index for h in result])
    for h in found:
        if h.index in used or _FRONT_MATTER.match(h.text):
            continue
        next_start = next((s for s in starts if s > h.index), len(lines))
        styled = (round(h.size * 2) / 2, h.bold) in top_styles
        unnumbered = h.number is None and (_KNOWN.match(h.text) or styled) and next_start > h.index + 1
        if h.kind == "references" or unnumbered:
            h.level = 1
            result.append(h)
    return sorted(result, key=lambda h: h.index)


def _section_text(lines: list[Line]) -> tuple[str, list[tuple[int, int]]]:
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    current_page = None
    text = ""
    for line in lines:
        if line.page != current_page:
            if parts:
                text = join_lines([text, *parts]) if text else join_lines(parts)
                parts = []
            offsets.append((len(text) + (1 if text else 0), line.page))
            current_page = line.page
        parts.append(clean(line.text))
    if parts:
        text = join_lines([text, *parts]) if text else join_lines(parts)
    return text, offsets


_REF_LABEL = re.compile(r"^\s*(?:\[(\d{1,3}|[A-Za-z+]{1,8}\d{0,4}[a-z]?)\]|(\d{1,3})\.)\s+")


def float_captions(lines: list[Line]) -> set[int]:
    """The ids of the lines of figure and table captions among `lines`: a caption's first line and those after
    it in its block (a float set among the references is no entry)."""
    found: set[int] = set()
    block = None
    for ln in lines:
        if _FLOAT_CAPTION.match(clean(ln.text)):
            block = (ln.page, ln.block)
        elif (ln.page, ln.block) != block:
            block = None
        if block is not None:
            found.add(id(ln))
    return found


def parse_references(lines: list[Line]) -> list[Reference]:
    if not lines:
        return []
    labels = [_REF_LABEL.match(ln.text) for ln in lines]
    bracketed = sum(1 for m in labels if m and m.group(1))
    dotted = sum(1 for m in labels if m and m.group(2))
    entries: list[tuple[str | None, list[Line]]] = []
    if max(bracketed, dotted) >= 3:
        group = 1 if bracketed >= dotted else 2
        floats = float_captions(lines)  # a caption after an entry is not its continuation
        for ln, m in zip(lines, labels, strict=True):
            if id(ln) in floats:
                continue
            label = m.group(group) if m else None
            # numbered lists count up: "1. In Proceedings" on a continuation line is not entry 1
            in_sequence = label is not None and (
                not label.isdigit()
                or not entries
                or entries[-1][0] is None
                or not entries[-1][0].isdigit()
                or int(label) == int(entries[-1][0]) + 1
            )
            if in_sequence:
                entries.append((label, [ln]))
            elif entries:
                entries[-1][1].append(ln)
    else:
        # An entry starts at the column's left edge; continuation lines are indented (hanging indent)
        # or, where nothing is indented, follow at the normal line pitch while entries are spaced wider.
        pitches = sorted(
            b.y0 - a.y0
            for a, b in zip(lines, lines[1:], strict=False)
            if a.page == b.page and abs(a.x0 - b.x0) < 60 and 0 < b.y0 - a.y0 < 3 * b.size
        )
        pitch = pitches[len(pitches) // 2] if pitches else 0.0
        for ln in lines:
            column = [o for o in lines if o.page == ln.page and abs(o.x0 - ln.x0) < 60]
            col_left = min(o.x0 for o in column)
            hanging = any(o.x0 - col_left > 5 for o in column)
            prev = entries[-1][1][-1] if entries else None
            if prev is None:
                entries.append((None, [ln]))
                continue
            same_column = prev.page == ln.page and abs(prev.x0 - ln.x0) < 60
            # an entry that runs on into the next column or page: a column of nothing but its continuation
            # lines shows no hanging indent, but the line before the break does not end as entries end
            runs_on = not same_column and not hanging and not _ENTRY_END.search(clean(prev.text))
            wide_gap = (not same_column and not runs_on) or ln.y0 - prev.y0 > 1.12 * pitch
            starts = ln.x0 - col_left < 3
            if starts and (hanging or wide_gap) and not _RUNS_ON.search(clean(prev.text)):
                entries.append((None, [ln]))
            else:
                entries[-1][1].append(ln)
        entries = _author_year_entries(entries)
    refs = []
    for label, ls in entries:
        text = join_lines([clean(x.text) for x in ls])
        if label:
            text = _REF_LABEL.sub("", text, count=1)
        if len(text) >= 15:
            refs.append(Reference(index=len(refs) + 1, label=label, text=text, page=ls[0].page))
    return refs


_YEAR = re.compile(r"\b(19|20)\d\d[a-z]?\b")
_ENTRY_YEAR = re.compile(r"\b(19|20)\d\d[a-z]?\b(?![-/])")  # a year, not a date ("Accessed: 2024-06-26")
AUTHOR_YEAR_SHARE = 0.7  # of unlabelled entries that print a year: the list is in an author-year style


def _author_year_entries(entries: list[tuple[str | None, list[Line]]]) -> list[tuple[str | None, list[Line]]]:
    """In an author-year list every entry prints its year. A piece without one, that does not open with an
    author's name either ("Vert, J.-P.", "J.-P. Vert."), is not an entry: the rest of the one before it (a URL
    or an author list that ran past a gap), or a figure's caption and the lines after it that a float set among
    the entries; the first joins its entry, the second is left out."""
    texts = [join_lines([clean(x.text) for x in ls]) for _, ls in entries]
    if len(entries) < 5 or sum(bool(_ENTRY_YEAR.search(t)) for t in texts) < AUTHOR_YEAR_SHARE * len(entries):
        return entries
    kept: list[tuple[str | None, list[Line]]] = []
    in_float = False
    for (label, ls), text in zip(entries, texts, strict=True):
        if (_ENTRY_YEAR.search(text) or _AUTHOR_HEAD.match(text)) and not _FLOAT_CAPTION.match(text):
            kept.append((label, ls))
            in_float = False
        elif _FLOAT_CAPTION.match(text) or in_float or not kept:
            in_float = True
        else:
            kept[-1][1].extend(ls)
    return kept


_AUTHOR_HEAD = re.compile(r"^(?:[A-Z][\w'’\-]+,\s+(?:[A-Z]\.[\s-]?)+|(?:[A-Z]\.[\s-]?){1,3}\s*[A-Z][a-z])")
_FLOAT_CAPTION = re.compile(r"^(Figure|Fig\.|Table|Algorithm)\s*[A-Z]?\.?\d+(\.\d+)?\s*[:.]")
_RUNS_ON = re.compile(r"(,|-|\band)$")  # no entry ends with a comma, a hyphen or "and": the next line goes on
_ENTRY_END = re.compile(r"[.)\]]$|\b(19|20)\d\d[a-z]?$|\S/\S*$")  # a full stop, a year, a URL


def unheaded_references(lines: list[Line], start: int) -> int | None:
    """Where a reference list printed without a heading (REVTeX, some journals) begins: a line labelled
    [1] or 1., from which at least five entries follow, labelled in sequence, most of them with a year."""
    for i in range(start, len(lines)):
        first = _REF_LABEL.match(lines[i].text)
        if not first or (first.group(1) or first.group(2)) != "1":
            continue
        bracketed = first.group(1) is not None
        expected, entries, years = 2, [lines[i].text], 0
        for ln in lines[i + 1 : i + 400]:
            label = _REF_LABEL.match(ln.text)
            value = label and (label.group(1) if bracketed else label.group(2))
            if value == str(expected):
                years += bool(_YEAR.search(entries[-1]))
                entries.append(ln.text)
                expected += 1
                if expected > 6:
                    break
            elif entries:
                entries[-1] += " " + ln.text
        if expected > 6 and years >= 3:
            return i
    return None


# arXiv refuses abstracts longer than this (in Latin characters; a wide one counts three): past it, the label's
# text has run on into the paper (a heading the layout did not show as one), and the abstract ends at the next
# paragraph break or page.
ABSTRACT_CHARS = 1920


def _abstract(lines: list[Line], end: int, body: float) -> tuple[str, int, int, int]:
    """(abstract, page, index of the abstract label or -1, index of the first line after it) from the lines
    before the first heading."""
    for i in range(min(end, len(lines))):
        line = lines[i]
        if line.page > 2 or not is_abstract_label(line):
            continue
        rest = re.sub(r"^\s*a\s?b\s?s\s?t\s?r\s?a\s?c\s?t\b[\s.:—–-]*", "", clean(line.text), flags=re.I)
        body_lines = [rest] if rest else []
        first_size = lines[i + 1].size if i + 1 < len(lines) else body
        stop, previous, length = end, line, latin_length(rest)
        for k in range(i + 1, end):
            ln = lines[k]
            if length > ABSTRACT_CHARS and _new_paragraph(previous, ln):
                stop = k
                break
            previous = ln
            if abs(ln.size - first_size) > 0.8 and len(body_lines) > 1:
                continue
            body_lines.append(clean(ln.text))
            length += latin_length(ln.text) + 1
        return join_lines(body_lines), line.page, i, stop
    return "", 1, -1, 0


def _unlabelled_abstract(lines: list[Line], start: int, end: int) -> tuple[str, int]:
    """(abstract, index of its first line) for a first page that prints its abstract without a label (REVTeX):
    the last paragraph block of at least three lines and 300 characters between the title and the first
    heading that is not an address. ("", -1) when there is none: a paper without an abstract says so."""
    blocks: dict[tuple[int, int], list[int]] = {}
    for k in range(start, min(end, len(lines))):
        if lines[k].page == 1:
            blocks.setdefault((lines[k].page, lines[k].block), []).append(k)
    found, at = "", -1
    for indices in blocks.values():
        text = join_lines([clean(lines[k].text) for k in indices])
        if len(indices) >= 3 and latin_length(text) >= 300 and not affiliation_like(text[:200]):
            found, at = text, indices[0]
    return found, at


def _new_paragraph(previous: Line, line: Line) -> bool:
    """True when `line` opens a paragraph: on a new page, or below a gap of more than half a line."""
    height = max(previous.y1 - previous.y0, 1.0)
    return line.page != previous.page or line.y0 - previous.y1 > 0.5 * height


def _footnote_affiliations(lines: list[Line], body: float, page_height: float) -> list[Line]:
    """Page-1 footnote blocks that list affiliations behind superscript markers (ICML, ACM styles)."""
    blocks: dict[int, list[Line]] = {}
    for ln in lines:
        if ln.page == 1 and ln.y0 > page_height * 0.6 and ln.size < body - 0.4:
            blocks.setdefault(ln.block, []).append(ln)
    return [
        ln
        for block in blocks.values()
        if any("⟦" in marked_text(x) for x in block) and any(affiliation_like(x.text) for x in block)
        for ln in block
    ]


MAX_TITLE_LINES, MAX_TITLE_CHARS = 5, 300


def _page_sections(lines: list[Line]) -> list[Section]:
    """Text without headings as one section per page, so that none of it is lost to the reviewers."""
    sections = []
    for page in sorted({ln.page for ln in lines}):
        text, offsets = _section_text([ln for ln in lines if ln.page == page])
        if text.strip():
            sections.append(
                Section(
                    heading=f"Page {page}",
                    level=1,
                    page_start=page,
                    page_end=page,
                    text=text,
                    page_offsets=offsets,
                    printed=False,
                )
            )
    return sections


OCR_NOTE = (
    "the PDF has no text layer: its text was recognised by OCR from the page images, so quotes and numbers "
    "may carry recognition errors"
)


def build_paper(doc: RawDocument, source: str, arxiv: ArxivMetadata | None = None) -> Paper:
    lines = reading_order(doc)
    body = body_size(doc)
    page1 = [ln for ln in lines if ln.page == 1]
    if doc.ocr:  # type sizes read off a page image are rough: the title is looked for above the abstract only
        label = next((i for i, ln in enumerate(page1) if is_abstract_label(ln)), None)
        page1 = page1[:label] if label else page1
    titles = title_lines(page1, doc.pages[0].height)
    checks: list[str] = [OCR_NOTE] if doc.ocr else []
    if len(titles) > MAX_TITLE_LINES or len(title_text(titles)) > MAX_TITLE_CHARS:
        titles = []  # a block of running text in the largest type is not a title
    title = title_text(titles)
    if not title:
        checks.append("no title found on the first page")
    # the title repeated as a running header on later pages, even in a paper too short to repeat it often
    title_key = norm_key(title)
    lines = [
        ln
        for ln in lines
        if not (ln.page > 1 and ln.y1 < doc.pages[ln.page - 1].height * 0.1 and norm_key(ln.text) == title_key)
    ]
    after_title = (lines.index(titles[-1]) + 1) if titles else 0

    abstract_label = next(
        (i for i in range(after_title, len(lines)) if lines[i].page <= 2 and is_abstract_label(lines[i])), -1
    )
    heading_start = abstract_label + 1 if abstract_label >= 0 else after_title
    headings = detect_headings(lines, body, heading_start, doc.outline, title, bold_only=doc.headings_marked)
    headings = [h for h in headings if h.index >= heading_start]
    if headings and not any(h.kind == "references" for h in headings):
        at = unheaded_references(lines, headings[0].index + 1)
        if at is not None:
            ln = lines[at]
            headings.append(Heading(at, "References", None, 1, ln.size, ln.bold, "references", lead=ln))
            headings.sort(key=lambda h: h.index)
    first_heading = headings[0].index if headings else len(lines)
    abstract, abstract_page, _, after_abstract = _abstract(lines, first_heading, body)
    header_end = abstract_label if abstract_label >= 0 else first_heading
    if not abstract and abstract_label < 0:
        abstract, at = _unlabelled_abstract(lines, after_title, first_heading)
        header_end = at if at >= 0 else header_end
    if not abstract and arxiv:
        abstract = clean(arxiv.summary)

    # everything on page 1 printed above the abstract is front matter, in whichever column reading order
    # puts it (a third author in the right column comes after the left column's abstract)
    label = lines[abstract_label] if abstract_label >= 0 and lines[abstract_label].page == 1 else None
    header = [
        ln
        for k, ln in enumerate(lines)
        if ln.page == 1
        and k >= after_title
        and (k < header_end or (label is not None and k > abstract_label and ln.y1 <= label.y0))
    ]
    footnotes = _footnote_affiliations(lines, body, doc.pages[0].height)
    authors, affiliations = authors_and_affiliations(header, footnotes)

    sections: list[Section] = []
    references: list[Reference] = []
    appendix: Appendix | None = None
    seen_refs = False
    ref_ids: set[int] = set()
    for k, h in enumerate(headings):
        end = headings[k + 1].index if k + 1 < len(headings) else len(lines)
        content = ([h.lead] if h.lead else []) + lines[h.index + 1 : end]
        if h.kind == "references":
            references.extend(parse_references(content))
            floats = float_captions(content)  # a float set among the entries: its caption stays in the body
            ref_ids.update(id(ln) for ln in content if id(ln) not in floats)
            seen_refs = True
            continue
        text, offsets = _section_text(content)
        is_appendix = (
            seen_refs
            or h.appendix
            or bool(re.match(r"^(appendix|appendices|supplementary)", h.text, re.I))
            or bool(h.number and h.number[0] in "ABCDEFGH" and h.level == 1 and appendix is not None)
            or appendix is not None
        )
        page_start = lines[h.index].page
        page_end = content[-1].page if content else page_start
        section = Section(
            heading=h.text,
            number=h.number,
            level=h.level,
            page_start=page_start,
            page_end=page_end,
            text=text,
            page_offsets=offsets,
            appendix=is_appendix,
        )
        if is_appendix and appendix is None and h.level == 1:
            appendix = Appendix(heading=h.text, page=page_start, section_index=len(sections))
        sections.append(section)

    if headings and 0 < after_abstract < first_heading:  # text the abstract ran into, before the first heading
        sections = _page_sections(lines[after_abstract:first_heading]) + sections
    body_lines = [ln for ln in lines if id(ln) not in ref_ids]
    tables, figures = captions_and_tables(doc, body_lines, body)
    links = find_links(doc, body_lines, [ln for ln in lines if id(ln) in ref_ids])

    if not headings:
        sections = _page_sections(lines[after_title:])
        checks.append(
            "no headings found: the text is kept page by page, without structure"
            + ("" if sections else " (there is no text after the title)")
        )
    if not abstract:
        checks.append("no abstract found")
    if arxiv is not None:
        title, authors = _cross_check(title, authors, arxiv, checks)
    paper = Paper(
        source=source,
        pages=doc.page_count,
        title=title,
        authors=authors,
        affiliations=affiliations,
        affiliation_status="found" if affiliations else "unknown",
        abstract=abstract,
        abstract_page=abstract_page,
        sections=sections,
        appendix=appendix,
        references=references,
        tables=tables,
        figures=figures,
        links=links,
        arxiv=arxiv,
        checks=checks,
        hidden_text=merge_hidden([span for page in doc.pages for span in page.hidden]),
    )
    paper.hidden_text.extend(visible_instructions(paper))
    return paper


def _cross_check(
    title: str, authors: list[Author], arxiv: ArxivMetadata, checks: list[str]
) -> tuple[str, list[Author]]:
    """arXiv metadata is authoritative for title and author names; disagreements are recorded."""
    if _similar(title, arxiv.title) < 0.9:
        checks.append(f"title on the PDF ({title!r}) differs from arXiv ({arxiv.title!r}); using arXiv's")
    by_key = {norm_key(a.name): a for a in authors}
    merged = []
    for name in arxiv.authors:
        match = by_key.get(norm_key(name)) or next((a for a in authors if _similar(a.name, name) >= 0.85), None)
        merged.append(Author(name=name, affiliations=match.affiliations if match else []))
    missing = [a.name for a in authors if all(_similar(a.name, n) < 0.85 for n in arxiv.authors)]
    if missing:
        checks.append(f"names on the PDF not in arXiv's author list: {', '.join(missing)}")
    return clean(arxiv.title), merged
