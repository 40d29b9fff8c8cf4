"""Verify: after the verdict, every model-written field on the card is checked against the paper by its kind."""

from __future__ import annotations

from langgraph.runtime import Runtime

from ..contract.registry import REGISTRY
from ..contract.verdict import VerdictOutcome
from ..state import Context, State
from ..tools.grounding.verify import check_card

NO_REASON = "not assessed: none of the verdict's reasons survived the checks against the paper"


def verify(state: State, runtime: Runtime[Context]) -> dict:
    reviews = {
        f.reviewer: REGISTRY[f.reviewer].schema.model_validate(f.output)
        for f in state.get("findings", [])
        if f.ok and f.output and f.reviewer in REGISTRY
    }
    outcome = state.get("verdict") or VerdictOutcome(error="the verdict did not run")
    verdict = outcome.verdict.model_copy(deep=True) if outcome.verdict else None
    context = runtime.context
    grounding = check_card(reviews, verdict, state["paper"], context.ledger, context.settings.language)
    if verdict is not None and not verdict.reasons:
        outcome = VerdictOutcome(error=NO_REASON, notes=outcome.notes, checklist=outcome.checklist)
    elif verdict is not None:
        outcome = VerdictOutcome(verdict=verdict, notes=outcome.notes, checklist=outcome.checklist)
    return {"verified": reviews, "verdict": outcome, "grounding": grounding}
