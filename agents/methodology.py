"""Methodology reviewer: task and setting, the method in steps, the training recipe."""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from ..state import Context, ReviewerTask
from .base import NOT_ASSESSED, Point, run_reviewer


class TaskSetting(BaseModel):
    inputs: str = Field(max_length=500)
    outputs: str = Field(max_length=500)
    objective: str = Field(max_length=600)
    evaluation: str = Field(max_length=600, description="metrics and datasets used to judge success")


class TrainingRecipe(BaseModel):
    data: str = Field(default=NOT_ASSESSED, max_length=500)
    optimiser: str = Field(default=NOT_ASSESSED, max_length=300)
    hyperparameters: str = Field(default=NOT_ASSESSED, max_length=600)
    hardware: str = Field(default=NOT_ASSESSED, max_length=300)
    wall_clock: str = Field(default=NOT_ASSESSED, max_length=300)


class MethodologyReview(BaseModel):
    task_setting: TaskSetting
    method_steps: list[Point] = Field(
        default_factory=list, max_length=6, description="the core contribution in ordered steps"
    )
    key_equation: str = Field(default=NOT_ASSESSED, max_length=600)
    training: TrainingRecipe = Field(default_factory=TrainingRecipe)


def review_methodology(task: ReviewerTask, runtime: Runtime[Context]) -> dict:
    return run_reviewer("methodology", task, MethodologyReview, runtime.context, "methodology")
