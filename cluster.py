"""Deep reviews of a weekly run as Ray tasks, on a cluster (`ray_address`) or a local one; the only module that
imports ray.

A task is keyed by the paper's version and the settings that shape a review: it reviews under a lock of that key
in the shared cache (Redis at `cache_url`, else this machine's diskcache) and keeps the entry it returns there,
so a task retried after a worker died, or sent twice, finds the finished review and calls no model. The driver's
weekly graph still checkpoints every finished review: a killed driver resumes with the reviews it had.
Workers write cards into the output folder, which every worker must reach (one machine, or a shared file system).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadInputError, one_line
from .llm import SPENT, llm_cache
from .settings import Settings
from .tools.sources.listing import Listing

REVIEW_KEYS = "review:"  # the prefix of finished reviews in the cache


# Settings that say where or how fast a review runs, not what it says: left out of a task's key
NOT_SHAPING = {
    "openai_api_key", "smtp_password", "ray_address", "executor", "cache_dir", "cache_url", "weekly_concurrency",
    "batch_gather", "batch_poll", "max_llm_in_flight", "local_threads",
}  # fmt: skip


def task_key(listing: Listing, settings: Settings, out_dir: Path) -> str:
    """(paper version, settings hash, output folder): what makes two review tasks the same task."""
    shaping = settings.model_dump(mode="json", exclude=NOT_SHAPING)
    payload = json.dumps([listing.versioned_id, shaping, str(out_dir.resolve())], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


_WORKER_CONTEXTS: dict[str, tuple] = {}  # per worker process: models load once, then serve every task


def _context(settings: Settings, out_dir: Path, cache_mode: str) -> tuple:
    from .weekly import review_graph, weekly_review_context

    key = json.dumps([settings.model_dump(mode="json"), str(out_dir), cache_mode], sort_keys=True, default=str)
    if key not in _WORKER_CONTEXTS:
        _WORKER_CONTEXTS[key] = (weekly_review_context(settings, out_dir, cache_mode), review_graph())
    return _WORKER_CONTEXTS[key]


def review_task(listing: dict, settings: Settings, out_dir: str, cache_mode: str, journal: str, key: str) -> dict:
    """One paper's deep review in a worker: the finished entry if the cache holds one, else the review."""
    from .agents.weekly import review_entry

    store = None if cache_mode == "off" else llm_cache(settings)
    if store is None:
        context, graph = _context(settings, Path(out_dir), cache_mode)
        with SPENT.journal(Path(journal)):
            return review_entry(Listing.model_validate(listing), context, graph)
    with store.lock(key):  # a duplicate of this task waits here, then finds the entry
        done = store.get(REVIEW_KEYS + key)
        if done is not None:
            return done
        context, graph = _context(settings, Path(out_dir), cache_mode)
        with SPENT.journal(Path(journal)):  # every worker appends to the run's journal: the report counts it all
            entry = review_entry(Listing.model_validate(listing), context, graph)
        if entry["ok"]:
            store.set(REVIEW_KEYS + key, entry)
        return entry


def _warm() -> int:
    """A worker's first task: import what a review needs (a cold worker takes seconds to)."""
    import os
    import time

    from . import weekly  # noqa: F401 -- the import is the point

    time.sleep(0.2)  # held a moment, so that every warm-up lands on a worker of its own
    return os.getpid()


@dataclass
class RayReviews:
    """Runs each deep review as a Ray task and waits for its entry (called from the weekly graph's threads)."""

    settings: Settings
    out_dir: Path
    cache_mode: str
    journal: Path
    workers: int = 2  # of a local cluster started here (on a cluster at `ray_address`, its own)
    _remote: object = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            import ray
        except ImportError:
            raise BadInputError("--executor ray: Ray is not installed: pip install 'referee[ray]'") from None
        address = self.settings.ray_address
        try:
            if not ray.is_initialized():
                options = {} if address else {"num_cpus": self.workers}
                ray.init(address=address, include_dashboard=False, log_to_driver=False, **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise BadInputError(f"--ray-address {address}: no Ray cluster there ({one_line(exc)})") from None
        self._remote = ray.remote(num_cpus=1, max_retries=2, retry_exceptions=False)(review_task)
        # start the workers now, each importing the pipeline once, so the first reviews do not wait for them
        warm = ray.remote(num_cpus=1)(_warm)
        ray.get([warm.remote() for _ in range(self.workers if not address else 0)])

    def __call__(self, listing: Listing) -> dict:
        import ray

        key = task_key(listing, self.settings, self.out_dir)
        ref = self._remote.options(name=f"review {listing.versioned_id}").remote(
            listing.model_dump(), self.settings, str(self.out_dir), self.cache_mode, str(self.journal), key
        )
        try:
            return ray.get(ref)
        except ray.exceptions.RayError as exc:  # the task's worker died past its retries: reported like a failure
            return {"arxiv_id": listing.arxiv_id, "ok": False, "error": f"Ray task failed: {one_line(exc)[:300]}"}

    @staticmethod
    def shutdown() -> None:
        import ray

        if ray.is_initialized():
            ray.shutdown()
