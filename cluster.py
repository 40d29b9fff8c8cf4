"""Triage batches and deep reviews of a weekly run as Ray tasks, on a cluster (`ray_address`) or a local one;
the only module that imports ray.

A task is keyed by what it works on (the paper's version; a triage batch's papers and the topics) and the
settings that shape the answer: it works under a lock of that key in the shared cache (Redis at `cache_url`,
else this machine's diskcache) and keeps the result it returns there, so a task retried after a worker died,
or sent twice, finds the finished result and calls no model. The driver's weekly graph still checkpoints every
finished review: a killed driver resumes with the reviews it had.
Workers write cards into the output folder, which every worker must reach (one machine, or a shared file system).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .agents.triage import TriageResult
from .contract.usage import Usage
from .errors import BadInputError, one_line
from .llm import SPENT, llm_cache
from .settings import Settings
from .tools.sources.listing import Listing
from .tools.sources.topics import Topics

REVIEW_KEYS = "review:"  # the prefix of finished reviews in the cache
TRIAGE_KEYS = "triage:"  # and of finished triage batches


# Settings that say where or how fast a review runs, not what it says: left out of a task's key
NOT_SHAPING = {
    "openai_api_key", "smtp_password", "ray_address", "executor", "cache_dir", "cache_url", "weekly_concurrency",
    "batch_gather", "batch_poll", "max_llm_in_flight", "local_threads",
}  # fmt: skip


def task_key(work: object, settings: Settings, out_dir: Path) -> str:
    """(what the task works on, settings hash, output folder): what makes two tasks the same task. `work` is a
    listing (its paper version) or any JSON-able value (a triage batch's versions and topics)."""
    shaping = settings.model_dump(mode="json", exclude=NOT_SHAPING)
    subject = work.versioned_id if isinstance(work, Listing) else work
    payload = json.dumps([subject, shaping, str(out_dir.resolve())], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


_WORKER_CONTEXTS: dict[str, tuple] = {}  # per worker process: models load once, then serve every task


def _context(settings: Settings, out_dir: Path, cache_mode: str) -> tuple:
    from .weekly import review_graph, weekly_review_context

    key = json.dumps([settings.model_dump(mode="json"), str(out_dir), cache_mode], sort_keys=True, default=str)
    if key not in _WORKER_CONTEXTS:
        _WORKER_CONTEXTS[key] = (weekly_review_context(settings, out_dir, cache_mode), review_graph())
    return _WORKER_CONTEXTS[key]


def _once(settings: Settings, cache_mode: str, key: str, journal: str, work, keep) -> dict:
    """`work()`'s result, done once per key: a duplicate task waits on the key's lock, then finds the result
    kept in the shared cache where `keep(result)` held (a failure is not kept: a rerun tries again; with the
    cache off nothing is kept)."""
    store = None if cache_mode == "off" else llm_cache(settings)
    if store is None:
        with SPENT.journal(Path(journal)):
            return work()
    with store.lock(key):  # a duplicate of this task waits here, then finds the result
        done = store.get(key)
        if done is not None:
            return done
        with SPENT.journal(Path(journal)):  # every worker appends to the run's journal: the report counts it all
            result = work()
        if keep(result):
            store.set(key, result)
        return result


def review_task(listing: dict, settings: Settings, out_dir: str, cache_mode: str, journal: str, key: str) -> dict:
    """One paper's deep review in a worker: the finished entry if the cache holds one, else the review."""
    from .agents.weekly import review_entry

    def work() -> dict:
        context, graph = _context(settings, Path(out_dir), cache_mode)
        return review_entry(Listing.model_validate(listing), context, graph)

    return _once(settings, cache_mode, REVIEW_KEYS + key, journal, work, keep=lambda entry: entry["ok"])


def triage_task(
    batch: list[dict], topics: dict, settings: Settings, out_dir: str, cache_mode: str, journal: str, key: str
) -> dict:
    """One triage batch in a worker (the same retries for missing, tied and title-restating answers as at
    home): the finished result if the cache holds one, else the batch triaged with the worker's model."""
    from .agents.triage import triage

    def work() -> dict:
        context, _ = _context(settings, Path(out_dir), cache_mode)
        listings = [Listing.model_validate(item) for item in batch]
        result = triage(listings, Topics.model_validate(topics), context.model("triage"), batch_size=len(batch))
        return result.model_dump(mode="json")

    return _once(settings, cache_mode, TRIAGE_KEYS + key, journal, work, keep=lambda result: not result["failed"])


def _warm() -> int:
    """A worker's first task: import what a review needs (a cold worker takes seconds to)."""
    import os
    import time

    from . import weekly  # noqa: F401 -- the import is the point

    time.sleep(0.2)  # held a moment, so that every warm-up lands on a worker of its own
    return os.getpid()


@dataclass
class RayExecutor:
    """Runs each triage batch and each deep review as a Ray task and waits for its result (called from the
    weekly graph's threads)."""

    settings: Settings
    out_dir: Path
    cache_mode: str
    journal: Path
    topics: Topics
    workers: int = 2  # of a local cluster started here (on a cluster at `ray_address`, its own)
    _remote: dict = field(default_factory=dict, init=False, repr=False)
    _failed: type[Exception] = field(default=Exception, init=False, repr=False)  # Ray's error for a lost task

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
        self._failed = ray.exceptions.RayError
        for name, task in (("review", review_task), ("triage", triage_task)):
            self._remote[name] = ray.remote(num_cpus=1, max_retries=2, retry_exceptions=False)(task)
        # start the workers now, each importing the pipeline once, so the first tasks do not wait for them
        warm = ray.remote(num_cpus=1)(_warm)
        ray.get([warm.remote() for _ in range(self.workers if not address else 0)])

    def _run(self, name: str, label: str, *args) -> dict:
        import ray

        ref = self._remote[name].options(name=label).remote(*args)
        return ray.get(ref)

    def review(self, listing: Listing) -> dict:
        key = task_key(listing, self.settings, self.out_dir)
        try:
            return self._run("review", f"review {listing.versioned_id}", listing.model_dump(), self.settings,
                             str(self.out_dir), self.cache_mode, str(self.journal), key)  # fmt: skip
        except self._failed as exc:  # the task's worker died past its retries: reported like a failed review
            return {"arxiv_id": listing.arxiv_id, "ok": False, "error": f"Ray task failed: {one_line(exc)[:300]}"}

    def triage(self, batch: list[Listing]) -> TriageResult:
        topics = self.topics.model_dump(mode="json", by_alias=True)
        key = task_key([[p.versioned_id for p in batch], topics], self.settings, self.out_dir)
        try:
            result = self._run("triage", f"triage {batch[0].versioned_id}+{len(batch) - 1}",
                               [p.model_dump() for p in batch], topics, self.settings, str(self.out_dir),
                               self.cache_mode, str(self.journal), key)  # fmt: skip
        except self._failed as exc:  # as a failed batch at home: each paper failed, with the reason
            why = f"Ray task failed: {one_line(exc)[:300]}"
            return TriageResult(scores={}, failed={p.arxiv_id: why for p in batch}, usage=Usage())
        return TriageResult.model_validate(result)

    @staticmethod
    def shutdown() -> None:
        import ray

        if ray.is_initialized():
            ray.shutdown()
