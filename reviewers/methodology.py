"""Methodology reviewer: task and setting, the method in steps, the training recipe."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..contract.findings import NOT_ASSESSED, Findings, Point, fact_text, field_kind
from ..contract.registry import Reviewer, register
from ..paper import Paper
from ..tools.extraction.facts import setup_facts


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

    def settle(self, paper: Paper) -> MethodologyReview:
        """The paper's own sentences on optimiser, hardware, training time and hyper-parameters fill the recipe,
        quoted with their page, whatever the model wrote there (a small model invents a plausible recipe)."""
        stated = setup_facts(paper)
        for name, kinds in RECIPE_FACTS:
            facts = [f for f in stated if f.kind in kinds][:2]
            if facts:
                limit = field_kind(TrainingRecipe.model_fields[name])[1] or 300
                said = "; ".join(f"\u201c{f.text}\u201d (p. {f.page})" for f in facts)
                setattr(
                    self.training,
                    name,
                    said if len(said) <= limit else f"\u201c{facts[0].text[: limit - 20]}\u2026\u201d",
                )
        return self


# The recipe field each kind of extracted set-up sentence answers.
RECIPE_FACTS = (
    ("optimiser", ("optimiser",)),
    ("hardware", ("hardware",)),
    ("wall_clock", ("training time",)),
    ("hyperparameters", ("learning rate", "batch size", "epochs", "seeds")),
)


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
