"""Reproducibility reviewer: what is released, what is stated, what is missing; a 1-5 rating."""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from ..paper import Paper
from ..state import Context, ReviewerTask
from .base import Point, Statement, run_reviewer


class ReproducibilityReview(BaseModel):
    code: str = Field(max_length=400)
    data: str = Field(max_length=400)
    weights: str = Field(max_length=400)
    details: list[Point] = Field(max_length=6, description="hyper-parameters, seeds, runs and variance as stated")
    missing: list[Statement] = Field(default_factory=list, max_length=5)
    reasons: list[Statement] = Field(max_length=4)
    rating: int = Field(ge=1, le=5)


# The extracted link kind that answers each field: a link the paper prints is a fact, and wins over a claim.
LINK_FIELDS = (("code", "code"), ("data", "data"), ("weights", "model"))


def facts_over_claims(review: ReproducibilityReview, paper: Paper) -> ReproducibilityReview:
    """Code, data and weights links the paper prints fill their fields, copied by code, whatever the model said
    (a small model writes "not reported" above the repository link the paper gives)."""
    for name, kind in LINK_FIELDS:
        links = [link for link in paper.links if link.kind == kind][:3]
        if links:
            text = "; ".join(f"{link.url} (printed in the paper, p. {link.page})" for link in links)
            setattr(review, name, text[:400])
    return review


def review_reproducibility(task: ReviewerTask, runtime: Runtime[Context]) -> dict:
    return run_reviewer(
        "reproducibility",
        task,
        ReproducibilityReview,
        runtime.context,
        "reproducibility",
        post=lambda r: facts_over_claims(r, task["paper"]),
    )
