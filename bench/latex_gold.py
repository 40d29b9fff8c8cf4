"""Ground truth for extraction benchmarks and tests, read from the corpus papers' LaTeX source and meta.json.

Nothing here is used by the product; it only scores it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from referee.tools.extraction.text import clean, norm_key

CORPUS = Path(os.environ.get("REFEREE_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


@dataclass
class GoldPaper:
    slug: str
    pdf: Path
    meta: dict
    sections: list[str]  # top-level \section and \section* titles, in source order
    subsections: list[str]  # \subsection and \subsection* titles, in source order
    has_abstract: bool  # the source writes an abstract (\begin{abstract}, \abstract{...}, \section*{Abstract})
    references: int | None  # entries in the printed list: \bibitem in a .bbl or inline, else distinct cited keys
    tables: list[str]  # caption of each table environment, in source order (LaTeX numbers them so)
    figures: list[str]  # caption of each numbered figure, in source order (subfigure captions left out)


def corpus_papers() -> list[GoldPaper]:
    papers = []
    for folder in sorted((CORPUS / "papers").glob("*")):
        if not (folder / "paper.pdf").exists():
            continue
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        main = folder / "src" / Path(meta["source_paths"]["main_tex"]).name
        tex = _expand_inputs(main)
        has_abstract = _ABSTRACT.search(tex) is not None
        bbl = "\n".join(b.read_text(encoding="utf-8", errors="replace") for b in (folder / "src").rglob("*.bbl"))
        papers.append(
            GoldPaper(
                folder.name,
                folder / "paper.pdf",
                meta,
                section_titles(tex),
                subsection_titles(tex),
                has_abstract,
                reference_count(tex, bbl),
                float_captions(tex, "table"),
                float_captions(tex, "figure"),
            )
        )
    return papers


def _strip_comments(tex: str) -> str:
    tex = re.sub(r"(?<!\\)%.*", "", tex)
    return re.sub(r"\\iffalse.*?\\fi\b", "", tex, flags=re.S)


def _expand_inputs(path: Path, depth: int = 0) -> str:
    tex = _strip_comments(path.read_text(encoding="utf-8", errors="replace"))
    if depth > 5:
        return tex

    def include(match: re.Match) -> str:
        name = match.group(2).strip()
        for candidate in (path.parent / name, path.parent / f"{name}.tex"):
            if candidate.is_file():
                return _expand_inputs(candidate, depth + 1)
        return ""

    return re.sub(r"\\(input|include|subfile)\s*\{([^}]*)\}", include, tex)


def _braced(text: str, start: int) -> tuple[str, int]:
    """The content of the brace group opening at text[start] == '{', and the index after it."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    return text[start + 1 :], len(text)


def _latex_to_text(title: str) -> str:
    title = re.sub(r"\\(label|\w*ref|cite\w*)\{[^}]*\}", " ", title)  # \ref, \eqref, \subref, \autoref
    title = re.sub(r"\\[a-zA-Z]+\*?(\[[^\]]*\])?", " ", title)
    title = title.replace("~", " ").replace("\\&", "&").replace("$", " ")
    return clean(re.sub(r"[{}\\]", " ", title))


_ABSTRACT = re.compile(r"\\begin\s*\{abstract\}|\\abstract\s*\{|\\section\*?\s*\{\s*abstract\s*\}", re.I)


_MACRO = re.compile(r"\\(?:re)?newcommand\*?\s*\{?\\([a-zA-Z]+)\}?\s*(?=\{)|\\def\s*\\([a-zA-Z]+)\s*(?=\{)")


def _macros(tex: str) -> dict[str, str]:
    """Argument-free macros the source defines (\\newcommand{\\name}{DefecTor}): a heading that uses one
    prints its expansion."""
    found = {}
    for match in _MACRO.finditer(tex):
        body, _ = _braced(tex, match.end())
        found[match.group(1) or match.group(2)] = body
    return found


def _titles(tex: str, command: str) -> list[str]:
    """The titles \\command{...} and \\command*{...} print, with the source's own argument-free macros expanded."""
    macros = _macros(tex)
    titles = []
    for match in re.finditer(rf"\\{command}\*?\s*(\[[^\]]*\])?\s*(?=\{{)|\\acks\s*(?=\{{)", tex):
        if match.group(0).startswith("\\acks"):
            if command == "section":  # JMLR's \\acks{...} prints an unnumbered "Acknowledgments" heading
                titles.append("Acknowledgments")
            continue
        body, _ = _braced(tex, match.end())
        body = re.sub(r"\\([a-zA-Z]+)(\{\})?", lambda m: macros.get(m.group(1), m.group(0)), body)
        titles.append(_latex_to_text(body))
    return titles


def section_titles(tex: str) -> list[str]:
    """Top-level headings as printed: \\section and \\section* titles, and JMLR's \\acks{...}."""
    return _titles(tex, "section")


def subsection_titles(tex: str) -> list[str]:
    """\\subsection and \\subsection* titles."""
    return _titles(tex, "subsection")


_CITE = re.compile(r"\\[a-zA-Z]*cite[a-zA-Z]*\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^}]*)\}")


