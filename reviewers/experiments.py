"""Experiments reviewer: results against baselines, fairness, missing baselines, compute."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from ..contract.findings import (
    ENTITY,
    NOT_ASSESSED,
    NOT_REPORTED,
    NOT_STATED,
    NUMBER,
    Findings,
    Remark,
    Statement,
    fact_text,
)
from ..contract.registry import Reviewer, register
from ..paper import Paper
from ..tools.grounding.verify import number_forms, numbers_in


class Result(BaseModel):
    dataset: Annotated[str, ENTITY] = Field(max_length=200)
    metric: Annotated[str, ENTITY] = Field(max_length=200)
    this_paper: Annotated[str, NUMBER] = Field(max_length=100, description="the paper's number, copied as printed")
    best_baseline: Annotated[str, ENTITY] = Field(
        default=NOT_REPORTED, max_length=200, description="the strongest baseline's name"
    )
    baseline_value: Annotated[str, NUMBER] = Field(default=NOT_REPORTED, max_length=100)
    delta: str = Field(default=NOT_REPORTED, max_length=100, description="computed by code from the two numbers")
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

    def settle(self, paper: Paper) -> ExperimentsReview:
        """A result row stands on the paper's tables: its number must be a cell of one of them (not a section
        number or a number from the prose), a baseline's number must sit in the same table, and the delta is
        computed by code from the two. Without tables in the paper the rows are left to verification."""
        tables = [set().union(*(numbers_in(cell) for row in t.rows for cell in row)) for t in paper.tables]
        if not any(tables):
            return self
        kept = []
        for row in self.results:
            ours = _first_number(row.this_paper)
            holding = [cells for cells in tables if ours and number_forms(ours) & cells]
            if not holding:
                continue
            base = _first_number(row.baseline_value)
            if not (base and any(number_forms(base) & cells for cells in holding)):
                row.best_baseline = row.baseline_value = NOT_STATED
                base = None
            row.delta = _difference(ours, base) if base else NOT_STATED
            kept.append(row)
        self.results = kept
        return self


def _first_number(text: str) -> str | None:
    found = sorted(numbers_in(text), key=lambda n: text.find(n.rstrip("%")))
    return found[0] if found else None


def _difference(ours: str, base: str) -> str:
    """ours - base, with as many decimals as the more precise of the two ("+1.3", "-0.25")."""
    a, b = float(ours.rstrip("%")), float(base.rstrip("%"))
    places = max(len(x.rstrip("%").partition(".")[2]) for x in (ours, base))
    return f"{a - b:+.{places}f}"


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
