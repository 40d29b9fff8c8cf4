"""Triage in batches with a fake model: every paper scored, a garbled batch answer retried per paper."""

from __future__ import annotations

import re

from conftest import corpus_path
from fakes import FakeReviewModel

from referee.agents.triage import triage
from referee.llm import StructuredLLM
from referee.tools.sources.listing import parse_listing
from referee.tools.sources.topics import Topic, Topics

TOPICS = Topics(keywords=["attention"], topic=[Topic(id="arch", name="Architectures", keep="new mechanisms")])


def ids_in(prompt: str) -> list[str]:
    return re.findall(r"^\[(\d{4}\.\d{4,5})\]", prompt, re.M)


def listings():
    found, _ = parse_listing(corpus_path("feeds", "listing_2026-04-17_29_papers.xml").read_bytes())
    return found


def abstract_start(prompt: str, arxiv_id: str) -> str:
    """The first words of a paper's abstract as the prompt gives it (a reason that names the abstract)."""
    block = prompt.split(f"[{arxiv_id}]", 1)[1].split("\n")[1]
    return " ".join(block.split()[:30])


def scored(prompt: str, **fields) -> dict:
    """Scores that tell the papers apart, each with a reason taken from its abstract."""
    return {
        "scores": [
            {
                "arxiv_id": i,
                "relevance": 3 + n % 6,
                "novelty": 5,
                "primary_topic": "arch",
                "matched_topics": ["arch"],
                "reason": abstract_start(prompt, i),
                **fields,
            }
            for n, i in enumerate(ids_in(prompt))
        ]
    }


def test_every_paper_is_scored_in_batches():
    def responder(name, schema, prompt):
        return scored(prompt)

    model = FakeReviewModel(responder=responder)
    result = triage(listings(), TOPICS, StructuredLLM(chat=model, backend="fake", model="fake"), batch_size=8)
    assert len(result.scores) == 29 and result.failed == {}
    assert len(model.calls) == 4  # ceil(29 / 8) batches
    assert result.usage.prompt_tokens / 29 < 300  # tokens per triaged paper (fake counts chars / 4)


def test_a_paper_missing_from_a_batch_is_retried_alone_never_dropped():
    skipped = "2604.14702"

    def responder(name, schema, prompt):
        ids = ids_in(prompt)
        if len(ids) > 1:
            ids = [i for i in ids if i != skipped]  # the batch answer forgets one paper
        return {"scores": [{"arxiv_id": i, "relevance": 4, "novelty": 4} for i in ids]}

    model = FakeReviewModel(responder=responder)
    result = triage(listings(), TOPICS, StructuredLLM(chat=model, backend="fake", model="fake"), batch_size=10)
    assert skipped in result.scores and len(result.scores) == 29
    assert sum(1 for p in model.prompts if ids_in(p) == [skipped]) == 1


def test_a_paper_that_never_gets_a_score_is_reported():
    def responder(name, schema, prompt):
        return {"scores": []}

    model = FakeReviewModel(responder=responder)
    result = triage(listings()[:3], TOPICS, StructuredLLM(chat=model, backend="fake", model="fake"), batch_size=3)
    assert result.scores == {} and set(result.failed) == {x.arxiv_id for x in listings()[:3]}
    assert all("no valid score" in why for why in result.failed.values())


def test_invented_topics_become_none():
    def responder(name, schema, prompt):
        return {
            "scores": [
                {
                    "arxiv_id": i,
                    "relevance": 5,
                    "novelty": 5,
                    "primary_topic": "quantum",
                    "matched_topics": ["x", "arch"],
                }
                for i in ids_in(prompt)
            ]
        }

    model = FakeReviewModel(responder=responder)
    result = triage(listings()[:2], TOPICS, StructuredLLM(chat=model, backend="fake", model="fake"), batch_size=2)
    assert {(s.primary_topic, tuple(s.matched_topics)) for s in result.scores.values()} == {("arch", ("arch",))}


def test_a_reason_that_describes_another_paper_is_asked_again_alone():
    papers = listings()[:3]
    swapped = papers[1].arxiv_id

    def responder(name, schema, prompt):
        ids = ids_in(prompt)
        out = []
        for i in ids:
            paper = next(p for p in papers if p.arxiv_id == i)
            other = papers[0] if i == swapped and len(ids) > 1 else paper  # the batch answer swaps one reason
            reason = " ".join(other.abstract.split()[:30])
            out.append({"arxiv_id": i, "relevance": 4 + len(out), "novelty": 5, "reason": reason})
        return {"scores": out}

    model = FakeReviewModel(responder=responder)
    result = triage(papers, TOPICS, StructuredLLM(chat=model, backend="fake", model="fake"), batch_size=3)
    assert len(model.calls) == 2 and ids_in(model.prompts[1]) == [swapped]
    assert result.scores[swapped].reason == " ".join(papers[1].abstract.split()[:30])


def test_a_batch_scored_all_alike_is_asked_once_more_and_told_why():
    from referee.agents.triage import TIED

    asked = []

    def responder(name, schema, prompt):
        asked.append(prompt)
        if TIED in prompt:  # the second answer tells the papers apart
            return scored(prompt)
        return scored(prompt, relevance=10, novelty=10)

    model = FakeReviewModel(responder=responder)
    result = triage(listings()[:8], TOPICS, StructuredLLM(chat=model, backend="fake", model="fake"), batch_size=8)
    assert len(model.calls) == 2 and TIED in asked[1] and '"relevance":10' in asked[1].replace(" ", "")
    assert len({s.relevance for s in result.scores.values()}) > 1 and result.failed == {}


def test_a_reason_that_restates_the_title_is_asked_again_then_left_empty():
    from referee.agents.triage import RESTATED, restates_title

    papers = listings()[:4]
    lazy, fixed = papers[0], papers[1]

    def responder(name, schema, prompt):
        answer = scored(prompt)
        for row in answer["scores"]:
            title = next(p.title for p in papers if p.arxiv_id == row["arxiv_id"])
            if row["arxiv_id"] == lazy.arxiv_id or (row["arxiv_id"] == fixed.arxiv_id and RESTATED not in prompt):
                row["reason"] = f"The paper discusses {title}"
        return answer

    model = FakeReviewModel(responder=responder)
    result = triage(papers, TOPICS, StructuredLLM(chat=model, backend="fake", model="fake"), batch_size=4)
    assert len(model.calls) == 3  # the batch, then each restating paper alone
    assert result.scores[lazy.arxiv_id].reason == ""  # restated twice: no reason rather than filler
    assert result.scores[fixed.arxiv_id].reason and not restates_title(
        result.scores[fixed.arxiv_id].reason, fixed.title
    )
    assert restates_title(f"This paper is about {lazy.title.lower()}.", lazy.title)
    assert not restates_title(result.scores[papers[2].arxiv_id].reason, papers[2].title)
