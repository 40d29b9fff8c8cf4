"""Impact reviewer: real-world applicability, broader impact, a practical takeaway, 3 applications."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..contract.findings import Findings, Point, Statement, judgement_text
from ..contract.registry import Reviewer, register


class ImpactReview(Findings):
    applicability: Literal["deployed", "real hardware", "user study", "benchmarks only"]
    applicability_evidence: Point
    broader_impact: judgement_text(800)
    practical_takeaway: judgement_text(500)
    applications: list[Statement] = Field(default_factory=list, max_length=3)


IMPACT = register(
    Reviewer(
        name="impact",
        title="practical takeaway, real-world applicability and broader impact",
        prompt="impact",
        schema=ImpactReview,
        headings=("Practical takeaway", "Real-world applicability", "Broader impact"),
        reads=("introduction", "conclusion", "discussion", "impact", "application", "outlook", "ethic"),
    )
)
