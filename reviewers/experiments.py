"""Experiments reviewer: results against baselines, fairness, missing baselines, compute."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from ..contract.findings import ENTITY, NOT_ASSESSED, NOT_REPORTED, NUMBER, Findings, Remark, Statement, fact_text
from ..contract.registry import Reviewer, register


class Result(BaseModel):
    dataset: Annotated[str, ENTITY] = Field(max_length=200)
    metric: Annotated[str, ENTITY] = Field(max_length=200)
    this_paper: Annotated[str, NUMBER] = Field(max_length=100, description="the paper's number, copied as printed")
    best_baseline: Annotated[str, ENTITY] = Field(
        default=NOT_REPORTED, max_length=200, description="the strongest baseline's name"
    )
    baseline_value: Annotated[str, NUMBER] = Field(default=NOT_REPORTED, max_length=100)
    delta: Annotated[str, NUMBER] = Field(default=NOT_REPORTED, max_length=100)
    page: int | None = Field(default=None, ge=1, le=5000)


class Compute(BaseModel):
    model_size: fact_text(300) = NOT_ASSESSED
    training_compute: fact_text(300) = NOT_ASSESSED
    inference_speed: fact_text(300) = NOT_ASSESSED
    memory: fact_text(300) = NOT_ASSESSED


class ExperimentsReview(Findings):
    results: list[Result] = Field(default_factory=list, max_length=8)
    fairness: list[Remark] = Field(default_factory=list, max_length=4)
    missing_baselines: list[Statement] = Field(default_factory=list, max_length=4)
    compute: Compute = Field(default_factory=Compute)


EXPERIMENTS = register(
    Reviewer(
        name="experiments",
        title="benchmarks & results and compute",
        prompt="experiments",
        schema=ExperimentsReview,
        headings=("Benchmarks & results", "Compute & efficiency"),
        reads=(
            "experiment", "result", "evaluation", "benchmark", "empirical", "analysis", "ablation", "setup",
            "comparison",
        ),
        extracts=frozenset({"tables"}),
    )
)  # fmt: skip
