"""Novelty reviewer: the prior work the paper builds on, resolved to its reference entries, and the delta."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from ..contract.findings import (
    ENTITY,
    NOT_STATED,
    Copied,
    Findings,
    Statement,
    clip_words,
    fact_text,
    judgement_text,
)
from ..contract.registry import Reviewer, register
from ..paper import Paper
from ..tools.extraction.units import Units
from ..tools.grounding.wording import content_words


class PriorWork(BaseModel):
    """An earlier work the paper builds on: an entry of its bibliography, cited by id; code copies the entry."""

    reference: str = Field(max_length=40, description="the id of its entry in REFERENCES, e.g. R7")
    what_it_did: fact_text(500)
    delta: judgement_text(500) = Field(description="what this paper adds to it")
    name: Annotated[str, ENTITY, Copied] = Field(default="", max_length=200)
    page: Annotated[int | None, Copied] = Field(default=None, ge=1, le=5000)

    @field_validator("reference", mode="before")
    @classmethod
    def _entry_number(cls, value: object) -> object:
        return f"R{value}" if isinstance(value, int) else value  # cards written before ids were strings


class NoveltyReview(Findings):
    prior_work: list[PriorWork] = Field(max_length=4)
    reasons: list[Statement] = Field(max_length=4)
    assessment: Literal["new idea", "new combination", "tuning"]

    def settle(self, paper: Paper) -> NoveltyReview:
        """Each prior work is the bibliography entry its id names, copied by code (the entry's authors, year and
        title); a work whose id names no entry is not the paper's lineage, and goes. So does one whose description
        holds more of another entry's words than of its own (misattributed); a description that only restates
        its own entry says nothing of what the work did, and says so."""
        units, kept = Units(paper), []
        entries = [content_words(r.text) for r in paper.references]
        for work in self.prior_work:
            entry = units.reference(work.reference)
            if entry is None:
                continue
            said = content_words(work.what_it_did)
            own = _share(said, entries[entry.index - 1])
            other = max((_share(said, e) for i, e in enumerate(entries) if i != entry.index - 1), default=0.0)
            if other >= MISATTRIBUTED and other > own:
                continue
            if own >= RESTATES:
                work.what_it_did = NOT_STATED
            work.reference, work.name, work.page = f"R{entry.index}", clip_words(entry.text, 140), entry.page
            kept.append(work)
        self.prior_work = kept
        return self


# A description holding this share of its words from another bibliography entry (and more than from its own)
# describes that entry; holding this larger share from its own entry, it only restates it.
MISATTRIBUTED, RESTATES = 0.5, 0.7


def _share(words: set[str], of: set[str]) -> float:
    return len(words & of) / len(words) if words else 0.0


NOVELTY = register(
    Reviewer(
        name="novelty",
        title="novelty & lineage",
        prompt="novelty",
        schema=NoveltyReview,
        headings=("Novelty & lineage",),
        reads=("introduction", "related", "background", "prior", "previous", "conclusion"),
        extracts=frozenset({"references"}),
    )
)
