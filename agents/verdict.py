"""Verdict: after fan-in, the chair reads the reviewers' findings (never the raw paper) and decides."""

from __future__ import annotations

import json
from typing import Literal

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from ..errors import RefereeError
from ..state import Context, Finding, State, Usage
from .base import fill, load_prompt

Label = Literal["BREAKTHROUGH", "SIGNIFICANT", "SOLID", "INCREMENTAL", "FLAWED"]
# (label, lowest score, meaning): the label must agree with the score.
BANDS: tuple[tuple[str, float, str], ...] = (
    ("BREAKTHROUGH", 9.0, "changes how the field works; a few a year"),
    ("SIGNIFICANT", 7.5, "a clear advance others will build on"),
    ("SOLID", 6.0, "sound, useful, expected progress"),
    ("INCREMENTAL", 4.0, "small delta over known work, or gains that may not hold"),
    ("FLAWED", 0.0, "a central claim is unsupported or the evaluation is broken"),
)


def band(score: float) -> str:
    return next(label for label, low, _ in BANDS if score >= low)


def bands_text() -> str:
    highs = [10.0] + [low - 0.1 for _, low, _ in BANDS[:-1]]
    return "\n".join(
        f"   {label}: {low:.1f} to {high:.1f} ({meaning})"
        for (label, low, meaning), high in zip(BANDS, highs, strict=True)
    )


class Verdict(BaseModel):
    reasons: list[str] = Field(min_length=1, max_length=6)
    disagreements: list[str] = Field(default_factory=list, max_length=5)
    score: float = Field(ge=0, le=10)
    label: Label
    confidence: int = Field(ge=1, le=5)
    tldr: str = Field(max_length=400)
    tags: list[str] = Field(default_factory=list, max_length=8)


def findings_json(findings: list[Finding]) -> str:
    merged = {}
    for f in sorted(findings, key=lambda f: f.reviewer):
        merged[f.reviewer] = f.output if f.ok else {"missing": f"this reviewer failed: {f.error}"}
    return json.dumps(merged, ensure_ascii=False, separators=(",", ":"))


def decide(findings: list[Finding], title: str, model) -> tuple[Verdict, Usage, list[str]]:
    """The verdict, its usage, and notes about corrections made to it."""
    prompt = fill(load_prompt("verdict"), findings=findings_json(findings), title=title, bands=bands_text())
    messages = [HumanMessage(prompt)]
    verdict, usage = model.invoke(Verdict, messages, node="write_verdict")
    notes: list[str] = []
    if verdict.label != band(verdict.score):
        # one regeneration, told why, before the label is made to follow the score
        retry = [
            *messages,
            AIMessage(verdict.model_dump_json()),
            HumanMessage(
                f"Your label {verdict.label} does not match the band of your score {verdict.score:.1f}, which is "
                f"{band(verdict.score)}. Answer again with a label and score that agree."
            ),
        ]
        verdict, more = model.invoke(Verdict, retry, node="write_verdict")
        usage = usage + more
        if verdict.label != band(verdict.score):
            notes.append(f"label {verdict.label} did not match score {verdict.score:.1f}; set to its band")
            verdict.label = band(verdict.score)
    verdict.score = round(verdict.score, 1)
    missing = [f.reviewer for f in findings if not f.ok]
    if missing and verdict.confidence > 3:
        notes.append(f"confidence capped at 3: no findings from {', '.join(missing)}")
        verdict.confidence = 3
    return verdict, usage, notes


def write_verdict(state: State, runtime: Runtime[Context]) -> dict:
    try:
        context = runtime.context
        verdict, usage, notes = decide(state["findings"], state["paper"].title, context.model("verdict"))
    except RefereeError as exc:
        return {"verdict": {"ok": False, "error": str(exc)[:500]}, "verdict_usage": Usage()}
    return {"verdict": {"ok": True, "verdict": verdict.model_dump(), "notes": notes}, "verdict_usage": usage}
