"""Facts read from the paper without a model: its own limitation sentences, its stated set-up
(optimiser, learning rate, batch size, epochs, seeds, hardware, training time), each with its page, and which
of its tables hold results.

They go on the card verbatim, so a card stays grounded and useful even when the model writes little.
"""

from __future__ import annotations

import re

from ...contract.card import Fact
from ...paper import Paper, Section, Table

_DECIMAL = re.compile(r"\d\.\d")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_LIMIT_SECTION = re.compile(r"limitation|discussion|conclusion|future|outlook|threats", re.I)
_LIMIT_CUE = re.compile(
    r"\b(limitations?|is limited|are limited|we do not|does not (?:scale|generalize|generalise|apply|handle)|"
    r"cannot|can not|fails? to|left (?:for|to) future|future work|restricted to|only (?:evaluate|consider|test)|"
    r"not (?:yet )?(?:been )?(?:tested|evaluated|explored)|drawbacks?|shortcomings?|caveats?)\b",
    re.I,
)
SETUP_PATTERNS: dict[str, re.Pattern] = {
    "optimiser": re.compile(r"\b(AdamW|Adam|SGD|RMSProp|Adagrad|Adadelta|L-BFGS|LAMB|Adafactor)\b"),
    "learning rate": re.compile(r"\blearning rates?\b[^.]{0,40}?\d", re.I),
    "batch size": re.compile(r"\b(mini-?)?batch(?:es)? (?:size|of size)s?\b[^.]{0,30}?\d|\bbatch size\b", re.I),
    "epochs": re.compile(r"\b\d[\d,]* (?:training )?(?:epochs|iterations|steps)\b", re.I),
    "seeds": re.compile(r"\b(\d+|five|ten|three) (?:random |different )?(?:seeds|runs|repetitions|trials)\b", re.I),
    "hardware": re.compile(r"\b(GPUs?|TPUs?|V100|A100|H100|RTX ?\d{3,4}|GTX ?\d{3,4}|Titan|CPU cores?)\b"),
    "training time": re.compile(r"\b\d+(?:\.\d+)? ?(?:GPU[- ])?(?:hours|hrs|minutes|days)\b", re.I),
}


def _sentences(section: Section) -> list[tuple[str, int]]:
    out, offset = [], 0
    for sentence in _SENTENCE.split(section.text):
        start = section.text.find(sentence, offset)
        offset = start + len(sentence) if start >= 0 else offset
        sentence = sentence.strip()
        if 25 <= len(sentence) <= 400:
            out.append((sentence, section.page_of(max(start, 0))))
    return out


def result_tables(paper: Paper) -> list[Table]:
    """The paper's tables that hold measured values (a decimal number in some row)."""
    return [t for t in paper.tables if any(_DECIMAL.search(" ".join(row)) for row in t.rows)]


def limitation_sentences(paper: Paper, limit: int = 8) -> list[Fact]:
    """Sentences in which the paper states its own limits, those in a Limitations section first."""
    found: list[Fact] = []
    ranked = sorted(paper.sections, key=lambda s: (not _LIMIT_SECTION.search(s.heading), s.page_start))
    for section in ranked:
        in_limit_section = bool(re.search(r"limitation", section.heading, re.I))
        for sentence, page in _sentences(section):
            if in_limit_section or _LIMIT_CUE.search(sentence):
                found.append(Fact(kind="limitation", text=sentence, page=page, section=section.heading))
            if len(found) >= limit:
                return found
    return found


def setup_facts(paper: Paper, per_kind: int = 2) -> list[Fact]:
    """Sentences stating the experimental set-up, at most `per_kind` of each kind, in paper order."""
    counts: dict[str, int] = {}
    found: list[Fact] = []
    seen: set[str] = set()
    for section in paper.sections:
        for sentence, page in _sentences(section):
            for kind, pattern in SETUP_PATTERNS.items():
                if counts.get(kind, 0) >= per_kind or sentence in seen or not pattern.search(sentence):
                    continue
                counts[kind] = counts.get(kind, 0) + 1
                seen.add(sentence)
                found.append(Fact(kind=kind, text=sentence, page=page, section=section.heading))
    return found
