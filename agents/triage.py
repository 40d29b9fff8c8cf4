"""Triage (weekly report, stage 2): abstracts scored in batches by the cheap model role.

A batch answer that misses or garbles a paper is retried for that paper alone; a paper that still has no
valid score is returned as failed with the reason, never dropped silently. A batch whose papers all got the
same scores is asked once more, told so; a reason that restates the paper's title is asked for again with the
paper alone, and left empty if it restates the title again (filler is no reason).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
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


TIED = (
    "You gave every paper the same relevance and novelty. Scores must tell these papers apart: score each again "
    "on its own abstract, using the whole scale."
)
RESTATED = (
    "Your reason restates the paper's title. Answer again with a reason that names what in the abstract decided "
    "the scores (a method, a result, a setting), not the title."
)
TIE_BATCH = 3  # a batch this large whose papers all score the same is a tie, not a judgement


def _tied(scores: list[TriageScore]) -> bool:
    return len(scores) >= TIE_BATCH and len({(s.relevance, s.novelty) for s in scores}) == 1


def restates_title(reason: str, title: str) -> bool:
    """True when a reason says nothing its paper's title does not ("The paper discusses <title>")."""
    return len(content_words(reason) - content_words(title)) <= 1


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
    run_batch: Callable[[list[Listing]], TriageResult] | None = None,
) -> TriageResult:
    """Scores for every paper, `workers` batches at a time; `progress` hears how many papers are done.
    `run_batch` triages one batch elsewhere (a Ray task running this function on it) instead of here."""
    lock = threading.Lock()
    usage = Usage()
    scores: dict[str, TriageScore] = {}
    failed: dict[str, str] = {}
    done = 0

    def ask(batch: list[Listing], problem: str | None = None) -> None:
        """Score `batch`; with `problem`, the previous answer on it is shown to the model with what is wrong."""
        nonlocal usage
        prompt = fill(load_prompt("triage"), topics=_topics_text(topics), papers=_papers_text(batch))
        messages: list[BaseMessage] = [HumanMessage(prompt)]
        if problem is not None:
            with lock:
                before = TriageBatch(scores=[scores[p.arxiv_id] for p in batch if p.arxiv_id in scores])
            messages += [AIMessage(before.model_dump_json()), HumanMessage(problem)]
        try:
            answer, spent = llm.invoke(TriageBatch, messages, node="triage")
        except RefereeError as exc:
            with lock:
                usage = usage + (getattr(exc, "usage", None) or Usage())  # failed tries cost what they cost
                for paper in batch:
                    if paper.arxiv_id not in scores:  # a retry that fails keeps the first answer
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
        nonlocal done, usage
        if run_batch is not None:
            result = run_batch(batch)
            with lock:
                scores.update(result.scores)
                failed.update(result.failed)
                usage = usage + result.usage
                done += len(batch)
                if progress is not None:
                    progress(done)
            return
        ask(batch)
        with lock:
            tied = _tied([scores[p.arxiv_id] for p in batch if p.arxiv_id in scores])
        if tied:
            ask(batch, TIED)
        for paper in batch:  # missing from the batch answer: one more try alone
            if paper.arxiv_id not in scores:
                ask([paper])
                with lock:
                    if paper.arxiv_id not in scores:
                        failed.setdefault(paper.arxiv_id, "the model returned no valid score for it")
        for paper in batch:
            score = scores.get(paper.arxiv_id)
            if score is not None and score.reason and restates_title(score.reason, paper.title):
                ask([paper], RESTATED)
                with lock:
                    again = scores[paper.arxiv_id]
                    if restates_title(again.reason, paper.title):
                        scores[paper.arxiv_id] = again.model_copy(update={"reason": ""})
        with lock:
            done += len(batch)
            if progress is not None:
                progress(done)

    batches = [listings[i : i + batch_size] for i in range(0, len(listings), batch_size)]
    # the context-copying pool: batches run inside the graph node's context (its stream writer, its config)
    with ContextThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(one_batch, batches))  # list(): an exception in a batch surfaces here
    return TriageResult(scores=scores, failed=failed, usage=usage)
