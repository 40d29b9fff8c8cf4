"""Whether model-written text is in the language the reader asked for: by its script where the script tells
(Chinese, Japanese, Korean, Cyrillic, Arabic, Greek, Hebrew, Devanagari, Thai), else by langdetect's guess; and
whether a translation kept the numbers and names of what it translated."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from importlib import resources

import langcodes
from langdetect import DetectorFactory, LangDetectException, detect_langs

from .numbers import numbers_in
from .wording import names_in

DetectorFactory.seed = 0  # langdetect samples: seeded, the same text always gets the same guess

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


def detected_share(texts: Iterable[str], tag: str) -> float | None:
    """langdetect's probability that `texts`, read together, are in language `tag` (None: no text, or a language
    langdetect does not know)."""
    text = " ".join(texts)
    try:
        guesses = detect_langs(text) if text.strip() else []
    except LangDetectException:  # no letters to go on
        return None
    wanted = langcodes.Language.get(tag).language
    if not guesses or wanted not in _DETECTABLE:
        return None
    return sum(g.prob for g in guesses if langcodes.Language.get(g.lang).language == wanted)


# the languages langdetect has a profile of, one file each
_PROFILES = resources.files("langdetect").joinpath("profiles")
_DETECTABLE = {langcodes.Language.get(profile.name).language for profile in _PROFILES.iterdir()}


def language_share(texts: Iterable[str], tag: str) -> float | None:
    """How much of `texts` is in language `tag`: the share of letters in its script where the script tells it
    from English, else langdetect's probability (None: neither can tell)."""
    texts = list(texts)
    share = script_share(texts, tag)
    return share if share is not None else detected_share(texts, tag)


def in_language(texts: Iterable[str], tag: str) -> bool | None:
    """Whether `texts` are written in language `tag` (None: it cannot be told)."""
    share = language_share(texts, tag)
    return None if share is None else share >= IN_SCRIPT


_URL = re.compile(r"https?://\S+[\w/]")


def keeps_facts(source: str, translation: str) -> bool:
    """Whether `translation` kept every number, name (acronyms, CamelCase; in any case) and link of `source`."""
    if not numbers_in(source) <= numbers_in(translation):
        return False
    kept = names_in(source, capitalised=False) | set(_URL.findall(source))
    # "nVidia" may come back as "NVIDIA", and "GPUs" as "GPU" in a language without plurals
    singular = {name[:-1] if name.endswith("s") and name[:-1].isupper() else name for name in kept}
    return all(name.lower() in translation.lower() for name in singular)
