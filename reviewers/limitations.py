"""Limitations reviewer: the authors' admissions kept apart from the reviewer's additions, each tagged."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..contract.findings import Cited, Findings, Statement, fact_text, judgement_text
from ..contract.registry import Reviewer, register


class Limitation(Cited):
    """A limitation the authors state: a statement of what the paper says, pointing at the sentence that says it."""

    text: fact_text(600)
    tag: Literal["FUNDAMENTAL", "ENGINEERING", "EVALUATION"]


class AddedLimitation(Limitation):
    """A limitation the reviewer sees that the authors do not state: the reviewer's view."""

    text: judgement_text(600)


class LimitationsReview(Findings):
    admitted: list[Limitation] = Field(default_factory=list, max_length=5, description="stated by the authors")
    added: list[AddedLimitation] = Field(default_factory=list, max_length=5, description="not stated by the authors")
    failure_modes: list[Statement] = Field(default_factory=list, max_length=4)


LIMITATIONS = register(
    Reviewer(
        name="limitations",
        title="limitations & failure modes",
        prompt="limitations",
        schema=LimitationsReview,
        headings=("Limitations & failure modes",),
        reads=("limitation", "discussion", "conclusion", "future", "failure", "threat", "outlook"),
    )
)
