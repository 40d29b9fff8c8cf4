"""Reproducibility reviewer: what is released, what is stated, what is missing; a 1-5 rating."""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

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


def review_reproducibility(task: ReviewerTask, runtime: Runtime[Context]) -> dict:
    return run_reviewer("reproducibility", task, ReproducibilityReview, runtime.context, "reproducibility")
