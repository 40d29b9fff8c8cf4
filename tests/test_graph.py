"""The review graph with a deterministic fake model: fan-out, fan-in, failures, author-blind prompts."""

from __future__ import annotations

import json
import re

import pytest
from conftest import corpus_meta, corpus_path
from fakes import FakeReviewModel

from referee.contract.registry import reviewer_names
from referee.graph import graph
from referee.state import Context

REVIEWERS = reviewer_names()


def run(source, tmp_path, model, **inputs):
    context = Context(models={"reviewer": model, "verdict": model}, out_dir=tmp_path / "outputs")
    updates = list(graph.stream({"source": str(source), **inputs}, context=context, stream_mode="updates"))
    return updates, context


@pytest.fixture
def pdf():
    return corpus_path("papers", "tudataset-grl2020", "paper.pdf")


def test_all_reviewers_fan_out_in_parallel_and_verdict_sees_them(pdf, tmp_path):
    model = FakeReviewModel()
    updates, _ = run(pdf, tmp_path, model)
    order = [next(iter(u)) for u in updates]
    assert order[:3] == ["resolve", "fetch", "extract"]
    assert order[-4:] == ["write_verdict", "verify", "translate", "render"]
    # the six reviewers ran in one superstep between extract and the verdict
    assert sorted(order[3:9]) == sorted(f"review_{n}" for n in REVIEWERS)
    verdict_prompt = model.prompts[model.calls.index("Verdict")]
    for name in REVIEWERS:
        assert f'"{name}"' in verdict_prompt
    assert "<paper>" not in verdict_prompt  # the verdict reads findings, not the paper


