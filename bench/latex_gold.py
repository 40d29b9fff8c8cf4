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


def corpus_papers() -> list[GoldPaper]:
    papers = []
    for folder in sorted((CORPUS / "papers").glob("*")):
        if not (folder / "paper.pdf").exists():
            continue
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        main = folder / "src" / Path(meta["source_paths"]["main_tex"]).name
        tex = _expand_inputs(main)
        has_abstract = _ABSTRACT.search(tex) is not None
        papers.append(
            GoldPaper(
                folder.name, folder / "paper.pdf", meta, section_titles(tex), subsection_titles(tex), has_abstract
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
    title = re.sub(r"\\(label|ref|cite\w*|eqref)\{[^}]*\}", " ", title)
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


def section_titles(tex: str) -> list[str]:
    """Top-level headings as printed: \\section and \\section* titles with the source's own macros expanded,
    and JMLR's \\acks{...}, which prints an unnumbered "Acknowledgments" heading."""
    macros = _macros(tex)
    titles = []
    for match in re.finditer(r"\\section\*?\s*(\[[^\]]*\])?\s*(?=\{)|\\acks\s*(?=\{)", tex):
        if match.group(0).startswith("\\acks"):
            titles.append("Acknowledgments")
            continue
        body, _ = _braced(tex, match.end())
        body = re.sub(r"\\([a-zA-Z]+)(\{\})?", lambda m: macros.get(m.group(1), m.group(0)), body)
        titles.append(_latex_to_text(body))
    return titles


def subsection_titles(tex: str) -> list[str]:
    """\\subsection and \\subsection* titles, the source's own macros expanded."""
    macros = _macros(tex)
    titles = []
    for match in re.finditer(r"\\subsection\*?\s*(\[[^\]]*\])?\s*(?=\{)", tex):
        body, _ = _braced(tex, match.end())
        body = re.sub(r"\\([a-zA-Z]+)(\{\})?", lambda m: macros.get(m.group(1), m.group(0)), body)
        titles.append(_latex_to_text(body))
    return titles


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
