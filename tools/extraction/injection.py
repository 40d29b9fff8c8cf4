"""Text in a paper that addresses its reviewers: hidden spans (from tools/pdf.py) and visible instructions.

Both are listed in the top-level `hidden_text`; those that address a reader or a model raise the alarm (the
card, the weekly report, a CLI warning) and hidden artefacts (tick labels, figure sources) are listed quietly.
Neither reaches a model: hidden spans are kept out of the sections, and `redact` replaces every reported span
and every sentence that instructs a reviewer in any text bound for a prompt. Visible text stays in the paper
and on the card (it is what readers see).
"""

from __future__ import annotations

import re

from ...paper import HiddenText, Paper
from .addressing import INSTRUCTION, addresses_reader
from .pdf import HiddenSpan
from .text import clean

_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[\u3002\uff0e\uff01\uff1f])")  # Latin and CJK full stops
# Sentences of a prompt, each with its end (line breaks end a sentence too); a split, never a backtracking match,
# so that a long run of text without punctuation costs linear time.
_SENTENCE_END = re.compile(r"(?<=[.!?\n])")
REDACTED = "[text addressed to reviewers removed]"


def redact(text: str, hidden: list[HiddenText] | None = None) -> str:
    """`text` without the reported passages and without any sentence that instructs a reviewer or a model."""
    for passage in sorted({h.text for h in hidden or [] if len(h.text.strip()) >= 8}, key=len, reverse=True):
        text = text.replace(passage, REDACTED)
    pieces = []
    for piece in _SENTENCE_END.split(text):
        if INSTRUCTION.search(piece):
            lead = " " if piece[:1].isspace() else ""
            piece = lead + REDACTED + ("\n" if piece.endswith("\n") else "")
        pieces.append(piece)
    return "".join(pieces)


def merge_hidden(spans: list[HiddenSpan]) -> list[HiddenText]:
    """Consecutive hidden spans of one kind on one page become one entry, marked as addressed to a reader
    (an alarm) or not (an artefact, listed quietly)."""
    merged: list[HiddenText] = []
    for span in spans:
        last = merged[-1] if merged else None
        if last is not None and last.page == span.page and last.kind == span.kind:
            last.text = clean(f"{last.text} {span.text}")
        else:
            merged.append(HiddenText(page=span.page, kind=span.kind, text=clean(span.text)))
    for entry in merged:
        entry.addressed = addresses_reader(entry.text)
    return merged


def visible_instructions(paper: Paper) -> list[HiddenText]:
    """Sentences of the visible text that instruct a reviewer or a language model."""
    found: list[HiddenText] = []
    chunks = [(paper.title, 1, None), (paper.abstract, paper.abstract_page, None)]
    chunks += [(s.text, s.page_start, s) for s in paper.sections]
    chunks += [(r.text, r.page, None) for r in paper.references]
    chunks += [(f.caption, f.page, None) for f in paper.figures]
    chunks += [(" ".join([t.caption, *(" ".join(row) for row in t.rows)]), t.page, None) for t in paper.tables]
    for text, page, section in chunks:
        offset = 0
        for sentence in _SENTENCE.split(text):
            start = text.find(sentence, offset)
            offset = max(start, 0) + len(sentence)
            if match := INSTRUCTION.search(sentence):
                where = section.page_of(max(start, 0)) if section else page
                begin = max(0, min(match.start() - 100, len(sentence) - 400))  # the instruction, in its context
                found.append(HiddenText(page=where, kind="visible-instruction", text=sentence[begin : begin + 400]))
    unique = {(h.page, h.text): h for h in found}  # a caption is also a line of its page's text
    return list(unique.values())
