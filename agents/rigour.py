"""The rigour checklist of one paper: the text's detectors answer every item (tools/extraction/rigour.py), and the
cells the experiments reviewer pointed at in the paper's tables (copied there by code) are added to the evidence of
the results and baselines checks. A baseline cell the panel pointed at answers yes where no sentence said so; the
panel never turns an answer to no, so the checklist does not move from run to run with the panel's wording."""

from __future__ import annotations

from ..contract.findings import NOT_CLAIMS, Finding
from ..contract.rigour import ITEMS, CheckItem, Checklist, Pointer
from ..paper import Paper
from ..tools.extraction.rigour import item, text_checks


def checklist(paper: Paper, findings: list[Finding]) -> Checklist:
    """Every item of the fixed list, in its order."""
    checks = text_checks(paper)
    checks |= panel_evidence(checks, findings)
    return Checklist(items=[checks[key] for key, _ in ITEMS])


def panel_evidence(checks: dict[str, CheckItem], findings: list[Finding]) -> dict[str, CheckItem]:
    """The results and baselines checks with the experiments reviewer's resolved cells first in their evidence."""
    experiments = next((f for f in findings if f.reviewer == "experiments" and f.ok), None)
    rows = [r for r in ((experiments.output or {}).get("results") or []) if isinstance(r, dict) and r.get("cell")] if (
        experiments) else []  # fmt: skip
    compared = [r for r in rows if str(r.get("baseline_value") or "").strip().lower() not in NOT_CLAIMS]
    pointed = {
        "results": [_ours(r) for r in rows][:2],
        "baselines": [_ours(r) for r in compared[:1]] + [_theirs(r) for r in compared[:1]],
    }
    out = {}
    for key, cells in pointed.items():
        now = checks[key]
        if cells and now.answer != "not applicable":
            unique = list({pointer.id: pointer for pointer in reversed(cells + now.evidence)}.values())[::-1]
            out[key] = item(key, "yes", "panel", unique[:3])
    return out


def _ours(row: dict) -> Pointer:
    where = " \u00b7 ".join(str(x) for x in (row.get("metric"), row.get("method"), row.get("dataset")) if x)
    return Pointer(id=str(row["cell"]), text=f"{row.get('this_paper')} ({where})", page=row.get("page"))


def _theirs(row: dict) -> Pointer:
    text = f"{row.get('baseline_value')} ({row.get('best_baseline')}, {row.get('metric')})"
    return Pointer(id=str(row.get("baseline_cell")), text=text, page=row.get("page"))
