"""Verify: after the verdict, every quote, number and dataset name is checked against the paper."""

from __future__ import annotations

import copy

from langgraph.runtime import Runtime

from ..state import Context, State
from ..tools.verify import verify_findings


def verify(state: State, runtime: Runtime[Context]) -> dict:
    outputs = {f.reviewer: copy.deepcopy(f.output) for f in state.get("findings", []) if f.ok and f.output}
    verdict = copy.deepcopy(state.get("verdict") or {})
    inner = verdict.get("verdict") if verdict.get("ok") else None
    grounding = verify_findings(outputs, inner, state["paper"])
    return {
        "verified": outputs,
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
