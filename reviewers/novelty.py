"""Novelty reviewer: the prior work the paper builds on, resolved to its reference entries, and the delta."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ..contract.findings import ENTITY, QUOTE, Findings, Statement, fact_text, judgement_text
from ..contract.registry import Reviewer, register
from ..paper import Paper
from ..tools.extraction.text import norm_key


class PriorWork(BaseModel):
    name: Annotated[str, ENTITY] = Field(
        max_length=200, description="the work as the paper names it, e.g. 'Goodfellow et al. (2014)'"
    )
    reference: int | None = Field(default=None, ge=1, description="its entry number in REFERENCES")
    what_it_did: fact_text(500)
    delta: judgement_text(500)
    quote: Annotated[str, QUOTE] = Field(default="", max_length=400)
    page: int | None = Field(default=None, ge=1, le=5000)


class NoveltyReview(Findings):
    prior_work: list[PriorWork] = Field(max_length=4)
    reasons: list[Statement] = Field(max_length=4)
    assessment: Literal["new idea", "new combination", "tuning"]

    def settle(self, paper: Paper) -> NoveltyReview:
        """Point each named prior work at its reference entry by matching surname and year (deterministic); a
        work that is no entry of the paper's bibliography is not its lineage, and goes (when the paper has one)."""
        for work in self.prior_work:
            cited = work.reference and 1 <= work.reference <= len(paper.references)
            if cited and _mentions(paper.references[work.reference - 1].text, work.name):
                continue
            work.reference = next((r.index for r in paper.references if _mentions(r.text, work.name)), None)
        if paper.references:
            self.prior_work = [work for work in self.prior_work if work.reference is not None]
        return self


def _mentions(entry: str, name: str) -> bool:
    words = [w for w in name.replace(",", " ").replace("(", " ").replace(")", " ").split() if len(w) > 2]
    surname = next((w for w in words if w[0].isupper() and w.lower() not in ("and", "the", "et", "al.")), None)
    year = next((w for w in words if w[:4].isdigit()), None)
    if surname is None:
        return False
    key = norm_key(entry)
    return norm_key(surname) in key and (year is None or year[:4] in entry)


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
