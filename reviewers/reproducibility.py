"""Reproducibility reviewer: what is released, what is stated, what is missing; a 1-5 rating."""

from __future__ import annotations

from pydantic import Field

from ..contract.findings import Findings, Point, Statement, fact_text
from ..contract.registry import Reviewer, register
from ..paper import Paper
from ..tools.extraction.facts import setup_facts

# The extracted link kind that answers each field: a link the paper prints is a fact, and wins over a claim.
LINK_FIELDS = (("code", "code"), ("data", "data"), ("weights", "model"))


class ReproducibilityReview(Findings):
    code: fact_text(400)
    data: fact_text(400)
    weights: fact_text(400)
    details: list[Point] = Field(max_length=6, description="hyper-parameters, seeds, runs and variance as stated")
    missing: list[Statement] = Field(default_factory=list, max_length=5)
    reasons: list[Statement] = Field(max_length=4)
    rating: int = Field(ge=1, le=5)

    def settle(self, paper: Paper) -> ReproducibilityReview:
        """Code, data and weights links the paper prints fill their fields, copied by code, whatever the model
        said (a small model writes "not reported" above the repository link the paper gives)."""
        for name, kind in LINK_FIELDS:
            links = [link for link in paper.links if link.kind == kind][:3]
            if links:
                text = "; ".join(f"{link.url} (printed in the paper, p. {link.page})" for link in links)
                setattr(self, name, text[:400])
        floor = rating_floor(paper)
        self.rating = min(max(self.rating, floor), floor + 1)
        return self


def rating_floor(paper: Paper) -> int:
    """The rating the paper's own facts earn: 1, and one more for printed code, for printed data or weights, and
    for stating its set-up (two or more sentences on optimiser, hyper-parameters, seeds or hardware). The model's
    rating may add one for what rules cannot see, never less than the facts earn."""
    kinds = {link.kind for link in paper.links}
    stated = len(setup_facts(paper)) >= 2
    return 1 + ("code" in kinds) + bool(kinds & {"data", "model"}) + stated


REPRODUCIBILITY = register(
    Reviewer(
        name="reproducibility",
        title="reproducibility",
        prompt="reproducibility",
        schema=ReproducibilityReview,
        headings=("Reproducibility",),
        reads=(
            "implementation", "setup", "experiment", "hyper", "training", "code", "detail", "protocol", "data",
            "reproduc",
        ),
        extracts=frozenset({"tables", "links"}),
    )
)  # fmt: skip
