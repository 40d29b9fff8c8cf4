"""One review run: the models per role, the defaults that depend on the backend, and the entry point that
streams the graph for a paper and hands back its card (the CLI prints; it knows no node or state key)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .contract.card import Card
from .llm import OFFLINE_RUN_DEADLINE, RUN_DEADLINE, choice, context_window, models_for_roles
from .paper import Paper
from .settings import Settings
from .state import Context
from .tools.grounding.ledger import SentenceLedger
from .tools.publishing.render import check_output_root
from .tools.sources.arxiv import resolve

OFFLINE_BUDGET = 2500  # on 2 cores the offline model reads ~38 prompt tokens/s; generation slows with context
PROMPT_RESERVE = 3000  # of a context window: the rules, a reviewer's task, a retry's note, the digest's headings


def review_context(
    settings: Settings,
    *,
    out_dir: Path,
    formats: tuple[str, ...],
    layout: str,
    cache_mode: str,
) -> Context:
    """A graph context for `settings`: hosted or served models get a larger paper budget and the LLM
    consistency check; the in-process offline default a smaller budget and rules only (unless configured)."""
    check_output_root(out_dir)
    local = choice("reviewer", settings).backend == "local"
    budget = reviewer_budget(settings)
    check = settings.consistency_llm_check if settings.consistency_llm_check is not None else not local
    n_ctx = min(budget + 4096, context_window(settings)) if settings.read == "all" else budget + 4096
    models, names = models_for_roles(settings, ("triage", "reviewer", "verdict"), cache_mode, n_ctx=n_ctx)
    return Context(
        models=models,
        model_names=names,
        settings=settings,
        out_dir=out_dir,
        formats=formats,
        layout=layout,
        paper_token_budget=budget,
        consistency_llm_check=check,
        # a batch may take its API's whole window: no deadline unless one is set
        run_deadline=settings.run_deadline
        or (None if settings.batch else OFFLINE_RUN_DEADLINE if local else RUN_DEADLINE),
        ledger=None if cache_mode == "off" else SentenceLedger(settings.cache_dir),
    )


def reviewer_budget(settings: Settings) -> int:
    """Paper tokens each reviewer reads: as set, else OFFLINE_BUDGET in-process (all the window holds with
    `read` "all"), else what the window holds."""
    if settings.paper_token_budget:
        return settings.paper_token_budget
    local = choice("reviewer", settings).backend == "local"
    return OFFLINE_BUDGET if local and settings.read != "all" else paper_budget(settings)


def paper_budget(settings: Settings) -> int:
    """Paper tokens a hosted or served reviewer reads: its context window less the prompt and the answer
    (a 128k model reads a whole paper, appendix included; an unknown server's 8k model about 4,000 tokens)."""
    return max(1000, context_window(settings) - settings.max_output_tokens - PROMPT_RESERVE)


@dataclass(frozen=True)
class Step:
    """One finished step of a review, as a progress display shows it."""

    node: str
    seconds: float  # since the review began
    failed: str | None = None  # why a reviewer gave no findings
    paper: Paper | None = None  # once the paper is extracted
    next: str | None = None  # what the run does now, in words


@dataclass(frozen=True)
class Reviewed:
    card: Card
    folder: Path  # the card's folder
    run: dict[str, Any]  # what run.json records


def _step(node: str, values: dict, started: float) -> Step:
    seconds = time.perf_counter() - started
    if node.startswith("review_"):
        finding = values["findings"][0]
        return Step(node, seconds, failed=None if finding.ok else finding.error or "no answer")
    if node == "extract":
        return Step(node, seconds, paper=values["paper"], next="reviewers at work...")
    if node == "write_verdict":
        return Step(node, seconds, next="writing the card...")
    return Step(node, seconds)


def review_paper(
    source: str,
    settings: Settings,
    *,
    out_dir: Path,
    formats: tuple[str, ...],
    layout: str,
    cache_mode: str,
    reviewers: list[str] | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> Reviewed:
    """Review one paper (arXiv id, URL or PDF path) and write its card; `on_step` hears of each finished step.
    A bad id or path fails before any model is set up."""
    from .graph import graph

    resolve(source)
    context = review_context(settings, out_dir=out_dir, formats=formats, layout=layout, cache_mode=cache_mode)
    final: dict = {}
    started = time.perf_counter()
    for update in graph.stream({"source": source, "reviewers": reviewers}, context=context, stream_mode="updates"):
        for node, values in update.items():
            if isinstance(values, dict):
                final.update(values)
                if on_step is not None:
                    on_step(_step(node, values, started))
    return Reviewed(card=final["card"], folder=Path(final["card_dir"]), run=final["run"])
