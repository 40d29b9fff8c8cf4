"""Text in a paper that addresses its reviewers: hidden spans (from tools/pdf.py) and visible instructions.

Both are reported (top-level `hidden_text`, the card, a CLI warning) and neither reaches a model: hidden spans
are kept out of the sections, and `redact` replaces every reported span and every sentence that instructs a
reviewer in any text bound for a prompt. Visible text stays in the paper and on the card (it is what readers
see).
"""

from __future__ import annotations

import re

from ...paper import HiddenText, Paper
from .pdf import HiddenSpan
from .text import clean

_INSTRUCTION = re.compile(
    r"(ignore (all |any )?(the )?(previous|prior|above|earlier|preceding) (instructions|prompts?|rules)"
    r"|disregard (all |any )?(the )?(previous|prior|above) (instructions|prompts?)"
    r"|(give|write|provide|produce) (this paper |the paper |it )?an? (very )?(positive|favou?rable|glowing|high)"
    r"( review| score| rating| assessment)"
    r"|(recommend|suggest) (acceptance|accepting this paper|to accept)"
    r"|do not (mention|highlight|point out|discuss) (any )?(weaknesses|limitations|flaws|negative)"
    r"|(as|you are) an? (ai|llm|language model|large language model) (reviewer|assistant)"
    r"|for (llm|ai|language model) reviewers"
    r"|rate this paper (as )?(\d|a \d|highly)"
    r"|score of (9|10)(\.\d)?( out of 10|/10)"
    r"|new instructions?:)",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
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
        if _INSTRUCTION.search(piece):
            lead = " " if piece[:1].isspace() else ""
            piece = lead + REDACTED + ("\n" if piece.endswith("\n") else "")
        pieces.append(piece)
    return "".join(pieces)


def merge_hidden(spans: list[HiddenSpan]) -> list[HiddenText]:
    """Consecutive hidden spans of one kind on one page become one entry."""
    merged: list[HiddenText] = []
    for span in spans:
        last = merged[-1] if merged else None
        if last is not None and last.page == span.page and last.kind == span.kind:
            last.text = clean(f"{last.text} {span.text}")
        else:
            merged.append(HiddenText(page=span.page, kind=span.kind, text=clean(span.text)))
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
            if _INSTRUCTION.search(sentence):
                where = section.page_of(max(start, 0)) if section else page
                found.append(HiddenText(page=where, kind="visible-instruction", text=sentence[:400]))
    unique = {(h.page, h.text): h for h in found}  # a caption is also a line of its page's text
    return list(unique.values())
