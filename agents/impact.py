"""Impact reviewer: real-world applicability, broader impact, a practical takeaway, 3 applications."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from ..state import Context, ReviewerTask
from .base import Point, Statement, run_reviewer


class ImpactReview(BaseModel):
    applicability: Literal["deployed", "real hardware", "user study", "benchmarks only"]
    applicability_evidence: Point
    broader_impact: str = Field(max_length=800)
    practical_takeaway: str = Field(max_length=500)
    applications: list[Statement] = Field(min_length=1, max_length=3)


def review_impact(task: ReviewerTask, runtime: Runtime[Context]) -> dict:
    return run_reviewer("impact", task, ImpactReview, runtime.context, "impact")
