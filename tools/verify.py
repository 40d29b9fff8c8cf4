"""Checks every quote, number and named dataset a model wrote against the extracted paper text.

Text on both sides is normalised the same way (ligatures, hyphenation, whitespace, unicode minus and
dashes, quotes, thousands separators, percent forms), so a faithful quote or number matches however
the PDF printed it. Unsupported items are removed (result rows) or marked (claims lose their quote and
say so); nothing unsupported is kept silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..paper import Paper
from .text import clean

_DASHES = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\u2010\u2011\ufe63\uff0d"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032`\u00b4"), "'") | dict.fromkeys(
    map(ord, "\u201c\u201d\u201e\u201f\u2033"), '"'
)
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d{1,3}(?:[, \u2009\u202f]\d{3})+|\d+)(?:\.\d+)?(?:e[-+]?\d+)?%?(?![\w])"
    r"|(?<![\w.])[-+]?\.\d+%?(?![\w])",
    re.I,
)


def normalise(text: str) -> str:
    """A comparison form: the same words and numbers however the PDF or the model typeset them."""
    text = unicodedata.normalize("NFKC", clean(text)).translate(_DASHES).translate(_QUOTES)
    text = re.sub(r"(\w)- (\w)", r"\1\2", text)  # hyphenation left by a line break: "inter- national"
    text = re.sub(r"(?<=\d)[,\u2009\u202f ](?=\d{3}(?!\d))", "", text)  # thousands separators: 12,000 / 12 000
    text = re.sub(r"(\d)\s*(?:%|percent\b|per cent\b)", r"\1%", text, flags=re.I)
    text = re.sub(r"(?<![\d.])\.(\d)", r"0.\1", text)  # .947 -> 0.947
    return re.sub(r"\s+", " ", text).strip().lower()


def numbers_in(text: str) -> set[str]:
    """Numbers worth checking, normalised: decimals, percentages and integers of two or more digits."""
    found = set()
    for raw in _NUMBER.findall(normalise(text)):
        value = raw.lstrip("+")
        digits = re.sub(r"\D", "", value)
        if "." in value or "%" in value or len(digits) >= 2:
            found.add(value)
    return found


def number_forms(value: str) -> set[str]:
    """A number as the paper may print it: 94.7% may appear as 94.7 or 0.947."""
    forms = {value, value.rstrip("%")}
    bare = value.rstrip("%").lstrip("-")
    try:
        number = float(bare)
    except ValueError:
        return forms
    if value.endswith("%"):
        forms.add(f"{number / 100:g}")
    if "." in bare:
        forms.add(bare.rstrip("0").rstrip(".") or "0")
    return forms


class PaperText:
    """The paper's normalised text, whole and by page, and the numbers it prints."""

    def __init__(self, paper: Paper) -> None:
        by_page: dict[int, list[str]] = {}
        by_page.setdefault(paper.abstract_page, []).append(paper.title)
        by_page.setdefault(paper.abstract_page, []).append(paper.abstract)
        for section in paper.sections:
            by_page.setdefault(section.page_start, []).append(section.heading)
            starts = [*section.page_offsets, (len(section.text), None)]
            for (start, page), (end, _) in zip(starts, starts[1:], strict=False):
                by_page.setdefault(page, []).append(section.text[start:end])
            if not section.page_offsets:
                by_page.setdefault(section.page_start, []).append(section.text)
        for table in paper.tables:
            by_page.setdefault(table.page, []).append(table.caption + " " + " ".join(" ".join(r) for r in table.rows))
        for figure in paper.figures:
            by_page.setdefault(figure.page, []).append(figure.caption)
        for ref in paper.references:
            by_page.setdefault(ref.page, []).append(ref.text)
        self.pages = {page: normalise(" ".join(parts)) for page, parts in by_page.items()}
        # a sentence may run across a page break while other sections sit between its halves in by_page
        self.spans = [(s.page_start, s.page_end, normalise(s.text)) for s in paper.sections]
        self.whole = " ".join(self.pages[p] for p in sorted(self.pages))
        self.numbers: set[str] = set()
        for text in self.pages.values():
            for raw in _NUMBER.findall(text):
                self.numbers |= number_forms(raw.lstrip("+"))

    def has_quote(self, quote: str, page: int | None) -> bool:
        wanted = normalise(quote).strip(" .,;:\"'")
        if len(wanted) < 8:
            return False
        wanted = wanted.rstrip(".\u2026 ")  # a closing period or ellipsis; the words before must be verbatim
        if page:
            near = [self.pages.get(p, "") for p in (page - 1, page, page + 1)]
            near += [text for start, end, text in self.spans if start - 1 <= page <= end + 1]
        else:
            near = [self.whole]
        return any(wanted in text for text in near)

    def has_number(self, value: str) -> bool:
        return bool(number_forms(value) & self.numbers)

    def has_name(self, name: str) -> bool:
        wanted = normalise(name).strip(" .,;:\"'")
        return bool(wanted) and wanted in self.whole


