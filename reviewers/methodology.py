"""Methodology reviewer: task and setting, the method in steps, the training recipe."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..contract.findings import NOT_ASSESSED, Findings, Point, fact_text
from ..contract.registry import Reviewer, register


class TaskSetting(BaseModel):
    inputs: fact_text(500)
    outputs: fact_text(500)
    objective: fact_text(600)
    evaluation: fact_text(600) = Field(description="metrics and datasets used to judge success")


class TrainingRecipe(BaseModel):
    data: fact_text(500) = NOT_ASSESSED
    optimiser: fact_text(300) = NOT_ASSESSED
    hyperparameters: fact_text(600) = NOT_ASSESSED
    hardware: fact_text(300) = NOT_ASSESSED
    wall_clock: fact_text(300) = NOT_ASSESSED


class MethodologyReview(Findings):
    task_setting: TaskSetting
    method_steps: list[Point] = Field(
        default_factory=list, max_length=6, description="the core contribution in ordered steps"
    )
    key_equation: fact_text(600) = NOT_ASSESSED
    training: TrainingRecipe = Field(default_factory=TrainingRecipe)


METHODOLOGY = register(
    Reviewer(
        name="methodology",
        title="task & setting, method and training recipe",
        prompt="methodology",
        schema=MethodologyReview,
        headings=("Task & setting", "Method", "Training recipe"),
        reads=(
            "method", "approach", "model", "algorithm", "architecture", "training", "setup", "problem",
            "background", "preliminar", "formulation", "framework", "implementation", "proposed",
        ),
    )
)  # fmt: skip
