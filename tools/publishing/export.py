"""BibTeX (bibtexparser) and RIS (rispy) of the papers a weekly report picked or an issue covers, to drop into
Zotero or any reference manager: arXiv preprints, with their id, version, primary category and abstract page, and
Referee's score and label as a note."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field

from ...contract.card import Card
from .urls import safe_url


@dataclass
class Reference:
    title: str
    authors: list[str]
    arxiv_id: str | None = None
    version: int | None = None
    year: str | None = None
    date: str | None = None  # YYYY-MM-DD
    category: str | None = None
    url: str | None = None
    note: str = ""
    keywords: list[str] = field(default_factory=list)


def from_card(card: Card, note: str = "") -> Reference:
    h = card.header
    day = (h.date or "")[:10] or None
    return Reference(
        title=h.title,
        authors=[a.name for a in h.authors],
        arxiv_id=h.arxiv_id,
        version=h.version,
        year=day[:4] if day else None,
        date=day,
        category=h.categories[0] if h.categories else None,
        url=safe_url(h.abs_url) or (f"https://arxiv.org/abs/{h.arxiv_id}" if h.arxiv_id else None),
        note=note,
        keywords=list(card.verdict.tags) if card.verdict else [],
    )


def verdict_note(score: float | None, label: str | None, where: str) -> str:
    return f"Referee: {score:.1f}/10 {label} ({where})" if score is not None and label else f"Referee ({where})"


def _surname(name: str) -> str:
    parts = name.replace(",", " ").split()
    last = (name.split(",")[0] if "," in name else parts[-1]) if parts else "anon"
    plain = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z]", "", plain).lower() or "anon"


def _key(ref: Reference, taken: set[str]) -> str:
    word = next((w for w in re.findall(r"[A-Za-z]{4,}", ref.title)), "paper").lower()
    base = f"{_surname(ref.authors[0]) if ref.authors else 'anon'}{ref.year or ''}{word}"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}{chr(ord('a') + n - 2) if n < 28 else n}"
    taken.add(key)
    return key


def _braced(text: str) -> str:
    """A BibTeX value: braces balanced (unbalanced ones dropped), LaTeX's special characters escaped."""
    text = " ".join(text.split())
    depth = 0
    for c in text:
        depth += (c == "{") - (c == "}")
        if depth < 0:  # a brace closed before it opened: it would end the field
            break
    if depth != 0:
        text = text.replace("{", "").replace("}", "")
    return re.sub(r"(?<!\\)([&%$#_])", r"\\\1", text)


def to_bibtex(refs: list[Reference]) -> str:
    library = bibtexparser.Library()
    taken: set[str] = set()
    for ref in refs:
        fields = [Field("title", "{" + _braced(ref.title) + "}")]  # inner braces: a manager keeps its capitals
        if ref.authors:
            fields.append(Field("author", " and ".join(_braced(a) for a in ref.authors)))
        if ref.year:
            fields.append(Field("year", ref.year))
        if ref.arxiv_id:
            eprint = f"{ref.arxiv_id}v{ref.version}" if ref.version else ref.arxiv_id
            fields += [Field("eprint", eprint), Field("archivePrefix", "arXiv")]
            if ref.category:
                fields.append(Field("primaryClass", _braced(ref.category)))
        if ref.url:
            fields.append(Field("url", ref.url))
        if ref.keywords:
            fields.append(Field("keywords", _braced(", ".join(ref.keywords))))
        if ref.note:
            fields.append(Field("note", _braced(ref.note)))
        library.add(Entry("misc", _key(ref, taken), fields))
    return bibtexparser.write_string(library)


class _Ris(rispy.RisWriter):
    def set_header(self, count):  # no "1." line before each record: TY opens it
        return None


def to_ris(refs: list[Reference]) -> str:
    records = []
    for ref in refs:
        record: dict = {"type_of_reference": "UNPB", "title": " ".join(ref.title.split()), "authors": ref.authors}
        if ref.year:
            record["year"] = ref.year
        if ref.date:
            record["date"] = ref.date.replace("-", "/")
        if ref.url:
            record["urls"] = [ref.url]
        if ref.arxiv_id:
            record["publisher"] = "arXiv"
            record["number"] = f"arXiv:{ref.arxiv_id}" + (f"v{ref.version}" if ref.version else "")
        if ref.keywords:
            record["keywords"] = ref.keywords
        if ref.note:
            record["notes"] = [ref.note]
        records.append(record)
    return rispy.dumps(records, implementation=_Ris)