@dataclass
class Grounding:
    checked: int = 0
    verified: int = 0
    removed: int = 0
    marked: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.verified} of {self.checked} claims verified against the paper"]
        if self.removed:
            parts.append(f"{self.removed} removed")
        if self.marked:
            parts.append(f"{self.marked} marked unverified")
        return "; ".join(parts)

    def record(self, ok: bool, where: str, what: str, action: str = "") -> bool:
        self.checked += 1
        if ok:
            self.verified += 1
        else:
            self.details.append({"where": where, "unsupported": what[:300], "action": action})
            if action == "removed":
                self.removed += 1
            else:
                self.marked += 1
        return ok


UNVERIFIED = " (the quote given for this was not found in the paper)"
UNVERIFIED_NUMBER = " (contains a number not found in the paper: {})"
NOT_FOUND = " (not found in the paper)"
# The schemas' length bounds of the fields a mark is added to: a mark never makes a finding invalid, so the
# model's text is shortened (at a word, with an ellipsis) to leave room for it.
CLAIM_CHARS, DELTA_CHARS, TLDR_CHARS, VALUE_CHARS = 600, 500, 400, 100  # TLDR_CHARS bounds each reason too


def with_mark(text: str, mark: str, limit: int | None) -> str:
    """`text` followed by a verification mark, the whole within `limit` characters."""
    if limit is None or len(text) + len(mark) <= limit:
        return text + mark
    room = max(limit - len(mark) - 1, 0)
    cut = text[:room].rsplit(" ", 1)[0] if " " in text[:room] else text[:room]
    return cut.rstrip(" ,;:") + "\u2026" + mark


def _number_mark(text: str, index: PaperText, grounding: Grounding, where: str) -> str:
    """Records each number of `text`; the mark naming those the paper does not print ('' when none)."""
    missing = sorted(n for n in numbers_in(text) if not index.has_number(n))
    for number in numbers_in(text):
        grounding.record(number not in missing, where, number, "marked")
    return UNVERIFIED_NUMBER.format(", ".join(missing)) if missing else ""


def _check_claim_numbers(text: str, index: PaperText, grounding: Grounding, where: str, limit: int) -> str:
    return with_mark(text, _number_mark(text, index, grounding, where), limit)


def _check_quoted(item: dict, text_key: str, index: PaperText, grounding: Grounding, where: str, limit: int) -> None:
    text = item.get(text_key) or ""
    mark = _number_mark(text, index, grounding, where)
    quote = item.get("quote") or ""
    if quote and not grounding.record(index.has_quote(quote, item.get("page")), where, quote, "marked"):
        item["quote"] = ""
        mark += UNVERIFIED
    item[text_key] = with_mark(text, mark, limit) if mark else text


def verify_findings(outputs: dict[str, dict], verdict: dict | None, paper: Paper) -> Grounding:
    """Check (and fix in place) every reviewer output and the verdict; return the tally and details."""
    index = PaperText(paper)
    g = Grounding()
    for name, out in outputs.items():
        for key in ("method_steps", "fairness", "details"):
            for i, point in enumerate(out.get(key, []) or []):
                _check_quoted(point, "claim", index, g, f"{name}.{key}[{i}]", CLAIM_CHARS)
        if isinstance(out.get("applicability_evidence"), dict):
            where = f"{name}.applicability_evidence"
            _check_quoted(out["applicability_evidence"], "claim", index, g, where, CLAIM_CHARS)
        for key in ("admitted", "added"):
            for i, lim in enumerate(out.get(key, []) or []):
                _check_quoted(lim, "text", index, g, f"{name}.{key}[{i}]", CLAIM_CHARS)
        for i, work in enumerate(out.get("prior_work", []) or []):
            _check_quoted(work, "delta", index, g, f"{name}.prior_work[{i}]", DELTA_CHARS)
        if "results" in out:
            kept = []
            for i, row in enumerate(out["results"] or []):
                where = f"{name}.results[{i}]"
                ok = g.record(
                    index.has_name(row.get("dataset", "")), where, f"dataset {row.get('dataset')!r}", "removed"
                )
                value = row.get("this_paper", "")
                nums = numbers_in(value)
                ok = ok and g.record(
                    bool(nums) and all(index.has_number(n) for n in nums), where, f"result {value!r}", "removed"
                )
                if ok:
                    base = row.get("baseline_value", "")
                    base_nums = numbers_in(base)
                    if base_nums and not g.record(
                        all(index.has_number(n) for n in base_nums), where, f"baseline {base!r}", "marked"
                    ):
                        row["baseline_value"] = with_mark(base, NOT_FOUND, VALUE_CHARS)
                    kept.append(row)
            out["results"] = kept
    if verdict:
        verdict["tldr"] = _check_claim_numbers(verdict.get("tldr", ""), index, g, "verdict.tldr", TLDR_CHARS)
        verdict["reasons"] = [
            _check_claim_numbers(r, index, g, f"verdict.reasons[{i}]", TLDR_CHARS)
            for i, r in enumerate(verdict.get("reasons", []))
        ]
    return g
