"""Methodology reviewer: task and setting, the method in steps, the training recipe."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from ..contract.findings import NOT_ASSESSED, NOT_STATED, Copied, Findings, Point, fact_text
from ..contract.registry import Reviewer, register
from ..paper import Paper
from ..tools.extraction.facts import setup_facts


class TaskSetting(BaseModel):
    inputs: fact_text(500)
    outputs: fact_text(500)
    objective: fact_text(600)
    evaluation: fact_text(600) = Field(description="metrics and datasets used to judge success")


class TrainingRecipe(BaseModel):
    """The model names the data; the rest of the recipe is the paper's own sentences, copied by code (a small
    model invents a plausible recipe, and writing one was the longest part of its answer)."""

    data: fact_text(500) = NOT_ASSESSED
    optimiser: Annotated[str, Copied] = NOT_STATED
    hyperparameters: Annotated[str, Copied] = NOT_STATED
    hardware: Annotated[str, Copied] = NOT_STATED
    wall_clock: Annotated[str, Copied] = NOT_STATED


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
        for name, kinds, limit in RECIPE_FACTS:
            facts = [f for f in stated if f.kind in kinds][:2]
            said = "; ".join(f"\u201c{f.text}\u201d (p. {f.page})" for f in facts)
            if facts and len(said) > limit:
                said = f"\u201c{facts[0].text[: limit - 20]}\u2026\u201d (p. {facts[0].page})"
            setattr(self.training, name, said or NOT_STATED)  # never what a model typed there
        return self


# The recipe field each kind of extracted set-up sentence answers, and its length on the card.
RECIPE_FACTS = (
    ("optimiser", ("optimiser",), 300),
    ("hardware", ("hardware",), 300),
    ("wall_clock", ("training time",), 300),
    ("hyperparameters", ("learning rate", "batch size", "epochs", "seeds"), 600),
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
