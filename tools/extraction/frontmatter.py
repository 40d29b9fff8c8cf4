"""The first page: title, authors, affiliations (never guessed) and abstract."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...paper import Author
from .pdf import Line
from .text import clean, join_lines, latin_length, norm_key

AFFILIATION_WORDS = re.compile(
    r"\b(universit\w*|institut\w*|college|school|laborator\w*|labs?|department|dept\.?|faculty|cent(?:er|re)|"
    r"research|inc\.?|ltd\.?|corporation|corp\.?|gmbh|google|microsoft|meta|deepmind|openai|ibm|nvidia|amazon|"
    r"apple|adobe|bank|hospital|cern|cnrs|inria|academy|polytechni\w*|eth|epfl|foundation|group|[ée]cole|"
    r"technion|salesforce|baidu|tencent|alibaba|huawei|samsung|intel|hes-so|max planck|csail|"
    r"national|ministry|agency|company|council)\b",
    re.I,
)
# the same in scripts without word spaces, where \b does not separate words: 東京科学大学環境・社会理工学院
_CJK_AFFILIATION_WORDS = re.compile(
    "大学|大學|研究所|研究科|研究院|学院|學院|学部|研究室|实验室|實驗室|株式会社|センター|中心"
)


def affiliation_like(text: str) -> bool:
    return bool(AFFILIATION_WORDS.search(text) or _CJK_AFFILIATION_WORDS.search(text))


# "Name (Affiliation)" on one line, in either script's parentheses
_NAME_WITH_AFFILIATION = re.compile(r"\s*([^()（）,;]+?)\s*[(（]([^()（）]+)[)）]\s*[,;]?")
_CJK_NAME = re.compile(r"^[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff・ー\s]{2,16}$")


def names_with_affiliations(text: str) -> list[tuple[str, str]]:
    """'陳旭東（東京科学大学）' or 'Xudong Chen (Institute of Science Tokyo), Bor Hodošček (Osaka University)':
    (name, affiliation) pairs when the whole line reads so, else []."""
    pairs, end = [], 0
    for match in _NAME_WITH_AFFILIATION.finditer(text):
        if match.start() != end:
            return []
        name, affiliation = clean(match.group(1)), clean(match.group(2))
        if not (split_names(name) or _CJK_NAME.match(name)) or not affiliation_like(affiliation):
            return []
        pairs.append((name, affiliation))
        end = match.end()
    return pairs if pairs and not text[end:].strip() else []


_NOT_HEADER = re.compile(
    r"@|https?://|www\.|\b(published|proceedings|preprint|under review|conference|workshop|copyright|"
    r"equal contribution|correspondence|arxiv|submitted|accepted|draft|january|february|march|april|may|june|"
    r"july|august|september|october|november|december)\b",
    re.I,
)
_MARKER_CHARS = "*†‡§¶♯♮‖∗⋆"
_MARKER_TEXT = re.compile(rf"^[\s\d{re.escape(_MARKER_CHARS)},]+$")
_NAME_TOKEN = re.compile(
    r"^(?:[A-ZÀ-ÖØ-Þ][\w'’\-.]*|[dl]['’][A-ZÀ-ÖØ-Þ][\w'’\-.]*|[A-Z]\.(?:-?[A-Z]\.)*|van|von|der|den|de|del|della|da|di|du|"
    r"dos|la|le|bin|ben|al|el|y|zu|ter|mc)$"
)
_ABSTRACT = re.compile(r"^\s*a\s?b\s?s\s?t\s?r\s?a\s?c\s?t\b[\s.:—–-]*", re.I)


def is_abstract_label(line: Line) -> bool:
    return bool(_ABSTRACT.match(line.text))


def title_lines(page_lines: list[Line], page_height: float) -> list[Line]:
    """The largest-type lines at the top of the first page, in reading order."""
    top = [ln for ln in page_lines if ln.y0 < page_height * 0.45 and len(ln.text) > 1]
    if not top:
        return []
    biggest = max(ln.size for ln in top)
    start = next(i for i, ln in enumerate(top) if ln.size >= biggest * 0.85)
    chosen = []
    for ln in top[start:]:
        if ln.size < biggest * 0.85:
            break
        if chosen and ln.y0 - chosen[-1].y1 > 1.2 * biggest:
            break
        chosen.append(ln)
    return chosen


_SUPERSCRIPT = re.compile(rf"^[\da-z{re.escape(_MARKER_CHARS)},]{{1,4}}$|^[A-Z]$")


def marked_text(line: Line) -> str:
    """Line text with superscript markers wrapped as ⟦m⟧: small spans of digits, symbols, lower-case letters
    (elsarticle's 'a,b') or one glyph of a symbol font, set against the word before them or opening the line."""
    out: list[str] = []
    size = line.size
    for span in line.spans:
        text = span.text
        attached = not out or not out[-1] or not out[-1][-1].isspace()
        if (
            text.strip()
            and span.size < 0.8 * size
            and (_MARKER_TEXT.match(text) or (attached and _SUPERSCRIPT.match(text.strip())))
        ):
            out.append(f"⟦{text.strip()}⟧")
        else:
            out.append(text)
    return clean("".join(out))


def _markers(text: str) -> list[str]:
    found = []
    for group in re.findall(r"⟦([^⟧]*)⟧", text):
        found.extend(m for m in re.split(r"[\s,]+", group) if m)
    return found


def split_names(text: str) -> list[tuple[str, list[str]]]:
    """Split an author line into (name, markers) pairs; an empty list when it does not read as names."""
    text = re.sub(rf"([^\s⟦])([\d{re.escape(_MARKER_CHARS)}]+)(?=[\s,;]|$)", r"\1⟦\2⟧", text)
    text = re.sub(rf"\s([{re.escape(_MARKER_CHARS)}\d]+)(?=\s|,|$)", r"⟦\1⟧", text)
    parts = re.split(r"(⟦[^⟧]*⟧|,|;|\s&\s|\b(?:and|AND)\b)", text)
    names: list[tuple[str, list[str]]] = []
    for part in parts:
        if part.startswith("⟦"):
            if names:
                names[-1][1].extend(_markers(part))
            continue
        candidate = clean(part.strip(" ,;&"))
        if not candidate or candidate.lower() == "and":
            continue
        tokens = candidate.split()
        if not 2 <= len(tokens) <= 6 or not all(_NAME_TOKEN.match(t) for t in tokens):
            return []
        names.append((candidate, []))
    return names


@dataclass
class _Affiliation:
    marker: str | None
    text: str
    block: tuple[int, int]
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


def _split_affiliation_text(text: str) -> list[tuple[str | None, str]]:
    """'⟦1⟧Univ A, City ⟦2⟧Lab B' -> [('1', 'Univ A, City'), ('2', 'Lab B')]."""
    text = re.split(r"correspondence|email:|e-mail:", text, flags=re.I)[0]
    text = re.sub(rf"^\s*([{re.escape(_MARKER_CHARS)}])\s*", r"⟦\1⟧", text)
    pieces = re.split(r"⟦([^⟧]*)⟧", text)
    out: list[tuple[str | None, str]] = []
    if pieces[0].strip(" .,;"):
        out.append((None, pieces[0]))
    for marker, body in zip(pieces[1::2], pieces[2::2], strict=False):
        out.append((marker.strip() or None, body))
    cleaned = []
    for marker, body in out:
        body = clean(re.sub(r"^\W*equal contribution\W*", "", body, flags=re.I))
        body = clean(_EMAIL.sub(" ", body)).strip(" .,;")  # an address says where to write, not where one works
        if body and affiliation_like(body) and not _NOT_AFFILIATION.match(body):
            cleaned.append((marker, body))
    return cleaned


# an e-mail address, alone or in parentheses: "(fcharton@meta.com)", "animesh.sinha@research.iiit.ac.in"
_EMAIL = re.compile(r"\(?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*\)?")
# footnote statements that name an institution without being one's affiliation
_NOT_AFFILIATION = re.compile(
    r"^(funding|fund(ed|ing) by|this (work|research|paper|project|material)\b|supported by|acknowledg|submitted|"
    r"received|accepted|published|the (first|second|corresponding) author)",
    re.I,
)


def authors_and_affiliations(header: list[Line], footnotes: list[Line]) -> tuple[list[Author], list[str]]:
    """Authors and affiliations from the lines between title and abstract, and page-1 footnotes."""
    authors: list[tuple[str, list[str], tuple[int, int], Line]] = []
    affs: list[_Affiliation] = []
    for line in header:
        text = marked_text(line)
        plain = re.sub(r"⟦[^⟧]*⟧", " ", text)
        block = (line.page, line.block)
        if "@" in plain or re.search(r"https?://|www\.", plain):
            continue
        paired = names_with_affiliations(plain)
        if paired:
            for name, affiliation in paired:
                marker = f"⟪{len(affs)}⟫"  # a private marker: this name, this affiliation
                affs.append(_Affiliation(marker, affiliation, block, line.bbox))
                authors.append((name, [marker], block, line))
            continue
        if affiliation_like(plain):
            for marker, body in _split_affiliation_text(text) or [(None, plain.strip(" ,"))]:
                prev = affs[-1] if affs else None
                if prev and marker is None and prev.block == block:
                    # one institution printed over several lines: "ProHealth Lab" / "Indiana University"
                    sep = " " if prev.text.endswith(",") else ", "
                    prev.text = f"{prev.text}{sep}{body}"
                else:
                    affs.append(_Affiliation(marker, body, block, line.bbox))
            continue
        if _NOT_HEADER.search(plain):
            continue
        names = split_names(text)
        if names:
            authors.extend((name, markers, block, line) for name, markers in names)
        elif affs and affs[-1].block == block and len(plain.split()) <= 6:
            # a city or country line under an affiliation: "CERN" / "Switzerland"
            sep = " " if affs[-1].text.endswith(",") else ", "
            affs[-1].text = f"{affs[-1].text}{sep}{plain.strip(' ,')}"
        elif authors and latin_length(plain) >= 60:
            break  # prose after the author block (an abstract, a second-language title page) ends it
    by_block: dict[tuple[int, int], list[str]] = {}
    for line in footnotes:
        by_block.setdefault((line.page, line.block), []).append(marked_text(line))
    for block, texts in by_block.items():
        for marker, body in _split_affiliation_text(join_lines(texts)):
            affs.append(_Affiliation(marker, body, block))
    # a name in regular type under a bold name in the same block is an institution without the usual
    # words ("Télécom ParisTech" under "Brault Romain")
    bold_names = [(block, line.y0) for _, _, block, line in authors if line.bold]
    authors = [a for a in authors if a[3].bold or not any(b == a[2] and y < a[3].y0 for b, y in bold_names)]
    names_out: list[Author] = []
    seen_aff: dict[str, str] = {}
    for aff in affs:
        aff.text = aff.text.strip(" ,.;")
        seen_aff.setdefault(norm_key(aff.text), aff.text)
    any_markers = any(a.marker for a in affs)
    one_line = len({id(ln) for *_, ln in authors}) == 1
    for name, markers, block, line in authors:
        if any_markers:
            mine = [a.text for a in affs if a.marker and a.marker in markers]
        else:
            # the affiliation printed in the author's block, or right under the author's name
            mine = [a.text for a in affs if a.block == block] or [
                a.text
                for a in affs
                if line.x0 <= (a.bbox[0] + a.bbox[2]) / 2 <= line.x1 and 0 <= a.bbox[1] - line.y1 < 4 * line.size
            ]
            if not mine and one_line:
                mine = [a.text for a in affs]
        names_out.append(Author(name=name, affiliations=_unique(mine)))
    return names_out, list(seen_aff.values())


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(norm_key(item), item)
    return list(seen.values())


def title_text(lines: list[Line]) -> str:
    return clean(join_lines([ln.text for ln in lines]))
