"""The newsletter writer: prose from the cards only, every sentence checked against the card fields.

One call drafts the overview, the shared concepts, the reading guide and a headline per paper, each
sentence citing field ids. The provenance check (tools/provenance.py) flags a sentence with a number, a name
or a claim no card field supports; flagged sentences go back once to be rewritten from their fields, and
what is still unsupported is removed (a headline falls back to the paper's title).
"""

from __future__ import annotations

import re

from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from ..contract.findings import NOT_CLAIMS
from ..contract.usage import Usage
from ..errors import RefereeError
from ..prompts import load_prompt
from ..tools.grounding.provenance import Check, check_sentence
from ..tools.grounding.wording import any_paper, content_words, english
from ..tools.publishing.newsletter import Concept, PaperEntry, Provenance, Sentence, SourceCard
from ..tools.publishing.urls import safe_url
from .base import fill

STYLES = {
    "weekly": "a weekly ranked issue: lead with what matters most this week; short, direct sentences.",
    "digest": "an applied digest: explain ideas for practitioners; say what each paper is useful for.",
}


class DraftSentence(BaseModel):
    text: str = Field(max_length=400)
    sources: list[str] = Field(default_factory=list, max_length=8)


class DraftConcept(BaseModel):
    name: str = Field(max_length=80)
    papers: list[str] = Field(default_factory=list, max_length=12)
    sentences: list[DraftSentence] = Field(default_factory=list, max_length=4)


class DraftHeadline(BaseModel):
    paper: str = Field(description="the paper id: p1, p2, ...")
    text: str = Field(max_length=140)
    sources: list[str] = Field(default_factory=list, max_length=6)


class NewsletterDraft(BaseModel):
    at_a_glance: list[DraftSentence] = Field(min_length=1, max_length=4)  # an empty draft is asked again
    concepts: list[DraftConcept] = Field(min_length=1, max_length=3)  # none at all: asked again
    reading_guide: list[DraftSentence] = Field(default_factory=list, max_length=6)
    headlines: list[DraftHeadline] = Field(default_factory=list, max_length=20)


class Rewrite(BaseModel):
    index: int
    text: str = Field(default="", max_length=400)
    sources: list[str] = Field(default_factory=list, max_length=8)


class Rewrites(BaseModel):
    items: list[Rewrite] = Field(default_factory=list)


