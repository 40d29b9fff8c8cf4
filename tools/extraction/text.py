"""Text normalisation shared by extraction and (later) claim verification."""

from __future__ import annotations

import functools
import re
import unicodedata

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
# TeX often prints an accent as a separate spacing character before (or after) its letter: "Gregorov´a".
_SPACING_ACCENTS = {
    "\u00b4": "\u0301",  # acute
    "`": "\u0300",  # grave
    "\u00a8": "\u0308",  # diaeresis
    "\u02c6": "\u0302",  # circumflex
    "\u02dc": "\u0303",  # tilde
    "\u02c7": "\u030c",  # caron
    "\u00b8": "\u0327",  # cedilla
    "\u02db": "\u0328",  # ogonek
}
_ACCENT_BEFORE = re.compile("([\u00b4\u00a8\u02c6\u02dc\u02c7])\\s?([A-Za-z])")
_ACCENT_AFTER = re.compile("([A-Za-z])([\u00b8\u02db])")  # cedilla and ogonek follow their letter: "FRANC¸OIS"
_WS = re.compile(r"\s+")


def printable(text: str) -> str:
    """A string that can be printed and serialised: bytes of a non-UTF-8 file name (kept by Python as lone
    surrogates) become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _fold_accents(text: str) -> str:
    text = _ACCENT_BEFORE.sub(lambda m: m.group(2) + _SPACING_ACCENTS[m.group(1)], text)
    text = _ACCENT_AFTER.sub(lambda m: m.group(1) + _SPACING_ACCENTS[m.group(2)], text)
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=16384)  # the structure passes clean the same lines many times
def clean(text: str) -> str:
    """Readable text: ligatures expanded, TeX spacing accents folded, whitespace collapsed."""
    for lig, repl in _LIGATURES.items():
        text = text.replace(lig, repl)
    text = _fold_accents(text)
    text = text.replace("\u00ad", "")  # soft hyphen
    return _WS.sub(" ", text).strip()


@functools.lru_cache(maxsize=4096)
def norm_key(text: str) -> str:
    """An aggressive key for comparing titles and headings: lower-case letters and digits only, of any
    script (a Japanese heading has a key too), without accents."""
    text = unicodedata.normalize("NFKD", clean(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", text.lower())


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines, removing end-of-line hyphenation where the next line starts in lower case."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        elif out.endswith("-") and out[-2:-1].isupper() and line.split(" ")[0].isupper():
            # small-caps titles break words with a hyphen too: "OPTI-" + "MIZED"
            out = out[:-1] + line
        else:
            out = out + " " + line
    return out


# Kana, CJK ideographs, Hangul and full-width forms: one such character carries about what three Latin ones do.
WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")


def latin_length(text: str) -> int:
    """The length of `text` in Latin characters: a wide character counts three."""
    return len(text) + 2 * len(WIDE.findall(text))
