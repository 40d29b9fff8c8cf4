"""Triage (weekly report, stage 2): abstracts scored in batches by the cheap model role.

A batch answer that misses or garbles a paper is retried for that paper alone; a paper that still has no
valid score is returned as failed with the reason, never dropped silently.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from langchain_core.messages import HumanMessage
from langchain_core.runnables.config import ContextThreadPoolExecutor
from pydantic import BaseModel, Field

from ..contract.usage import Usage
from ..contract.verdict import TriageScore
from ..errors import RefereeError, one_line
from ..prompts import load_prompt
from ..tools.grounding.provenance import content_words
from ..tools.sources.listing import Listing
from ..tools.sources.topics import Topics
from .base import fill

ABSTRACT_CHARS = 700  # the start of an abstract decides triage; keeps a paper under ~300 tokens on average


class TriageBatch(BaseModel):
    scores: list[TriageScore] = Field(default_factory=list)


class TriageResult(BaseModel):
    scores: dict[str, TriageScore]
    failed: dict[str, str]  # arxiv id -> why it has no score
    usage: Usage


def _topics_text(topics: Topics) -> str:
    if not topics.topics:
        return "- any: anything in machine learning (no topics configured)"
    return "\n".join(
        f"- {t.id}: {t.name}. Keep: {t.keep or 'anything on it'}. Filter: {t.filter or 'nothing'}."
        for t in topics.topics
    )


def _papers_text(batch: list[Listing]) -> str:
    return "\n\n".join(f"[{p.arxiv_id}] {p.title}\n{p.abstract[:ABSTRACT_CHARS]}" for p in batch)


def _mixed_up(score: TriageScore, batch: dict[str, Listing]) -> bool:
    """A reason that fits another paper of the batch clearly better than its own (small models swap them):
    the score is not trusted, and the paper is asked about alone."""
    said = content_words(score.reason)

    def fit(p: Listing) -> int:
        return len(said & content_words(f"{p.title} {p.abstract[:ABSTRACT_CHARS]}"))

    own = fit(batch[score.arxiv_id])
    return any(fit(p) >= own + 2 for i, p in batch.items() if i != score.arxiv_id)


def _known_topics(score: TriageScore, topics: Topics) -> TriageScore:
    """Topics the registry does not have (small models invent some) become "none"."""
    known = {t.id for t in topics.topics}
    if not known:
        return score
    matched = [t for t in score.matched_topics if t in known]
    primary = score.primary_topic if score.primary_topic in known else (matched[0] if matched else "none")
    return score.model_copy(update={"primary_topic": primary, "matched_topics": matched})


def triage(
    listings: list[Listing],
    topics: Topics,
    llm,
    batch_size: int = 8,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> TriageResult:
    """Scores for every paper, `workers` batches at a time; `progress` hears how many papers are done."""
    lock = threading.Lock()
    usage = Usage()
    scores: dict[str, TriageScore] = {}
    failed: dict[str, str] = {}
    done = 0

    def ask(batch: list[Listing]) -> None:
        nonlocal usage
        prompt = fill(load_prompt("triage"), topics=_topics_text(topics), papers=_papers_text(batch))
        try:
            answer, spent = llm.invoke(TriageBatch, [HumanMessage(prompt)], node="triage")
        except RefereeError as exc:
            with lock:
                usage = usage + (getattr(exc, "usage", None) or Usage())  # failed tries cost what they cost
                for paper in batch:
                    failed[paper.arxiv_id] = one_line(exc)[:300]
            return
        wanted = {p.arxiv_id: p for p in batch}
        with lock:
            usage = usage + spent
            for score in answer.scores:
                if score.arxiv_id in wanted and (len(batch) == 1 or not _mixed_up(score, wanted)):
                    scores[score.arxiv_id] = _known_topics(score, topics)
                    failed.pop(score.arxiv_id, None)

    def one_batch(batch: list[Listing]) -> None:
        nonlocal done
        ask(batch)
        for paper in batch:  # missing from the batch answer: one more try alone
            if paper.arxiv_id not in scores:
                ask([paper])
                with lock:
                    if paper.arxiv_id not in scores:
                        failed.setdefault(paper.arxiv_id, "the model returned no valid score for it")
        with lock:
            done += len(batch)
            if progress is not None:
                progress(done)

    batches = [listings[i : i + batch_size] for i in range(0, len(listings), batch_size)]
    # the context-copying pool: batches run inside the graph node's context (its stream writer, its config)
    with ContextThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(one_batch, batches))  # list(): an exception in a batch surfaces here
    return TriageResult(scores=scores, failed=failed, usage=usage)
