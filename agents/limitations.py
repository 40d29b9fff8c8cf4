"""Limitations reviewer: the authors' admissions kept apart from the reviewer's additions, each tagged."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from ..state import Context, ReviewerTask
from .base import Statement, run_reviewer


class Limitation(BaseModel):
    text: str = Field(max_length=600)
    tag: Literal["FUNDAMENTAL", "ENGINEERING", "EVALUATION"]
    quote: str = Field(default="", max_length=400)
    page: int | None = Field(default=None, ge=1, le=5000)


class LimitationsReview(BaseModel):
    admitted: list[Limitation] = Field(default_factory=list, max_length=5, description="stated by the authors")
    added: list[Limitation] = Field(default_factory=list, max_length=5, description="not stated by the authors")
    failure_modes: list[Statement] = Field(default_factory=list, max_length=4)


def review_limitations(task: ReviewerTask, runtime: Runtime[Context]) -> dict:
    return run_reviewer("limitations", task, LimitationsReview, runtime.context, "limitations")
