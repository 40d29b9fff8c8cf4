"""The rigour checklist: a fixed list of what careful reviewers check, each answered yes / no / not applicable
with pointers into the paper, and the documented rule by which it and the chair's judgement make the score."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Answer = Literal["yes", "no", "not applicable"]

# (key, the question as the card shows it), in the card's order. The answers come from deterministic detectors
# on the paper's text ("text") or from what the panel pointed at in the paper ("panel"): see agents/rigour.py.
ITEMS: tuple[tuple[str, str], ...] = (
    ("results", "Claims backed by experiments in the paper's tables"),
    ("baselines", "Results compared with a baseline"),
    ("tuning", "Baselines tuned with the same care as the method"),
    ("ablations", "Ablations"),
    ("variance", "Variance reported (seeds, error bars, intervals)"),
    ("significance", "Statistical tests"),
    ("datasets", "More than one dataset or benchmark"),
    ("compute", "Compute reported"),
    ("code", "Code released"),
    ("data", "Data or weights released"),
    ("limitations", "Limitations or threats to validity discussed"),
    ("assumptions", "Assumptions of the theory stated"),
)
QUESTIONS = dict(ITEMS)


class Pointer(BaseModel):
    """Where an answer stands in the paper: a sentence, a table cell or a link, copied by code."""

    id: str = Field(description="a sentence id (S12), a cell id (T2.r3.c1) or a URL")
    text: str = Field(description="what it points at, as the paper prints it")
    page: int | None = None


class CheckItem(BaseModel):
    key: str
    question: str
    answer: Answer
    by: Literal["text", "panel"] = Field(description="a detector on the paper's text, or the panel's pointers")
    evidence: list[Pointer] = Field(default_factory=list, max_length=3)
    note: str = Field("", description="why, where no pointer says it (e.g. 'not found in the paper')")


class Checklist(BaseModel):
    items: list[CheckItem] = Field(default_factory=list)

    @property
    def applicable(self) -> list[CheckItem]:
        return [item for item in self.items if item.answer != "not applicable"]

    @property
    def met(self) -> int:
        return sum(item.answer == "yes" for item in self.items)

    def score(self) -> float | None:
        """Ten times the share of applicable checks answered yes (None: none applies)."""
        applicable = len(self.applicable)
        return round(10 * self.met / applicable, 1) if applicable else None

    def line(self) -> str:
        return f"{self.met} of {len(self.applicable)} applicable checks met"


# The score on a card is the mean of the chair's score and the checklist's, weighted by CHAIR_WEIGHT: the chair
# judges what the findings say, the checklist counts what the paper shows, and a checklist answer does not
# change from run to run. Ceilings (agents/verdict.py) then cap what the evidence on the card cannot carry.
CHAIR_WEIGHT = 0.5


def calibrated(chair: float, checklist: Checklist | None) -> float:
    """The card's score from the chair's score and the rigour checklist (the chair's alone where none applies)."""
    rigour = checklist.score() if checklist is not None else None
    if rigour is None:
        return round(chair, 1)
    return round(CHAIR_WEIGHT * chair + (1 - CHAIR_WEIGHT) * rigour, 1)