def test_parallel_fan_out_is_visible_in_the_trace(pdf, tmp_path):
    """Reviewer node runs overlap in time when the model is slow."""
    import threading
    import time

    spans, lock = [], threading.Lock()

    class Slow(FakeReviewModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            start = time.perf_counter()
            time.sleep(0.3)
            out = super()._generate(messages, stop, run_manager, **kwargs)
            with lock:
                spans.append((start, time.perf_counter()))
            return out

    run(pdf, tmp_path, Slow())
    assert len(spans) == 7
    # from the first model call to the last (the extraction before them takes what the machine's load allows)
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    reviewers = sorted(spans)[:6]
    overlapping = sum(1 for a, b in zip(reviewers, reviewers[1:], strict=False) if b[0] < a[1])
    assert overlapping >= 3 and elapsed < 7 * 0.3


def test_card_validates_and_files_are_written(pdf, tmp_path):
    from referee.contract.card import Card

    run(pdf, tmp_path, FakeReviewModel())
    folder = tmp_path / "outputs" / "paper"
    assert {p.name for p in folder.iterdir()} == {"card.md", "card.html", "card.json", "card.schema.json", "run.json"}
    card = Card.model_validate_json((folder / "card.json").read_text())
    assert card.verdict.label == "SOLID" and card.missing == {}
    assert card.header.authors[0].name == corpus_meta("tudataset-grl2020")["authors"][0]
    run_json = json.loads((folder / "run.json").read_text())
    assert run_json["total"]["llm_calls"] == 7 and run_json["total"]["prompt_tokens"] > 0
    assert {"review_methodology", "write_verdict", "extract"} <= run_json["nodes"].keys()


def test_a_reviewer_that_fails_twice_is_named_on_the_card(pdf, tmp_path):
    model = FakeReviewModel(fail_tools={"ExperimentsReview"})
    run(pdf, tmp_path, model)
    assert model.calls.count("ExperimentsReview") == 2
    card_md = (tmp_path / "outputs" / "paper" / "card.md").read_text()
    assert "Not available: the benchmarks & results and compute reviewer produced no valid findings" in card_md
    card = json.loads((tmp_path / "outputs" / "paper" / "card.json").read_text())
    assert list(card["missing"]) == ["experiments"] and card["verdict"]["confidence"] <= 3


def test_no_verdict_is_written_when_no_reviewer_produced_findings(pdf, tmp_path):
    """Seen on a 71-page paper: every reviewer overflowed the model's context, and the verdict model was then
    asked anyway; it gave 3.0 FLAWED with the error messages as its reasons."""
    from referee.contract.registry import reviewers

    model = FakeReviewModel(fail_tools={r.schema.__name__ for r in reviewers()})
    run(pdf, tmp_path, model)
    assert "Verdict" not in model.calls
    card = json.loads((tmp_path / "outputs" / "paper" / "card.json").read_text())
    assert card["verdict"] is None and set(card["missing"]) >= {r.name for r in reviewers()}
    assert "no reviewer produced findings" in (tmp_path / "outputs" / "paper" / "card.md").read_text()


def test_author_names_never_reach_a_reviewer_prompt(pdf, tmp_path):
    model = FakeReviewModel()
    run(pdf, tmp_path, model)
    meta = corpus_meta("tudataset-grl2020")
    assert len(model.prompts) == 7
    for prompt in model.prompts:
        for name in meta["authors"]:
            assert name not in prompt
            assert not re.search(rf"\b{re.escape(name.split()[-1])}\b", prompt), name
        for affiliation in meta["affiliations"]:
            assert affiliation not in prompt


def test_subset_of_reviewers(pdf, tmp_path):
    model = FakeReviewModel()
    updates, _ = run(pdf, tmp_path, model, reviewers=["methodology", "novelty"])
    ran = {next(iter(u)) for u in updates}
    assert {"review_methodology", "review_novelty"} <= ran and "review_experiments" not in ran
    card = json.loads((tmp_path / "outputs" / "paper" / "card.json").read_text())
    assert card["missing"] == {} and "experiments" not in card["reviews"]


def test_routed_layout_gives_each_reviewer_its_sections(pdf, tmp_path):
    model = FakeReviewModel()
    context = Context(models={"reviewer": model}, out_dir=tmp_path / "o", layout="routed")
    list(graph.stream({"source": str(pdf)}, context=context, stream_mode="updates"))
    by_tool = dict(zip(model.calls, model.prompts, strict=True))
    assert (
        "SECTION 2.2 Baselines methods" in by_tool["ExperimentsReview"]
        or "Experimental evaluation" in by_tool["ExperimentsReview"]
    )
    assert "REFERENCES" in by_tool["NoveltyReview"] and "REFERENCES" not in by_tool["ImpactReview"]


def test_graph_is_exported_for_langgraph_tooling():
    import pathlib

    config = json.loads((pathlib.Path(__file__).parents[1] / "langgraph.json").read_text())
    module, attr = config["graphs"]["referee"].split(":")
    import importlib

    assert getattr(importlib.import_module(module), attr) is graph
    assert {f"review_{name}" for name in REVIEWERS} <= set(graph.nodes)


def test_card_keeps_extracted_facts_verbatim(tmp_path):
    pdf = corpus_path("papers", "allenai-sigtyp2024-libertus", "paper.pdf")
    run(pdf, tmp_path, FakeReviewModel())
    card_md = (tmp_path / "outputs" / "paper" / "card.md").read_text()
    assert (
        '"During model pretraining, we used the AdamW optimizer with β2=0.98 and a weight decay of 0.01." (p. 2'
        in card_md
    )
    assert (
        '"Due to constraints in compute, we were only able to pretrain a model akin to the size of RoBERTabase."'
        in card_md
    )
    assert "code: <https://github.com/ljvmiranda921/LiBERTus> (p. 2)" in card_md
    assert "Table 2: SIGTYP 2024 Shared Task final leaderboard results" in card_md


def test_the_score_combines_the_chair_and_the_checklist_and_the_label_is_its_band(pdf, tmp_path):
    from fakes import synthesize

    from referee.contract.rigour import Checklist, calibrated
    from referee.contract.verdict import band

    def responder(name, schema, prompt):
        data = synthesize(schema, prompt)
        if name == "Verdict":
            data["label"], data["score"] = "SIGNIFICANT", 5.0  # a label outside its own score's band
        return data

    model = FakeReviewModel(responder=responder)
    run(pdf, tmp_path, model)
    assert model.calls.count("Verdict") == 1  # the label follows the score: nothing to regenerate
    card = json.loads((tmp_path / "outputs" / "paper" / "card.json").read_text())
    checklist = Checklist.model_validate(card["checklist"])
    assert len(checklist.items) == 12 and checklist.score() is not None
    score = calibrated(5.0, checklist)
    assert card["verdict"]["score"] == score and card["verdict"]["label"] == band(score)
    assert any(
        n.startswith(f"score {score:.1f}: the chair's 5.0 and the rigour checklist's") for n in card["verdict_notes"]
    )
    card_md = (tmp_path / "outputs" / "paper" / "card.md").read_text()
    assert (
        "## Rigour checklist" in card_md
        and f"| {checklist.items[0].question} | {checklist.items[0].answer} |" in card_md
    )


@pytest.mark.parametrize(
    ("assessment", "score", "why"),
    [
        ("new idea", 7.4, "no result on the card compares the paper with a baseline"),
        ("tuning", 5.9, "a tuning of a known method"),
    ],
)
def test_a_score_above_what_the_evidence_carries_is_lowered(pdf, assessment, score, why):
    from fakes import synthesize

    from referee.agents.verdict import decide
    from referee.contract.findings import Finding
    from referee.contract.rigour import CheckItem, Checklist
    from referee.llm import StructuredLLM
    from referee.settings import get_settings
    from referee.tools.sources.ingest import load_paper

    def responder(name, schema, prompt):
        data = synthesize(schema, prompt)
        if name == "Verdict":
            data["label"], data["score"] = "BREAKTHROUGH", 9.2
        return data

    findings = [
        Finding(reviewer="novelty", ok=True, output={"assessment": assessment, "reasons": ["It is new."]}),
        Finding(reviewer="experiments", ok=True, output={"results": []}),  # no result beside a baseline
    ]
    every_check_met = Checklist(items=[CheckItem(key="code", question="Code released", answer="yes", by="text")])
    chair = StructuredLLM(chat=FakeReviewModel(responder=responder), backend="fake", model="fake")
    paper = load_paper(str(pdf), get_settings())
    verdict, _, notes = decide(findings, paper, chair, checklist=every_check_met)
    assert verdict.score == score and verdict.label in ("SOLID", "INCREMENTAL")
    assert any(f"score 9.6 lowered to {score}" in n and why in n for n in notes)  # (9.2 + 10) / 2, then capped


def test_with_sampling_on_the_chair_answers_five_times_and_the_trimmed_mean_stands(tmp_path):
    from fakes import synthesize
    from langchain_core.messages import HumanMessage

    from referee.agents.verdict import CHAIR_DRAWS, chair_answer
    from referee.llm import LLMCache, StructuredLLM

    drawn = iter([3.0, 9.0, 6.5, 8.0, 4.0, 2.0])

    def responder(name, schema, prompt):
        return {**synthesize(schema, prompt), "score": next(drawn)}

    cache = LLMCache(tmp_path / "cache")
    sampled = StructuredLLM(chat=FakeReviewModel(responder=responder), backend="fake", model="fake", cache=cache,
                            sampling={"temperature": 0.7})  # fmt: skip
    verdict, usage, readings = chair_answer(sampled, [HumanMessage("findings")])
    # 3.0 and 9.0 set aside; the mean of 4.0, 6.5 and 8.0, on the answer that scored 6.5
    assert CHAIR_DRAWS == 5 and verdict.score == 6.2 and readings == [3.0, 9.0, 6.5, 8.0, 4.0]
    assert usage.llm_calls == 5
    again, _, same = chair_answer(sampled, [HumanMessage("findings")])
    assert again.score == 6.2 and same == readings  # each draw was cached under its own key
    greedy = StructuredLLM(chat=FakeReviewModel(responder=responder), backend="fake", model="fake")
    assert chair_answer(greedy, [HumanMessage("findings")])[0].score == 2.0  # one answer: the next score drawn


@pytest.mark.parametrize(("contradicted_draws", "verdict_calls"), [({0, 2, 4}, 5), ({0, 1, 2, 3, 4}, 6)])
def test_with_sampling_on_a_sound_draw_is_shown_and_a_mended_answer_keeps_the_mean(contradicted_draws, verdict_calls):
    """The answer shown is the nearest to the mean among those nothing contradicts; where every draw is
    contradicted, the regenerated answer mends the statements and the mean of the readings stays the score."""
    from fakes import synthesize

    from referee.agents.verdict import decide
    from referee.contract.findings import Finding
    from referee.llm import StructuredLLM
    from referee.settings import get_settings
    from referee.tools.sources.ingest import load_paper

    pdf = corpus_path("papers", "allenai-sigtyp2024-libertus", "paper.pdf")  # links its code on GitHub
    drawn = iter([(3.0, 0), (9.0, 1), (6.5, 2), (8.0, 3), (4.0, 4), (1.0, 5)])  # the sixth: the regeneration

    def responder(name, schema, prompt):
        data = synthesize(schema, prompt)
        if name == "Verdict":
            data["score"], draw = next(drawn)
            denied = draw in contradicted_draws or draw == 5
            data["tldr"] = f"Draw {draw}: a tagger for ancient languages" + (", but no code is released." if denied
                                                                              else ".")  # fmt: skip
        return data

    findings = [Finding(reviewer="novelty", ok=True, output={"assessment": "new idea", "reasons": ["It is new."]})]
    chair = StructuredLLM(chat=FakeReviewModel(responder=responder), backend="fake", model="fake",
                          sampling={"temperature": 0.7})  # fmt: skip
    verdict, usage, notes = decide(findings, load_paper(str(pdf), get_settings()), chair)
    assert usage.llm_calls == verdict_calls
    assert verdict.chair_score == 6.2  # the mean of 4.0, 6.5 and 8.0 in both cases, never the regeneration's 1.0
    if verdict_calls == 5:  # 6.5 (draw 2) is nearest but contradicted: 8.0 (draw 3) is the nearest sound one
        assert verdict.tldr.startswith("Draw 3:")
        assert notes == [
            "the chair's 6.2: the mean of its readings 3.0, 9.0, 6.5, 8.0, 4.0, the highest and lowest set aside"
        ]
    else:
        assert "no code is released" not in verdict.tldr and any(
            n.startswith("removed, as the findings") for n in notes
        )


def test_where_no_reason_of_the_regenerated_verdict_stands_the_first_answers_sound_ones_do():
    from fakes import synthesize

    from referee.agents.verdict import decide
    from referee.contract.findings import Finding
    from referee.llm import StructuredLLM
    from referee.settings import get_settings
    from referee.tools.sources.ingest import load_paper

    pdf = corpus_path("papers", "allenai-sigtyp2024-libertus", "paper.pdf")  # links its code on GitHub
    denied = "No code is released for the tagger, so nothing can be rerun."
    answers = iter([
        {"reasons": ["The tagger is trained on the shared task's data for each language.", denied], "score": 6.0},
        {"reasons": [denied], "score": 2.0},  # asked again, it keeps only the contradicted reason
    ])  # fmt: skip

    def responder(name, schema, prompt):
        return {**synthesize(schema, prompt), **next(answers)} if name == "Verdict" else synthesize(schema, prompt)

    findings = [Finding(reviewer="novelty", ok=True, output={"assessment": "new idea", "reasons": ["It is new."]})]
    chair = StructuredLLM(chat=FakeReviewModel(responder=responder), backend="fake", model="fake")
    verdict, usage, notes = decide(findings, load_paper(str(pdf), get_settings()), chair)
    assert usage.llm_calls == 2
    assert verdict.reasons == ["The tagger is trained on the shared task's data for each language."]
    assert verdict.chair_score == 6.0 and any(n.startswith("removed, as the findings contradict it") for n in notes)


def test_the_chair_weighs_the_findings_as_verified_without_abstentions_or_claims_that_deny_the_paper(tmp_path):
    from fakes import synthesize

    pdf = corpus_path("papers", "allenai-sigtyp2024-libertus", "paper.pdf")  # links its code on GitHub
    denied = "No code is released for the tagger, so nothing can be rerun."

    def responder(name, schema, prompt):
        data = synthesize(schema, prompt)
        if name == "ReproducibilityReview":
            data["reasons"] = [denied, *data["reasons"]]
        if name == "MethodologyReview":
            data["method_steps"] = [{"evidence": "", "claim": "not stated in the paper"}, *data["method_steps"]]
        return data

    model = FakeReviewModel(responder=responder)
    run(pdf, tmp_path, model)
    chair = model.prompts[model.calls.index("Verdict")]
    assert '"reproducibility"' in chair and '"method_steps"' in chair  # the rest of both findings is read
    assert denied not in chair and "not stated in the paper" not in chair
    card = json.loads((tmp_path / "outputs" / "paper" / "card.json").read_text())
    assert denied not in json.dumps(card["reviews"])  # the card drops it too: the chair read what the card shows


def test_card_carries_the_grounding_line_and_run_json_the_details(pdf, tmp_path):
    run(pdf, tmp_path, FakeReviewModel())
    card_md = (tmp_path / "outputs" / "paper" / "card.md").read_text()
    line = next(x for x in card_md.splitlines() if x.startswith("> Grounding: "))
    assert re.match(r"> Grounding: \d+ of \d+ claims verified against the paper", line)
    grounding = json.loads((tmp_path / "outputs" / "paper" / "run.json").read_text())["grounding"]
    assert grounding["checked"] == grounding["verified"] + grounding["removed"] + grounding["marked"]
    assert len(grounding["details"]) == grounding["removed"] + grounding["marked"]


def test_verdict_contradicting_the_paper_is_regenerated_then_removed(tmp_path):
    from fakes import synthesize

    pdf = corpus_path("papers", "allenai-sigtyp2024-libertus", "paper.pdf")  # links its code on GitHub

    def responder(name, schema, prompt):
        data = synthesize(schema, prompt)
        if name == "Verdict":
            data["tldr"] = "A multilingual model for ancient languages, but no code is released."
        return data

    model = FakeReviewModel(responder=responder)
    run(pdf, tmp_path, model)
    assert model.calls.count("Verdict") == 2
    regeneration = model.prompts[len(model.calls) - 1]
    assert "contradicts the findings: the paper links its code (https://github.com/ljvmiranda921/LiBERTus)" in (
        regeneration
    )
    card = json.loads((tmp_path / "outputs" / "paper" / "card.json").read_text())
    # still contradicted after the regeneration: the statement is removed (once), the note says why, and the
    # TL;DR falls back to the abstract's own contribution sentence
    assert [n for n in card["verdict_notes"] if n.startswith("removed, as the findings contradict it:")] != []
    assert "no code is released" not in card["verdict"]["tldr"] and card["verdict"]["tldr"].startswith(
        "From the abstract"
    )
    card_md = (tmp_path / "outputs" / "paper" / "card.md").read_text()
    assert (
        card_md.count("removed, as the findings contradict it") == 1
        and "no code is released" not in card_md.split("## TL;DR")[1].split("##")[0]
    )


def test_a_verdict_whose_every_reason_is_contradicted_is_not_assessed(tmp_path):
    from fakes import synthesize

    pdf = corpus_path("papers", "allenai-sigtyp2024-libertus", "paper.pdf")  # links its code on GitHub

    def responder(name, schema, prompt):
        data = synthesize(schema, prompt)
        if name == "Verdict":
            data["reasons"] = ["No code is provided for the multilingual model trained on the shared task data."]
            data["score"], data["label"] = 3.0, "FLAWED"
        return data

    run(pdf, tmp_path, FakeReviewModel(responder=responder))
    card = json.loads((tmp_path / "outputs" / "paper" / "card.json").read_text())
    assert card["verdict"] is None and card["missing"]["verdict"].startswith("not assessed: the findings contradict")
    card_md = (tmp_path / "outputs" / "paper" / "card.md").read_text()
    assert "3.0/10" not in card_md and "FLAWED" not in card_md


def test_consistent_verdict_needs_one_call(pdf, tmp_path):
    model = FakeReviewModel()
    run(pdf, tmp_path, model)
    assert model.calls.count("Verdict") == 1
    card = json.loads((tmp_path / "outputs" / "paper" / "card.json").read_text())
    assert not any("consistency" in n for n in card["verdict_notes"])


def test_llm_consistency_check_triggers_one_regeneration(pdf, tmp_path):
    from fakes import synthesize

    verdicts = iter(["The method beats every baseline by a wide margin.", "A solid dataset collection."])
    checks = iter([["'beats every baseline' contradicts the experiments finding of no wins"], []])

    def responder(name, schema, prompt):
        if name == "ConsistencyCheck":
            return {"contradictions": next(checks)}
        data = synthesize(schema, prompt, name=name)
        if name == "Verdict":
            data["tldr"] = next(verdicts)
        return data

    model = FakeReviewModel(responder=responder)
    context = Context(models={"reviewer": model}, out_dir=tmp_path / "outputs", consistency_llm_check=True)
    list(graph.stream({"source": str(pdf)}, context=context, stream_mode="updates"))
    assert model.calls.count("Verdict") == 2 and model.calls.count("ConsistencyCheck") == 2
    assert "contradicts the experiments finding" in model.prompts[model.calls.index("Verdict", 7)]
    card = json.loads((tmp_path / "outputs" / "paper" / "card.json").read_text())
    assert not any(n.startswith("removed") for n in card["verdict_notes"])  # the regenerated verdict passed
    # ... and its TL;DR, which states little of the contribution, gave way to the abstract's own sentence
    assert card["verdict"]["tldr"].startswith("From the abstract: \u201c") and "introduce" in card["verdict"]["tldr"]


def test_the_chair_reads_each_claim_once_without_pointers_or_long_quotes():
    from referee.agents.verdict import CHAIR_CHARS, for_the_chair

    repeated = {"evidence": "S3", "quote": "We train for ten epochs.", "page": 2, "claim": "No baseline is tuned."}
    output = {
        "fairness": [repeated, dict(repeated, evidence="S4"), {"claim": "Seeds are fixed."}],
        "training": {"hardware": "x" * 500, "optimiser": ""},
        "prior_work": [{"reference": "R2", "name": "Smith 2020", "delta": "adds a prior"}],
    }
    assert for_the_chair(output) == {
        "fairness": [{"claim": "No baseline is tuned."}, {"claim": "Seeds are fixed."}],
        "training": {"hardware": "x" * (CHAIR_CHARS - 1) + "\u2026"},
        "prior_work": [{"name": "Smith 2020", "delta": "adds a prior"}],
    }