def reference_count(tex: str, bbl: str = "") -> int | None:
    """How many entries the printed reference list has: its \\bibitem entries where the source or a .bbl
    holds them, else the distinct keys it cites (BibTeX lists exactly those); None with \\nocite{*}."""
    items = len(re.findall(r"\\bibitem\b", tex)) or len(re.findall(r"\\bibitem\b", bbl))
    if items:
        return items
    keys = {k.strip() for m in _CITE.finditer(tex) for k in m.group(1).split(",") if k.strip()}
    return None if "*" in keys else len(keys)


_FLOAT_TOKEN = re.compile(
    r"\\begin\s*\{(\w+)\*?\}|\\end\s*\{(\w+)\*?\}|\\captionof\s*\{(\w+)\}\s*(?:\[[^\]]*\])?\s*(?=\{)"
    r"|\\caption\s*(?:\[[^\]]*\])?\s*(?=\{)"
)
_KIND = {"table": "table", "longtable": "table", "sidewaystable": "table", "figure": "figure",
         "wrapfigure": "figure", "sidewaysfigure": "figure",
         "algorithm": "algorithm"}  # fmt: skip  # an algorithm set inside a figure numbers its caption itself


def float_captions(tex: str, kind: str) -> list[str]:
    """The caption of each numbered `kind` ("table" or "figure"), in source order (LaTeX numbers them so), as
    plain text: every \\caption inside a table or figure environment and every \\captionof{kind}, but not
    the captions of subfigures and subtables, which are lettered."""
    captions, stack = [], []
    for match in _FLOAT_TOKEN.finditer(tex):
        opened, closed, captioned = match.group(1), match.group(2), match.group(3)
        if opened:
            stack.append(opened)
        elif closed:
            if closed in stack:
                del stack[len(stack) - 1 - stack[::-1].index(closed) :]
        else:
            if captioned:
                here = captioned
            elif any(env.startswith("sub") for env in stack):
                continue
            else:
                here = next((_KIND[env] for env in reversed(stack) if env in _KIND), None)
            if here == kind:
                captions.append(_latex_to_text(_braced(tex, match.end())[0]))
    return captions


def match_headings(predicted: list[str], gold: list[str], threshold: float = 0.85) -> int:
    """Number of one-to-one matches between predicted and gold headings (normalised, fuzzy)."""
    pairs = []
    for i, p in enumerate(predicted):
        for j, g in enumerate(gold):
            kp, kg = norm_key(p), norm_key(g)
            if not kp or not kg:
                continue
            score = 1.0 if kp == kg else difflib.SequenceMatcher(None, kp, kg, autojunk=False).ratio()
            if score >= threshold:
                pairs.append((score, i, j))
    used_p, used_g, matched = set(), set(), 0
    for _score, i, j in sorted(pairs, reverse=True):
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            matched += 1
    return matched


def affiliation_supported(found: str, gold: list[str]) -> bool:
    """True when an extracted affiliation is (part of) one the source names: nothing invented."""
    key = norm_key(found)
    return bool(key) and any(key in norm_key(g) or norm_key(g) in key for g in gold)


def author_found(name: str, extracted: list[str]) -> bool:
    key = norm_key(name)
    return any(norm_key(e) == key or difflib.SequenceMatcher(None, norm_key(e), key).ratio() >= 0.9 for e in extracted)


def unprinted_bibliography(paper) -> bool:
    """A PDF compiled without its bibliography prints its citations as "[?]" and has no list to find."""
    return not paper.references and any(re.search(r"\[\?\s*\]", s.text) for s in paper.sections)


def abstract_right(gold: GoldPaper, paper) -> bool:
    """Whether the extracted abstract is what the source says: a paragraph's worth of text (150 to 3,000
    characters) where the source writes one, and nothing at all where it writes none (not the first paragraph
    of the body)."""
    return 150 < len(paper.abstract) <= 3000 if gold.has_abstract else paper.abstract == ""


def captions_attached(gold: list[str], found: list) -> int:
    """Gold captions whose own numbered item ('Table 3' for the third) carries a caption that reads the same:
    the first letters and digits of both (up to 80, as many as the shorter has), difflib ratio >= 0.6, so that
    any script counts and a caption cut short still counts as attached to its own item. An appendix's items
    printed as 'Figure A.2' cannot be matched to the source's running count: there, the caption must stand
    on one of the lettered items; where the printed count skips a number, on the item at its place in the
    printed order."""
    attached = 0
    for number, caption in enumerate(gold, 1):
        own = [x for x in found if re.search(rf"(?<![\d.]){number}$", x.label.strip())]
        appendix = [x for x in found if _LETTERED.search(x.label)]  # "Figure A.2": the source counts on
        # where the printed count skips a number the source never shows (a float counted but not printed),
        # the item at the same place in the printed order is the gold's own
        placed = found[number - 1 : number]
        attached += any(_same_caption(caption, x.caption) for x in (own or appendix) + placed)
    return attached


_LETTERED = re.compile(r"\b[A-Z]\.\d+$")


def _same_caption(gold: str, caption: str) -> bool:
    text = re.sub(r"^\s*(table|fig\.?|figure|表|図)\s*[\dA-Z.]+\s*[:.]?\s*", "", caption, flags=re.I)
    a, b = norm_key(gold), norm_key(text)
    n = min(len(a), len(b), 80)
    return n >= 10 and difflib.SequenceMatcher(None, a[:n], b[:n], autojunk=False).ratio() >= 0.6
