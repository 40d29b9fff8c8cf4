"""Novelty reviewer: the prior work the paper builds on, resolved to its reference entries, and the delta."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from ..paper import Paper
from ..state import Context, ReviewerTask
from ..tools.text import norm_key
from .base import Statement, run_reviewer


class PriorWork(BaseModel):
    name: str = Field(max_length=200, description="the work as the paper names it, e.g. 'Goodfellow et al. (2014)'")
    reference: int | None = Field(default=None, ge=1, description="its entry number in REFERENCES")
    what_it_did: str = Field(max_length=500)
    delta: str = Field(max_length=500)
    quote: str = Field(default="", max_length=400)
    page: int | None = Field(default=None, ge=1, le=5000)


class NoveltyReview(BaseModel):
    prior_work: list[PriorWork] = Field(max_length=4)
    reasons: list[Statement] = Field(max_length=4)
    assessment: Literal["new idea", "new combination", "tuning"]


def resolve_references(review: NoveltyReview, paper: Paper) -> NoveltyReview:
    """Point each named prior work at its reference entry by matching surname and year (deterministic)."""
    for work in review.prior_work:
        if work.reference and 1 <= work.reference <= len(paper.references):
            entry = paper.references[work.reference - 1].text
            if _mentions(entry, work.name):
                continue
        work.reference = next((r.index for r in paper.references if _mentions(r.text, work.name)), None)
    return review


def _mentions(entry: str, name: str) -> bool:
    words = [w for w in name.replace(",", " ").replace("(", " ").replace(")", " ").split() if len(w) > 2]
    surname = next((w for w in words if w[0].isupper() and w.lower() not in ("and", "the", "et", "al.")), None)
    year = next((w for w in words if w[:4].isdigit()), None)
    if surname is None:
        return False
    key = norm_key(entry)
    return norm_key(surname) in key and (year is None or year[:4] in entry)


def review_novelty(task: ReviewerTask, runtime: Runtime[Context]) -> dict:
    return run_reviewer(
        "novelty", task, NoveltyReview, runtime.context, "novelty", post=lambda r: resolve_references(r, task["paper"])
    )
