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
    AFFILIATION_WORDS,
    authors_and_affiliations,
    is_abstract_label,
    marked_text,
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
_REFERENCES = re.compile(r"^(references|bibliography|literature cited|works cited)$", re.I)
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


def _heading_style(line: Line, body: float) -> bool:
    text = line.text
    letters = [c for c in text if c.isalpha()]
    caps = len(letters) >= 3 and all(c.isupper() for c in letters)
    biggest = max(s.size for s in line.spans if s.text.strip())
    return line.bold or line.size >= body + 0.8 or (caps and (line.size >= body - 0.3 or biggest >= body + 0.8))


def _candidate(line: Line, body: float) -> tuple[str | None, str] | None:
    """(number, title) when the line looks like a heading, else None."""
    text = clean(line.text)
    if not 2 <= len(text) <= 120 or len(text.split()) > 16 or text.endswith((",", ";")):
        return None
    if line.size < body - 0.6 or not _heading_style(line, body) or _NOT_HEADING.match(text):
        return None
    match = _NUMBERED.match(text)
    if match:
        title = match.group("title")
        if sum(c.isalpha() for c in title) < 2 or not (title[0].isupper() or title[0].isdigit()):
            return None
        return match.group("num"), title.rstrip(".")
    big = line.size >= body + 1.5 and line.bold and len(text.split()) <= 6  # e.g. a lower-case tool name
    if not (text[0].isupper() or big) or sum(c.isalpha() for c in text) < 3:
        return None
    if _KNOWN.match(text.rstrip(".")) or _REFERENCES.match(text) or line.size >= body + 0.8:
        return None, text.rstrip(".")
    return None


def _level(number: str | None) -> int:
    return 1 if number is None else number.count(".") + 1


def _similar(a: str, b: str) -> float:
    ka, kb = norm_key(a), norm_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    return difflib.SequenceMatcher(None, ka, kb, autojunk=False).ratio()


def detect_headings(lines: list[Line], body: float, start: int, outline) -> list[Heading]:
    found: list[Heading] = []
    i = start
    while i < len(lines):
        line = lines[i]
        cand = _candidate(line, body)
        if cand is None:
            i += 1
            continue
        number, title = cand
        # a heading wrapped over two lines: same style, right below, not itself numbered
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if (
            nxt is not None
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
    found = _drop_letter_numbers_before_appendix(found)
    _levels_from_style(found)
    if len([o for o in outline if o[0] >= 1]) >= 2:
        found = _align_with_outline(found, lines, start, outline)
    return found


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


def _align_with_outline(found: list[Heading], lines: list[Line], start: int, outline) -> list[Heading]:
    """Outline entries decide titles and levels; unnumbered top-level headings it lacks are kept."""
    used: set[int] = set()
    result: list[Heading] = []
    for level, title, page in outline:
        best, best_score = None, 0.0
        for h in found:
            if h.index in used or abs(lines[h.index].page - page) > 1:
                continue
            score = max(_similar(h.text, title), _similar(f"{h.number or ''} {h.text}", title))
            if score > best_score:
                best, best_score = h, score
        if best is not None and best_score >= 0.75:
            used.add(best.index)
            kind = "references" if _REFERENCES.match(title.strip()) else best.kind
            result.append(Heading(best.index, clean(title), best.number, level, best.size, best.bold, kind))
            continue
        for i in range(start, len(lines)):
            ln = lines[i]
            if (
                abs(ln.page - page) <= 1
                and i not in used
                and _similar(re.sub(_NUMBERED, r"\g<title>", ln.text), title) >= 0.8
            ):
                used.add(i)
                result.append(Heading(i, clean(title), None, level, ln.size, ln.bold))
                break
    # unnumbered top-level headings the outline lacks (starred sections: Limitations, Acknowledgements),
    # unless they only title what follows ("Appendix" right above "A Proof of ...")
    starts = sorted([h.index for h in found] + [h.index for h in result])
    for h in found:
        if h.index in used:
            continue
        next_start = next((s for s in starts if s > h.index), len(lines))
        if h.kind == "references" or (h.number is None and h.level == 1 and next_start > h.index + 1):
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


def parse_references(lines: list[Line]) -> list[Reference]:
    if not lines:
        return []
    labels = [_REF_LABEL.match(ln.text) for ln in lines]
    bracketed = sum(1 for m in labels if m and m.group(1))
    dotted = sum(1 for m in labels if m and m.group(2))
    entries: list[tuple[str | None, list[Line]]] = []
    if max(bracketed, dotted) >= 3:
        group = 1 if bracketed >= dotted else 2
        for ln, m in zip(lines, labels, strict=True):
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
            wide_gap = not same_column or ln.y0 - prev.y0 > 1.12 * pitch
            starts = ln.x0 - col_left < 3
            if starts and (hanging or wide_gap):
                entries.append((None, [ln]))
            else:
                entries[-1][1].append(ln)
    refs = []
    for label, ls in entries:
        text = join_lines([clean(x.text) for x in ls])
        if label:
            text = _REF_LABEL.sub("", text, count=1)
        if len(text) >= 15:
            refs.append(Reference(index=len(refs) + 1, label=label, text=text, page=ls[0].page))
    return refs


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
        if any("⟦" in marked_text(x) for x in block) and any(AFFILIATION_WORDS.search(x.text) for x in block)
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


def build_paper(doc: RawDocument, source: str, arxiv: ArxivMetadata | None = None) -> Paper:
    lines = reading_order(doc)
    body = body_size(doc)
    page1 = [ln for ln in lines if ln.page == 1]
    titles = title_lines(page1, doc.pages[0].height)
    checks: list[str] = []
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
    headings = detect_headings(lines, body, heading_start, doc.outline)
    headings = [h for h in headings if h.index >= heading_start]
    first_heading = headings[0].index if headings else len(lines)
    abstract, abstract_page, _, after_abstract = _abstract(lines, first_heading, body)
    if not abstract and arxiv:
        abstract = clean(arxiv.summary)

    header_end = abstract_label if abstract_label >= 0 else first_heading
    header = [ln for ln in lines[after_title:header_end] if ln.page == 1]
    footnotes = _footnote_affiliations(lines, body, doc.pages[0].height)
    authors, affiliations = authors_and_affiliations(header, footnotes)

    sections: list[Section] = []
    references: list[Reference] = []
    appendix: Appendix | None = None
    seen_refs = False
    ref_ids: set[int] = set()
    for k, h in enumerate(headings):
        end = headings[k + 1].index if k + 1 < len(headings) else len(lines)
        content = lines[h.index + 1 : end]
        if h.kind == "references":
            references.extend(parse_references(content))
            ref_ids.update(id(ln) for ln in content)
            seen_refs = True
            continue
        text, offsets = _section_text(content)
        is_appendix = (
            seen_refs
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
