"""Provenance of newsletter prose: every sentence is mapped to the card fields that support it.

A sentence passes when each number in it and each name (acronyms, CamelCase words, capitalised words inside
the sentence) appears in some card field, and when most of its content words appear in the few fields it is
attributed to (the fields the writer cited, those holding its numbers and names, and the closest ones).
"""

from __future__ import annotations

import functools

from pydantic import BaseModel

from .numbers import normalise, number_forms, numbers_in
from .wording import content_words, names_in


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


@functools.lru_cache(maxsize=8192)
def _view(field_text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """A card field as the check reads it (normalised text, numbers, content words), made once per field."""
    return normalise(field_text), frozenset(numbers_in(field_text)), frozenset(content_words(field_text))


def check_sentence(
    text: str, cited: list[str], fields: dict[str, str], top: int = 3, same_language: bool = True
) -> Check:
    """Attribute `text` to card fields and say what in it no field supports. A sentence in another language than
    the cards' English text (`same_language` False) is held to its numbers and names, which do not translate."""
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
    for name in sorted(names_in(text, same_language)):
        holders = [fid for fid, (normal, _, _) in views.items() if name.lower() in normal]
        if holders:
            attributed += [h for h in holders if h not in attributed][:1]
        else:
            problems.append(f"the name {name!r} is on no card")
    words = content_words(text) if same_language else set()
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