def cards_text(cards: list[SourceCard]) -> str:
    blocks = []
    for source in cards:
        lines = [f"[{fid}] {text}" for fid, text in source.fields.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


CONCEPT_PAPERS = 2  # a concept ties papers together: the fields of at least this many must support it


def _supporting(sentence: Sentence, fields: dict[str, str]) -> set[str]:
    """The papers whose fields, among those a checked sentence rests on, hold at least half of its content words
    (a paper that shares a word or two with it does not support it)."""
    words = content_words(sentence.text)
    papers = {fid.split(".", 1)[0] for fid in sentence.sources}
    if not words:
        return papers
    held = {
        p: set().union(*(content_words(fields[f]) for f in sentence.sources if f.startswith(f"{p}."))) for p in papers
    }
    return {p for p in papers if len(words & held[p]) >= len(words) / 2}


def split_sentences(text: str) -> list[str]:
    """Sentences, a closing quotation mark kept with the sentence it ends."""
    return [
        s.strip()
        for s in re.split(r"(?:(?<=[.!?])|(?<=[.!?][\u201d\"']))\s+(?=[A-Z0-9\"'(\u201c])", text.strip())
        if s.strip()
    ]


class _Slot(BaseModel):
    """One model-written sentence and where it goes."""

    where: str  # "glance", "guide", "concept:<i>", "headline:<pid>", "concept-name:<i>"
    text: str
    cited: list[str]


_CITED = re.compile(r"\s*\[(p\d+(?:\.[a-z]+)+(?:\.\d+)?)\]")


def _slot(where: str, text: str, cited: list[str]) -> _Slot:
    """Field ids the model wrote into the text ("[p2.tldr]") become sources and leave the text."""
    return _Slot(where=where, text=_CITED.sub("", text).strip(), cited=[*cited, *_CITED.findall(text)])


def _slots(draft: NewsletterDraft, pids: set[str]) -> list[_Slot]:
    slots = []
    for item in draft.at_a_glance:
        slots += [_slot("glance", t, item.sources) for t in split_sentences(item.text)]
    for i, concept in enumerate(draft.concepts):
        slots.append(_slot(f"concept-name:{i}", concept.name, []))
        for item in concept.sentences:
            slots += [_slot(f"concept:{i}", t, item.sources) for t in split_sentences(item.text)]
    for item in draft.reading_guide:
        slots += [_slot("guide", t, item.sources) for t in split_sentences(item.text)]
    seen = set()
    for h in draft.headlines:
        if h.paper in pids and h.paper not in seen and h.text.strip():
            seen.add(h.paper)
            slots.append(_slot(f"headline:{h.paper}", h.text, h.sources))
    return slots


def _check(slot: _Slot, fields: dict[str, str], same_language: bool = True) -> Check:
    """The provenance check, plus one for prose: a sentence cut off (a truncated answer) is not kept."""
    check = check_sentence(slot.text, slot.cited, fields, same_language=same_language)
    prose = not slot.where.startswith(("headline:", "concept-name:"))
    if prose and not slot.text.rstrip().endswith((".", "!", "?", '"', "”", ")", "\u3002", "\uff01", "\uff1f")):
        check.problems.append("an unfinished sentence")
    return check


def _rewrite(
    llm, flagged: list[tuple[int, _Slot, list[str]]], fields: dict[str, str], same_language: bool = True
) -> tuple[dict[int, Rewrite], Usage]:
    items = []
    for index, slot, problems in flagged:
        near = check_sentence(slot.text, slot.cited, fields, same_language=same_language).sources or list(fields)[:3]
        shown = "\n".join(f"  [{fid}] {fields[fid]}" for fid in near[:5])
        items.append(f"{index}. {slot.text}\n  problems: {'; '.join(problems)}\n  fields:\n{shown}")
    prompt = fill(load_prompt("newsletter_rewrite"), items="\n\n".join(items))
    try:
        answer, usage = llm.invoke(Rewrites, [HumanMessage(prompt)], node="newsletter")
    except RefereeError:
        return {}, Usage()
    return {r.index: r for r in answer.items}, usage


def write_prose(
    cards: list[SourceCard], llm, style: str, language: str = "en"
) -> tuple[list[Sentence], list[Concept], list[Sentence], dict[str, Sentence], Provenance, Usage, list[str]]:
    """(at a glance, concepts, reading guide, headline by pid, provenance, usage, notes). `language`: the one the
    writer writes in."""
    same = english(language)
    fields = {fid: text for c in cards for fid, text in c.fields.items()}
    pids = {c.pid for c in cards}
    prompt = fill(
        load_prompt("newsletter"),
        cards=cards_text(cards),
        style=STYLES[style],
        concepts="two or three" if len(cards) >= 3 else "one or two",
    )
    notes: list[str] = []
    try:
        draft, usage = llm.invoke(NewsletterDraft, [HumanMessage(prompt)], node="newsletter")
    except RefereeError as exc:
        draft, usage = (
            NewsletterDraft.model_construct(at_a_glance=[], concepts=[], reading_guide=[], headlines=[]),
            Usage(),
        )
        notes.append(f"the writer model gave no draft ({str(exc)[:200]}); the issue holds the cards' own text only")
    slots = _slots(draft, pids)
    provenance = Provenance(sentences=len(slots))
    checks = [_check(s, fields, same) for s in slots]
    flagged = [(i, slots[i], c.problems) for i, c in enumerate(checks) if not c.ok]
    provenance.flagged = len(flagged)
    if flagged:
        rewrites, more = _rewrite(llm, flagged, fields, same)
        usage = usage + more
        for index, slot, problems in flagged:
            new = rewrites.get(index)
            new = _slot(slot.where, new.text, new.sources) if new else None
            again = _check(new, fields, same) if new and new.text else None
            if again is not None and again.ok:
                checks[index] = again
                slots[index] = new
                provenance.rewritten += 1
                outcome = {"outcome": "rewritten", "now": new.text}
            else:
                checks[index] = None
                provenance.removed += 1
                outcome = {"outcome": "removed"}
            provenance.flags.append({"text": slot.text, "problems": problems, **outcome})
    kept = [(s, c) for s, c in zip(slots, checks, strict=True) if c is not None]

    def sentences(where: str) -> list[Sentence]:
        said = {s.text: Sentence(text=s.text, sources=c.sources) for s, c in kept if s.where == where}
        return list(said.values())  # a sentence the model repeated is kept once

    concepts = []
    for i in range(len(draft.concepts)):
        named = [s for s, _ in kept if s.where == f"concept-name:{i}"]
        body = sentences(f"concept:{i}")
        if named and body:  # a concept whose name or every sentence failed the check is left out
            # the papers a concept covers are those its checked sentences rest on, not the ones the model listed
            covered = sorted({p for s in body for p in _supporting(s, fields)}, key=lambda p: int(p[1:]))
            if len(covered) < CONCEPT_PAPERS:  # a concept one paper supports restates that paper
                notes.append(f"concept {named[0].text[:80]!r} left out: the fields of only one paper support it")
                continue
            concepts.append(Concept(name=named[0].text, papers=covered, sentences=body))
    headlines = {
        s.where.split(":", 1)[1]: Sentence(text=s.text, sources=c.sources)
        for s, c in kept
        if s.where.startswith("headline:")
    }
    return sentences("glance"), concepts, sentences("guide"), headlines, provenance, usage, notes


def _said(fields: dict[str, str], prefix: str, common: set[str]) -> list[Sentence]:
    """The card's fields under `prefix` as sentences, less abstentions and what could describe any paper."""
    return [
        Sentence(text=t, sources=[f])
        for f, t in fields.items()
        if f.startswith(prefix) and t not in common and t.strip().lower() not in NOT_CLAIMS
    ]


def paper_entries(cards: list[SourceCard], headlines: dict[str, Sentence]) -> list[PaperEntry]:
    """Per paper: the model's checked headline (else the title) and the card's own findings and applications,
    less those that stand, nearly the same, on another paper's card (they could describe any paper)."""
    own = {c.pid: [t for f, t in c.fields.items() if f.startswith((f"{c.pid}.finding.", f"{c.pid}.application."))]
           for c in cards}  # fmt: skip
    common = any_paper(own)
    entries = []
    for c in cards:
        pid = c.pid
        findings = _said(c.fields, f"{pid}.finding.", common)
        uses = _said(c.fields, f"{pid}.application.", common)
        h = c.card.header
        entries.append(
            PaperEntry(
                pid=pid,
                arxiv_id=h.arxiv_id,
                title=h.title,
                headline=headlines.get(pid) or Sentence(text=h.title, sources=[f"{pid}.title"]),
                score=c.card.verdict.score if c.card.verdict else 0.0,
                label=c.card.verdict.label if c.card.verdict else "no verdict",
                key_findings=findings[:3],
                applications=uses,
                abs_url=safe_url(h.abs_url),
                card="",
                gem_reason=c.gem_reason,
            )
        )
    return entries
