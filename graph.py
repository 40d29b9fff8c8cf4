"""Builds and compiles the review graph; nothing else.

resolve -> fetch -> extract -> (Send) one node per reviewer -> (fan-in) write_verdict -> verify -> translate -> render
"""

from __future__ import annotations

import functools
import time

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy, Send

from .agents.base import questions, reviewer_node
from .agents.ingest import extract, fetch, resolve
from .agents.render import render
from .agents.translate import translate
from .agents.verdict import write_verdict
from .agents.verify import verify
from .contract.registry import get, reviewer_names, reviewers
from .errors import DeadlineError
from .state import Context, InputState, State
from .tools.extraction.digest import paper_text


def timed(node):
    """Record the node's wall time in state['timings'] (merged across parallel nodes by a reducer); a node that
    would start after the run's deadline ends the run instead."""

    @functools.wraps(node)
    def wrapper(state, runtime: Runtime[Context]):
        deadline, began = runtime.context.run_deadline, state.get("started_at")
        if deadline is not None and began is not None and time.time() - began > deadline:
            raise DeadlineError(
                f"the review ran past its {deadline:.0f} s deadline before {node.__name__} "
                "(REFEREE_RUN_DEADLINE sets the limit)"
            )
        start = time.perf_counter()
        update = node(state, runtime) or {}
        return {**update, "timings": {node.__name__: time.perf_counter() - start}}

    return wrapper


def route_reviewers(state: State, runtime: Runtime[Context]) -> list[Send]:
    """Fan out: one Send per reviewer, each with the paper text its layout gives it."""
    context = runtime.context
    paper = state["paper"]
    sends = []
    for name in state.get("reviewers") or reviewer_names():
        text = (
            state["paper_text"]
            if context.layout == "shared"
            else paper_text(paper, context.paper_token_budget, reviewer=get(name), queries=[questions(get(name))])
        )
        task = {"reviewer": name, "paper_text": text, "paper": paper, "started_at": state.get("started_at")}
        sends.append(Send(f"review_{name}", task))
    return sends


def _retryable(exc: Exception) -> bool:
    return bool(getattr(exc, "retryable", False))


def build() -> StateGraph:
    """The graph over the reviewers registered when it is built."""
    panel = reviewers()
    builder = StateGraph(State, context_schema=Context, input_schema=InputState)
    builder.add_node(timed(resolve))
    builder.add_node(timed(fetch), retry_policy=RetryPolicy(max_attempts=2, retry_on=_retryable))
    builder.add_node(timed(extract))
    for reviewer in panel:
        builder.add_node(timed(reviewer_node(reviewer)))
    builder.add_node(timed(write_verdict))
    builder.add_node(timed(verify))
    builder.add_node(timed(translate))
    builder.add_node(timed(render))
    builder.add_edge(START, "resolve")
    builder.add_edge("resolve", "fetch")
    builder.add_edge("fetch", "extract")
    builder.add_conditional_edges("extract", route_reviewers, [f"review_{r.name}" for r in panel])
    for reviewer in panel:
        builder.add_edge(f"review_{reviewer.name}", "write_verdict")
    builder.add_edge("write_verdict", "verify")
    builder.add_edge("verify", "translate")
    builder.add_edge("translate", "render")
    builder.add_edge("render", END)
    return builder


graph = build().compile(name="referee")
