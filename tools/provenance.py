"""Provenance of newsletter prose: every sentence is mapped to the card fields that support it.

A sentence passes when each number in it and each name (acronyms, CamelCase words, capitalised words inside
the sentence) appears in some card field, and when most of its content words appear in the few fields it is
attributed to (the fields the writer cited, those holding its numbers and names, and the closest ones).
"""

from __future__ import annotations

import functools
import re

from pydantic import BaseModel

from .verify import normalise, number_forms, numbers_in

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")
_NAME = re.compile(r"\b(?:[A-Z][a-z]*[A-Z0-9][A-Za-z0-9\-]*|[A-Z]{2,}[a-z]?s?)\b")
_GENERIC_WORDS = """
this that these those there their them they then than with from into onto about above below between across
while where when what which whose after before during since until also both each either neither several
many most more much some such other others another same very only just even still again here week weeks
issue issues paper papers study studies work works author authors approach approaches method methods
result results show shows showed shown propose proposes proposed present presents presented introduce
introduces introduced report reports reported describe describes described argue argues suggest suggests
together reader readers read reading start first second third next last finally guide theme themes idea
ideas concept concepts matter matters today new novel recent recently current currently would could should
will have having been being does doing make makes made take takes taken give gives given like using used
uses based over under through toward towards without within because however though although whereas
instead rather whether different common shared share shares field fields area areas related relate relates
connect connects connected connection complement complements pair pairs worth look looks closer closely
interest interested interesting important importance useful practical explain explains explained help helps
way ways part parts kind kinds set sets point points thing things
"""
GENERIC = set(_GENERIC_WORDS.split())  # words any newsletter sentence may use without a card saying them


class SourceField(BaseModel):
    id: str  # "p2.tldr", "p2.result.1", ...
    text: str


class Check(BaseModel):
    text: str
    sources: list[str]  # the card fields the sentence is attributed to
    problems: list[str]  # empty: supported

    @property
    def ok(self) -> bool:
        return not self.problems


def _stem(word: str) -> str:
    return word.lower()[:5]


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text) if len(w) >= 4 and w.lower() not in GENERIC}


def names_in(text: str) -> set[str]:
    """Acronyms, CamelCase words and capitalised words that do not open the sentence."""
    found = set(_NAME.findall(text))
    words = text.split()
    for prev, word in zip(words, words[1:], strict=False):
        bare = word.strip(".,;:()\"'!?")
        if bare[:1].isupper() and not prev.endswith((".", ":", "!", "?")) and bare.lower() not in GENERIC:
            found.add(bare)
    return {n for n in found if len(n) >= 2}


@functools.lru_cache(maxsize=8192)
def _view(field_text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """A card field as the check reads it (normalised text, numbers, content words), made once per field."""
    return normalise(field_text), frozenset(numbers_in(field_text)), frozenset(content_words(field_text))


def check_sentence(text: str, cited: list[str], fields: dict[str, str], top: int = 3) -> Check:
    """Attribute `text` to card fields and say what in it no field supports."""
    views = {fid: _view(t) for fid, t in fields.items()}
    attributed = [c for c in cited if c in fields]
    problems = []
    for number in sorted(numbers_in(text)):
        forms = number_forms(number)
        holders = [fid for fid, (_, numbers, _) in views.items() if forms & numbers]
        if holders:
            attributed += [h for h in holders if h not in attributed][:1]
        else:
            problems.append(f"the number {number} is on no card")
    for name in sorted(names_in(text)):
        holders = [fid for fid, (normal, _, _) in views.items() if name.lower() in normal]
        if holders:
            attributed += [h for h in holders if h not in attributed][:1]
        else:
            problems.append(f"the name {name!r} is on no card")
    words = content_words(text)
    if words:
        overlap = sorted(fields, key=lambda fid: (-len(words & views[fid][2]), fid))
        attributed += [fid for fid in overlap[:top] if fid not in attributed and words & views[fid][2]]
        covered = set().union(*(views[fid][2] for fid in attributed))
        missing = words - covered
        if len(words) >= 3 and len(missing) > len(words) / 2:
            problems.append(f"most of it is on no card ({', '.join(sorted(missing)[:5])})")
    if not attributed:
        problems.append("no card field supports it")
    return Check(text=text, sources=attributed, problems=problems)
