"""The last node: assemble the card and write card.md, card.html, card.json and run.json."""

from __future__ import annotations

import platform
from importlib import metadata

from langgraph.runtime import Runtime

from .. import __version__
from ..card import assemble
from ..contract.card import Coverage
from ..contract.registry import reviewer_names
from ..contract.usage import Usage
from ..state import Context, State
from ..tools.extraction.digest import coverage
from ..tools.publishing.calibration import Logged, record
from ..tools.publishing.render import write_card
from ..tools.publishing.versions import changes, earlier_card


def _versions() -> dict[str, str]:
    found = {"referee": __version__, "python": platform.python_version()}
    for dist in ("langgraph", "langchain-core", "langchain-openai", "pymupdf"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return found


def _name(model) -> str:
    """The model a StructuredLLM wraps, by the name it was given; else its type's."""
    return getattr(model, "model", None) or type(model).__name__


def run_record(state: State, context: Context, covered: Coverage | None = None) -> dict:
    """What run.json keeps: inputs, versions, model per node, timings, token counts and coverage (`covered`,
    or worked out from the state)."""
    nodes: dict[str, dict] = {}
    total = Usage()
    for finding in state.get("findings", []):
        nodes[f"review_{finding.reviewer}"] = {
            "model": context.model_names.get("reviewer", _name(context.model("reviewer"))),
            "ok": finding.ok,
            **finding.usage.model_dump(),
        }
        total = total + finding.usage
    verdict_usage = state.get("verdict_usage") or Usage()
    nodes["write_verdict"] = {
        "model": context.model_names.get("verdict", _name(context.model("verdict"))),
        **verdict_usage.model_dump(),
    }
    total = total + verdict_usage
    if (translation := state.get("translation")) is not None:
        model = context.model_names.get("reviewer", _name(context.model("reviewer")))
        nodes["translate"] = {"model": model, **translation.usage.model_dump()}
        total = total + translation.usage
    for name, seconds in state.get("timings", {}).items():
        nodes.setdefault(name, {})["wall_seconds"] = round(seconds, 3)
    paper = state["paper"]
    return {
        "inputs": {
            "source": state["source"],
            "reviewers": state.get("reviewers") or list(reviewer_names()),
            "layout": context.layout,
            "paper_token_budget": context.paper_token_budget,  # the coverage below says what it held
        },
        "paper": {"source": paper.source, "pages": paper.pages, "title": paper.title},
        "versions": _versions(),
        "nodes": nodes,
        "total": total.model_dump(),
        "grounding": grounding.model_dump(mode="json") if (grounding := state.get("grounding")) else None,
        "coverage": (covered or coverage(paper, state["paper_text"])).model_dump(),
    }


def render(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    covered = coverage(state["paper"], state["paper_text"])
    card = assemble(
        state["paper"],
        state.get("findings", []),
        state.get("verdict"),
        state.get("reviewers"),
        verified=state.get("verified"),
        grounding=state.get("grounding"),
        coverage=covered,
    )
    if (translation := state.get("translation")) is not None:  # the model wrote English where asked otherwise
        card.checks.append(translation.line())
    if (earlier := earlier_card(context.out_dir, card)) is not None:  # a new version of a paper reviewed before
        card.changes = changes(earlier[0], earlier[1], card)
    run = run_record(state, context, covered)
    folder = write_card(card, context.out_dir, run, context.formats)
    if card.verdict is not None:  # the calibration log keeps every verdict
        model = run["nodes"]["write_verdict"]["model"]
        paper = card.header.arxiv_id or card.header.source
        logged = Logged(paper, card.header.version, model, card.verdict.score, card.verdict.label,
                        card.created_at[:10], card.created_at)  # fmt: skip
        record(context.settings.cache_dir, logged)
    return {"card": card, "card_dir": str(folder), "run": run}
