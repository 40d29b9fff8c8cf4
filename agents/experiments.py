"""Experiments reviewer: results against baselines, fairness, missing baselines, compute."""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from ..state import Context, ReviewerTask
from .base import NOT_ASSESSED, NOT_REPORTED, Point, Statement, run_reviewer


class Result(BaseModel):
    dataset: str = Field(max_length=200)
    metric: str = Field(max_length=200)
    this_paper: str = Field(max_length=100, description="the paper's number, copied as printed")
    best_baseline: str = Field(default=NOT_REPORTED, max_length=200, description="the strongest baseline's name")
    baseline_value: str = Field(default=NOT_REPORTED, max_length=100)
    delta: str = Field(default=NOT_REPORTED, max_length=100)
    page: int | None = Field(default=None, ge=1, le=5000)


class Compute(BaseModel):
    model_size: str = Field(default=NOT_ASSESSED, max_length=300)
    training_compute: str = Field(default=NOT_ASSESSED, max_length=300)
    inference_speed: str = Field(default=NOT_ASSESSED, max_length=300)
    memory: str = Field(default=NOT_ASSESSED, max_length=300)


class ExperimentsReview(BaseModel):
    results: list[Result] = Field(default_factory=list, max_length=8)
    fairness: list[Point] = Field(default_factory=list, max_length=4)
    missing_baselines: list[Statement] = Field(default_factory=list, max_length=4)
    compute: Compute = Field(default_factory=Compute)


def review_experiments(task: ReviewerTask, runtime: Runtime[Context]) -> dict:
    return run_reviewer("experiments", task, ExperimentsReview, runtime.context, "experiments")
