"""Builds the weekly graph and runs it durably: a SQLite checkpointer keeps every finished stage and deep review.

gather -> filter -> triage -> (Send) deep_review for each top paper -> report

A run is identified by its request (categories, dates, feed or ids, top K, topics); the same request resumes
where a killed run stopped. A file lock keeps two processes off one run; different runs share the cache and
the checkpoint database safely (diskcache and SQLite both lock).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from .agents.weekly import (
    WeeklyContext,
    WeeklyRequest,
    WeeklyState,
    deep_review,
    filter_papers,
    gather,
    report,
    request_id,
    route_reviews,
    spend_journal,
    triage_papers,
)
from .errors import BadInputError
from .graph import build as build_review_graph
from .llm import SPENT
from .review import review_context
from .settings import Settings
from .state import Context, Usage
from .tools.sources.topics import Topics

BATCH_TRIAGE_WORKERS = 256  # triage calls at once under --batch (each a batch line, not a connection)


def _retryable(exc: Exception) -> bool:
    return bool(getattr(exc, "retryable", False))


def build() -> StateGraph:
    builder = StateGraph(WeeklyState, context_schema=WeeklyContext)
    builder.add_node(gather, retry_policy=RetryPolicy(max_attempts=2, retry_on=_retryable))
    builder.add_node("filter", filter_papers)
    builder.add_node("triage", triage_papers)
    builder.add_node(deep_review)
    builder.add_node(report)
    builder.add_edge(START, "gather")
    builder.add_edge("gather", "filter")
    builder.add_edge("filter", "triage")
    builder.add_conditional_edges("triage", route_reviews, ["deep_review", "report"])
    builder.add_edge("deep_review", "report")
    builder.add_edge("report", END)
    return builder


def review_graph():
    """The review graph for use inside a weekly run: no checkpointer of its own (the LLM cache covers it)."""
    return build_review_graph().compile(checkpointer=False, name="referee")


def weekly_review_context(settings: Settings, out_dir: Path, cache_mode: str) -> Context:
    """The deep reviews' context in a weekly run (in the driver, and in each Ray worker)."""
    return review_context(settings, out_dir=out_dir, formats=("md", "html", "json"), layout="shared",
                          cache_mode=cache_mode)  # fmt: skip


def weekly_context(settings: Settings, out_dir: Path, cache_mode: str, topics: Topics) -> WeeklyContext:
    review = weekly_review_context(settings, out_dir, cache_mode)
    return WeeklyContext(review=review, settings=settings, topics=topics, review_graph=review_graph(),
                         cache_mode=cache_mode)  # fmt: skip


@dataclass
class WeeklyOutcome:
    folder: Path
    state: dict
    status: str  # "new", "resumed" or "complete" (the report was rendered again from saved state)
    spent: dict[str, Usage] = field(default_factory=dict)  # by stage, this process only


def _spent_since(before: dict[str, Usage]) -> dict[str, Usage]:
    now = SPENT.snapshot()
    return {stage: used - before.get(stage, Usage()) for stage, used in now.items()}


def run_weekly(
    request: WeeklyRequest,
    context: WeeklyContext,
    *,
    concurrency: int = 4,
    fresh: bool = False,
    on_event: Callable[[str, object], None] | None = None,
) -> WeeklyOutcome:
    state_dir = context.review.out_dir / "weekly" / ".state"
    state_dir.mkdir(parents=True, exist_ok=True)
    thread = request_id(request)
    lock = FileLock(state_dir / f"{thread}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise BadInputError(
            f"another weekly run with these arguments is in progress (lock {state_dir / (thread + '.lock')})"
        ) from None
    before = SPENT.snapshot()
    executor = None
    conn = sqlite3.connect(state_dir / "checkpoints.sqlite", check_same_thread=False, timeout=60)
    try:
        saver = SqliteSaver(conn)
        app = build().compile(checkpointer=saver, name="referee-weekly")
        # LangGraph's max_concurrency sizes one thread pool for the tasks *and* the checkpoint writes: were the
        # pool only as large as the paper limit, the writes of finished reviews would queue behind waiting
        # reviews, and a kill would lose them. So the paper limit is a semaphore in the deep-review node, and
        # the pool has room for every review task plus the writes.
        # with --batch every call waits for its batch anyway: all triage batches and all reviews go at once
        at_once = max(1, request.top if context.settings.batch else concurrency)
        context.review_slots = threading.BoundedSemaphore(at_once)
        context.triage_workers = BATCH_TRIAGE_WORKERS if context.settings.batch else max(1, concurrency)
        config = {"configurable": {"thread_id": thread}, "max_concurrency": request.top + max(1, concurrency) + 4}
        journal = spend_journal(context.review.out_dir, thread)
        if fresh:
            saver.delete_thread(thread)
            journal.unlink(missing_ok=True)
        if context.settings.executor == "ray":
            from .cluster import RayExecutor

            executor = RayExecutor(context.settings, context.review.out_dir, context.cache_mode, journal,
                                   context.topics, workers=max(1, concurrency))  # fmt: skip
            context.run_review, context.run_triage = executor.review, executor.triage
        snapshot = app.get_state(config)
        if snapshot.next:
            inputs, status = None, "resumed"
        elif snapshot.values.get("report"):
            # finished before: render the report again from what was saved, spending nothing
            app.update_state(config, {"reviews": []}, as_node="deep_review")
            inputs, status = None, "complete"
        else:
            inputs, status = {"request": request.model_dump()}, "new"
        with SPENT.journal(journal):
            for mode, chunk in app.stream(
                inputs, config, context=context, stream_mode=["updates", "custom"], durability="sync"
            ):
                if on_event is not None:
                    on_event(mode, chunk)
        final = app.get_state(config).values
    finally:
        if executor is not None:
            executor.shutdown()  # the local Ray cluster this run started, if any
        conn.close()
        lock.release()
    outcome = WeeklyOutcome(
        folder=Path(final["report"]["folder"]), state=final, status=status, spent=_spent_since(before)
    )
    # what each run of this report spent (the report itself counts the work, whichever run did it)
    line = {"run_id": thread, "status": status, "spent": {k: u.model_dump() for k, u in outcome.spent.items()}}
    with (outcome.folder / "runs.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")
    return outcome
