"""Verify: after the verdict, every model-written field on the card is checked against the paper by its kind."""

from __future__ import annotations

from langgraph.runtime import Runtime

from ..contract.registry import REGISTRY
from ..contract.verdict import Verdict
from ..state import Context, State
from ..tools.verify import check_card

NO_REASON = "not assessed: none of the verdict's reasons survived the checks against the paper"


def verify(state: State, runtime: Runtime[Context]) -> dict:
    reviews = {
        f.reviewer: REGISTRY[f.reviewer].schema.model_validate(f.output)
        for f in state.get("findings", [])
        if f.ok and f.output and f.reviewer in REGISTRY
    }
    verdict = dict(state.get("verdict") or {})
    typed = Verdict.model_validate(verdict["verdict"]) if verdict.get("ok") else None
    grounding = check_card(reviews, typed, state["paper"])
    if typed is not None and not typed.reasons:
        verdict = {"ok": False, "error": NO_REASON, "notes": verdict.get("notes", [])}
    elif typed is not None:
        verdict = {**verdict, "verdict": typed.model_dump(mode="json")}
    return {
        "verified": {name: review.model_dump(mode="json") for name, review in reviews.items()},
        "verdict": verdict,
        "grounding": {
            "line": grounding.line(),
            "checked": grounding.checked,
            "verified": grounding.verified,
            "removed": grounding.removed,
            "marked": grounding.marked,
            "details": grounding.details,
        },
    }
