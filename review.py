"""Setting up one review run: the models per role and the defaults that depend on the backend."""

from __future__ import annotations

from pathlib import Path

from .llm import OFFLINE_RUN_DEADLINE, RUN_DEADLINE, choice, models_for_roles
from .settings import Settings
from .state import Context
from .tools.render import check_output_root

HOSTED_BUDGET = 4000
OFFLINE_BUDGET = 2500  # on 2 cores the offline model reads ~65 prompt tokens/s; generation slows with context


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
    budget = settings.paper_token_budget or (OFFLINE_BUDGET if local else HOSTED_BUDGET)
    check = settings.consistency_llm_check if settings.consistency_llm_check is not None else not local
    models, names = models_for_roles(settings, ("triage", "reviewer", "verdict"), cache_mode, n_ctx=budget + 4096)
    return Context(
        models=models,
        model_names=names,
        settings=settings,
        out_dir=out_dir,
        formats=formats,
        layout=layout,
        paper_token_budget=budget,
        consistency_llm_check=check,
        run_deadline=settings.run_deadline or (OFFLINE_RUN_DEADLINE if local else RUN_DEADLINE),
    )
