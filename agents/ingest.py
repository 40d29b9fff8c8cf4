"""The first three nodes: resolve what the user typed, fetch the PDF, extract the paper's structure."""

from __future__ import annotations

import time

from langgraph.runtime import Runtime

from ..state import Context, State
from ..tools.extraction.digest import paper_text
from ..tools.sources import ingest
from ..tools.sources.arxiv import resolve as resolve_input


def resolve(state: State, runtime: Runtime[Context]) -> dict:
    return {"target": resolve_input(state["source"]), "started_at": time.time()}


def fetch(state: State, runtime: Runtime[Context]) -> dict:
    fetched = ingest.fetch(state["target"], runtime.context.settings)
    return {"fetched": fetched}


def extract(state: State, runtime: Runtime[Context]) -> dict:
    paper = ingest.extract(state["target"], state["fetched"], runtime.context.settings)
    return {
        "paper": paper,
        "paper_text": paper_text(paper, runtime.context.paper_token_budget),
        "fetched": None,
    }
