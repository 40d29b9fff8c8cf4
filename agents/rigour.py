"""The rigour checklist of one paper: the text's detectors (tools/extraction/rigour.py) and the checks the panel
answers by pointing: a result the experiments reviewer pointed at in a table, and a baseline cell beside it."""

from __future__ import annotations

from ..contract.findings import NOT_CLAIMS, Finding
from ..contract.rigour import ITEMS, CheckItem, Checklist, Pointer
from ..paper import Paper
from ..tools.extraction.rigour import experimental, item, text_checks


def checklist(paper: Paper, findings: list[Finding]) -> Checklist:
    """Every item of the fixed list, in its order."""
    checks = text_checks(paper) | panel_checks(paper, findings)
    return Checklist(items=[checks[key] for key, _ in ITEMS])


def panel_checks(paper: Paper, findings: list[Finding]) -> dict[str, CheckItem]:
    """Results and baselines: yes where the experiments reviewer's result rows resolved to the paper's cells (code
    copied them); no where the paper has tables and no row resolved; not applicable without experiments."""
    experiments = next((f for f in findings if f.reviewer == "experiments"), None)
    why = (
        "the paper reports no experiments"
        if not experimental(paper)
        else "the experiments reviewer produced no findings"
        if experiments is None or not experiments.ok
        else "no table of results was found, so no result could be pointed at"
        if not paper.tables
        else None
    )
    if why is not None:
        return {key: item(key, "not applicable", "panel", note=why) for key in ("results", "baselines")}
    rows = [r for r in (experiments.output or {}).get("results") or [] if isinstance(r, dict) and r.get("cell")]
    ours = [_ours(r) for r in rows][:2]
    compared = [r for r in rows if str(r.get("baseline_value") or "").strip().lower() not in NOT_CLAIMS]
    theirs = [_ours(r) for r in compared[:1]] + [_theirs(r) for r in compared[:1]]
    none = "the panel pointed at no {} in the paper's tables"
    return {
        "results": item("results", "yes", "panel", ours) if ours else item(
            "results", "no", "panel", note=none.format("result cell")),
        "baselines": item("baselines", "yes", "panel", theirs) if theirs else item(
            "baselines", "no", "panel", note=none.format("baseline cell beside a result")),
    }  # fmt: skip


def _ours(row: dict) -> Pointer:
    where = " \u00b7 ".join(str(x) for x in (row.get("metric"), row.get("method"), row.get("dataset")) if x)
    return Pointer(id=str(row["cell"]), text=f"{row.get('this_paper')} ({where})", page=row.get("page"))


def _theirs(row: dict) -> Pointer:
    text = f"{row.get('baseline_value')} ({row.get('best_baseline')}, {row.get('metric')})"
    return Pointer(id=str(row.get("baseline_cell")), text=text, page=row.get("page"))
