"""Text and numbers in the comparison form every grounding check uses: the same words and numbers however the PDF
or the model typeset them (ligatures, hyphenation, unicode minus and dashes, quotes, thousands separators, percent
forms)."""

from __future__ import annotations

import re
import unicodedata

from ..extraction.text import clean

_DASHES = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\u2010\u2011\ufe63\uff0d"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032`\u00b4"), "'") | dict.fromkeys(
    map(ord, "\u201c\u201d\u201e\u201f\u2033"), '"'
)
NUMBER = re.compile(
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
    for raw in NUMBER.findall(normalise(text)):
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
