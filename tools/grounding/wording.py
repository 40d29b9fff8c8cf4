"""Words as the grounding checks read them: sentences, content words, names, runs of words."""

from __future__ import annotations

import re
import threading

import snowballstemmer

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")
_NAME = re.compile(r"\b(?:[A-Z][a-z]*[A-Z0-9][A-Za-z0-9\-]*|[A-Z]{2,}[a-z]?s?)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[])")
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
GENERIC = set(_GENERIC_WORDS.split())  # words any sentence about any paper may use


def _stem(word: str) -> str:
    return word.lower()[:5]


def content_words(text: str) -> set[str]:
    """The words that carry a sentence's content (stems of words of four letters or more, generic words out)."""
    return {_stem(w) for w in _WORD.findall(text) if len(w) >= 4 and w.lower() not in GENERIC}


_FUNCTION_WORDS_TEXT = """this that these those there their them they then than with from into onto about were have been
being which whose what when where while also such very only just each both some most more"""
_FUNCTION_WORDS = set(_FUNCTION_WORDS_TEXT.split())


def plain_words(text: str) -> set[str]:
    """A sentence's words as the Snowball stemmer reduces them (four letters or more, function words and
    numbers aside), with no word excused as generic: the measure of whether it speaks in the paper's words
    ("training on GPUs" for a paper's "we train on two GPUs", never "baselines" for a paper of none)."""
    found = {w for w in re.findall(r"[a-z][a-z0-9]*", text.lower()) if len(w) >= 4}  # each word stemmed once
    return set(stem_words([w for w in found - _FUNCTION_WORDS - _REVIEW_WORDS]))


def stem_words(words: list[str]) -> list[str]:
    """English words as the Snowball stemmer reduces them, in order."""
    if not hasattr(_STEMMERS, "english"):  # a stemmer keeps state while it works: one per thread
        _STEMMERS.english = snowballstemmer.stemmer("english")
    return _STEMMERS.english.stemWords(words)


_STEMMERS = threading.local()
# Words in which a review names its own subject: whether the paper uses them says nothing of a sentence.
_REVIEW_WORDS = {
    "paper", "papers", "does", "work", "authors", "method", "approach", "model", "models", "results", "using",
    "used", "based", "proposed",
}  # fmt: skip


def key_words(text: str) -> set[str]:
    """The words that make a sentence what it is, function words aside (stems of words of four letters or
    more): wider than `content_words`, so that two template sentences of few content words still compare."""
    return {_stem(w) for w in _WORD.findall(text) if len(w) >= 4 and w.lower() not in _FUNCTION_WORDS}


def names_in(text: str, capitalised: bool = True) -> set[str]:
    """Acronyms, CamelCase words and (with `capitalised`: not in a language that capitalises its nouns)
    capitalised words that do not open the sentence."""
    found = set(_NAME.findall(text))
    words = text.split() if capitalised else []
    for prev, word in zip(words, words[1:], strict=False):
        bare = word.strip(".,;:()[]\"'!?")
        if bare[:1].isupper() and not prev.endswith((".", ":", "!", "?")) and bare.lower() not in GENERIC:
            found.add(bare)
    return {n for n in found if len(n) >= 2}


_REPORTING = (
    r"(provide|mention|specify|state|report|give|include|describe|discuss|detail|present|list|name|explain|"
    r"disclose|indicate|clarify)"
)
_UNSTATED = re.compile(
    r"(?:the\s+(?:paper|authors?|article|work|study|manuscript|text)|this\s+(?:paper|work|study)|it|they)\s+"
    rf"(?:does|do|did)\s+not\s+(?:explicitly\s+|clearly\s+)?{_REPORTING}\b[^.;:]*"
    r"|[^.;:]{1,80}?\b(?:is|are|was|were)\s+not\s+(?:explicitly\s+|clearly\s+)?"
    r"(?:mentioned|stated|specified|reported|provided|given|described|discussed|detailed|listed|named|included|"
    r"disclosed|indicated)(?:\s+(?:in|by)\s+the\s+(?:paper|authors?|text|article))?"
    r"|(?:there\s+is\s+)?no\s+(?:information|details?|mention)\s+(?:is\s+given\s+)?(?:about|on|of|regarding)\b[^.;:]*",
    re.I,
)
_BUT = re.compile(r"\b(but|only|instead|except|although|though|while|whereas)\b", re.I)


def says_only_unstated(sentence: str) -> bool:
    """Whether a sentence says no more than that the paper does not state something ("The paper does not
    provide information about the model size.", "The optimiser is not specified in the paper."): an
    abstention in a sentence's clothes, where a field of facts should say "not stated in the paper"."""
    text = sentence.strip().rstrip(".!").strip()
    return bool(_UNSTATED.fullmatch(text)) and not _BUT.search(text)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def runs(text: str, n: int) -> set[tuple[str, ...]]:
    """Every run of `n` consecutive words (lower case, letters and digits)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


# Two sentences about different papers that share this share of their content words say the same thing.
SAME_SENTENCE = 0.8


def any_paper(texts: dict[str, list[str]]) -> set[str]:
    """The texts that could describe any paper: each holds a sentence that stands, the same or nearly (content
    words overlapping SAME_SENTENCE or more), among the texts of another paper. `texts` maps a paper to its texts."""
    said = [(paper, text, content_words(sentence)) for paper, items in texts.items() for text in items
            for sentence in sentences(text)]  # fmt: skip
    found = set()
    for i, (paper, text, words) in enumerate(said):
        for other, other_text, other_words in said[i + 1 :]:
            if other != paper and len(words) >= 3 and overlap(words, other_words) >= SAME_SENTENCE:
                found |= {text, other_text}
    return found


def english(language: str) -> bool:
    """Whether text in `language` (an IETF tag) can be matched word for word against an English paper."""
    return language.split("-")[0].lower() == "en"
