"""The chair's verdict on a paper and the triage score of an abstract."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from .findings import FACT, Copied, Statement
from .rigour import Checklist

Label = Literal["BREAKTHROUGH", "SIGNIFICANT", "SOLID", "INCREMENTAL", "FLAWED"]
# (label, lowest score, meaning): the label must agree with the score.
BANDS: tuple[tuple[str, float, str], ...] = (
    ("BREAKTHROUGH", 9.0, "changes how the field works; a few a year"),
    ("SIGNIFICANT", 7.5, "a clear advance others will build on"),
    ("SOLID", 6.0, "sound, useful, expected progress"),
    ("INCREMENTAL", 4.0, "small delta over known work, or gains that may not hold"),
    ("FLAWED", 0.0, "a central claim is unsupported or the evaluation is broken"),
)


def band(score: float) -> str:
    return next(label for label, low, _ in BANDS if score >= low)


def bands_text() -> str:
    highs = [10.0] + [low - 0.1 for _, low, _ in BANDS[:-1]]
    return "\n".join(
        f"   {label}: {low:.1f} to {high:.1f} ({meaning})"
        for (label, low, meaning), high in zip(BANDS, highs, strict=True)
    )


class Verdict(BaseModel):
    reasons: list[Statement] = Field(min_length=1, max_length=6)
    disagreements: list[Statement] = Field(default_factory=list, max_length=5)
    score: float = Field(ge=0, le=10)
    label: Label
    confidence: int = Field(ge=1, le=5)
    tldr: Annotated[str, FACT] = Field(max_length=400)
    tags: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=8)
    # the chair's own score, before the rigour checklist was combined with it (set by code, never asked for)
    chair_score: Annotated[float | None, Copied] = Field(default=None, ge=0, le=10)


class VerdictOutcome(BaseModel):
    """What the verdict node decided: a verdict with the notes on corrections made to it, or why there is none."""

    verdict: Verdict | None = None
    notes: list[str] = Field(default_factory=list)
    error: str | None = None  # why there is no verdict (the model failed, or nothing it said stood)
    checklist: Checklist | None = None  # the rigour checklist the score combines (made even without a verdict)

    @property
    def ok(self) -> bool:
        return self.verdict is not None


class TriageScore(BaseModel):
    arxiv_id: str
    relevance: int = Field(ge=1, le=10)
    novelty: int = Field(ge=1, le=10)
    primary_topic: str = "none"
    matched_topics: list[str] = Field(default_factory=list, max_length=5)
    reason: str = Field(default="", max_length=300)
