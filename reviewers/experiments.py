"""Experiments reviewer: results against baselines, fairness, missing baselines, compute."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from ..contract.findings import (
    ENTITY,
    NOT_ASSESSED,
    NOT_STATED,
    NUMBER,
    Copied,
    Findings,
    Remark,
    Statement,
    fact_text,
)
from ..contract.registry import Reviewer, register
from ..paper import Paper
from ..tools.extraction.units import Cell, Units
from ..tools.grounding.numbers import numbers_in


class Result(BaseModel):
    """A headline result: this paper's cell of a table and the strongest baseline's cell of the same table. The
    model gives the two cell ids; code copies the values and the row and column labels, and computes the delta."""

    cell: str = Field(max_length=40, description="this paper's result: a table cell id, e.g. T2.r3.c1")
    baseline_cell: str = Field(
        default="", max_length=40, description="the strongest baseline's cell in the same table, same metric"
    )
    dataset: Annotated[str, ENTITY, Copied] = Field(default="", max_length=200)  # what the two cells share
    metric: Annotated[str, ENTITY, Copied] = Field(default="", max_length=200)  # the table, e.g. "Table 2"
    method: Annotated[str, ENTITY, Copied] = Field(default="", max_length=200)  # this paper's row or column
    this_paper: Annotated[str, NUMBER, Copied] = Field(default="", max_length=100)
    best_baseline: Annotated[str, ENTITY, Copied] = Field(default=NOT_STATED, max_length=200)
    baseline_value: Annotated[str, NUMBER, Copied] = Field(default=NOT_STATED, max_length=100)
    delta: Annotated[str, Copied] = Field(default=NOT_STATED, max_length=100)
    page: Annotated[int | None, Copied] = Field(default=None, ge=1, le=5000)

    def resolve(self, units: Units) -> bool:
        """Fill the row from the cells its ids name; False when this paper's cell does not resolve."""
        ours = units.cell(self.cell)
        if ours is None:
            return False
        self.cell, self.this_paper, self.page = ours.id, ours.text[:100], ours.table.page
        self.metric = ours.table.label[:200]
        base = units.cell(self.baseline_cell)
        if base is None or base.table is not ours.table or base.id == ours.id:
            # which of its labels names this paper's method, only a baseline beside it would tell
            self.baseline_cell, self.method = "", ""
            self.dataset = " \u00b7 ".join(x for x in (ours.row_label, ours.column_label) if x)[:200]
            self.best_baseline = self.baseline_value = self.delta = NOT_STATED
            return True
        shared, ours_label, base_label = _labels(ours, base)
        self.baseline_cell, self.dataset, self.method = base.id, shared[:200], ours_label[:200]
        self.best_baseline, self.baseline_value = (base_label or NOT_STATED)[:200], base.text[:100]
        a, b = _first_number(ours.text), _first_number(base.text)
        self.delta = _difference(a, b) if a and b and shared else NOT_STATED
        return True


def _labels(ours: Cell, base: Cell) -> tuple[str, str, str]:
    """(what the two cells share, this paper's label, the baseline's label): a column (the metric or dataset)
    when they sit in one column, a row when in one row; nothing shared, and no delta, otherwise."""
    if ours.column == base.column:
        return ours.column_label, ours.row_label, base.row_label
    if ours.row == base.row:
        return ours.row_label, ours.column_label, base.column_label
    return "", ours.row_label or ours.column_label, base.row_label or base.column_label


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
        """A result row stands on the paper's tables: its cells are copied from the ids the model gave, and a row
        whose own cell does not resolve is dropped (a section number or a number from the prose is no result),
        and so is a row that repeats the cells of another."""
        units, kept = Units(paper), {}
        for row in self.results:
            if row.resolve(units):
                kept.setdefault((row.cell, row.baseline_cell), row)
        self.results = list(kept.values())
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
