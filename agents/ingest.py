"""The first three nodes: resolve what the user typed, fetch the PDF, extract the paper's structure."""

from __future__ import annotations

import time

from langgraph.runtime import Runtime

from ..contract.registry import get, reviewer_names
from ..state import Context, State
from ..tools.extraction.digest import paper_text
from ..tools.sources import ingest
from ..tools.sources.arxiv import resolve as resolve_input
from .base import questions


def resolve(state: State, runtime: Runtime[Context]) -> dict:
    return {"target": resolve_input(state["source"]), "started_at": time.time()}


def fetch(state: State, runtime: Runtime[Context]) -> dict:
    fetched = ingest.fetch(state["target"], runtime.context.settings)
    return {"fetched": fetched}


def extract(state: State, runtime: Runtime[Context]) -> dict:
    """The paper, and the text every reviewer of this run shares: where the paper does not fit the budget,
    each section's opening and the sentences their questions concern."""
    paper = ingest.extract(state["target"], state["fetched"], runtime.context.settings)
    asked = [questions(get(name)) for name in state.get("reviewers") or reviewer_names()]
    return {
        "paper": paper,
        "paper_text": paper_text(paper, runtime.context.paper_token_budget, queries=asked),
        "fetched": None,
    }
