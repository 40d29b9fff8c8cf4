"""Whether model-written text is in the language the reader asked for, where the script tells (Chinese, Japanese,
Korean, Cyrillic, Arabic, Greek, Hebrew, Devanagari, Thai); a language written in Latin letters cannot be told
apart this way and is not judged."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import langcodes

_SCRIPT_NAMES = {
    "Hans": ("CJK",), "Hant": ("CJK",), "Jpan": ("CJK", "HIRAGANA", "KATAKANA"), "Kore": ("HANGUL", "CJK"),
    "Cyrl": ("CYRILLIC",), "Arab": ("ARABIC",), "Grek": ("GREEK",), "Hebr": ("HEBREW",), "Deva": ("DEVANAGARI",),
    "Thai": ("THAI",),
}  # fmt: skip
IN_SCRIPT = 0.3  # of the letters: below this, the text was not written in the language asked for


def script_share(texts: Iterable[str], tag: str) -> float | None:
    """The share of letters in `texts` written in the script of language `tag` (None: a Latin-script or unknown
    script, or no letters at all)."""
    script = langcodes.Language.get(tag).maximize().script
    names = _SCRIPT_NAMES.get(script or "")
    if not names:
        return None
    letters = [c for text in texts for c in text if c.isalpha()]
    if not letters:
        return None
    held = sum(any(word in unicodedata.name(c, "") for word in names) for c in letters)
    return held / len(letters)


def ignored_language(texts: Iterable[str], tag: str) -> str | None:
    """A line for the card when the model wrote in another script than the language asked for, else None."""
    share = script_share(texts, tag)
    if share is None or share >= IN_SCRIPT:
        return None
    name = langcodes.Language.get(tag).display_name()
    return (
        f"asked for {name} ({tag}), the model wrote its text in another language ({share:.0%} of its letters are "
        f"in {name} script): a larger model follows the instruction better"
    )
