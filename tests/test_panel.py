"""With sampling on, each reviewer answers several times and keeps what most of its answers share."""

from __future__ import annotations

from conftest import corpus_path
from fakes import FakeReviewModel, synthesize

from referee.agents.base import run_reviewer
from referee.agents.panel import PANEL_DRAWS, agreed, same_point, shared_items
from referee.contract.registry import get
from referee.llm import StructuredLLM
from referee.state import Context
from referee.tools.extraction.digest import paper_text
from referee.tools.extraction.pdf import read_pdf_file
from referee.tools.extraction.sections import build_paper


def test_the_same_point_is_the_same_cells_the_same_cited_sentence_or_mostly_the_same_words():
    assert same_point("The authors do not discuss how to handle unknown classes.",
                      "The paper does not explain how to handle unknown classes.")  # fmt: skip
    assert not same_point("The data is not mentioned.", "The weights are not mentioned.")
    assert same_point({"evidence": "S12", "text": "Only one dataset."}, {"evidence": "S12", "text": "A small test."})
    assert same_point({"cell": "T1.r2.c3", "baseline_cell": "T1.r1.c3"}, {"cell": "T1.r2.c3"})  # its own cell
    assert not same_point({"cell": "T1.r2.c3", "baseline_cell": "T1.r1.c3"}, {"cell": "T1.r2.c4"})
    assert not same_point("not stated in the paper", "not stated in the paper.")  # abstentions make no point


def test_a_list_keeps_the_items_most_answers_hold_once_each():
    lists = [
        ["No ablation of the loss terms.", "Runs on a single dataset.", "The memory cost grows quadratically."],
        ["The loss terms are not ablated.", "Evaluation uses only one small dataset."],
        ["It evaluates on one single dataset only."],
    ]
    # the ablation recurs in two answers and the single dataset in three; the memory cost in one
    assert shared_items(lists) == ["No ablation of the loss terms.", "Runs on a single dataset."]
    assert shared_items([["a point made once"], [], []]) == []
    assert shared_items([[], [], []]) == []


def test_labels_take_the_majority_numbers_the_median_and_prose_the_most_agreeing_answer():
    answers = [
        {"assessment": "tuning", "rating": 2, "reasons": ["It tunes a known loss."], "summary": "first"},
        {"assessment": "new combination", "rating": 4, "reasons": ["It combines two known losses."],
         "summary": "second"},
        {"assessment": "new combination", "rating": 3, "reasons": ["It combines two known losses in one model."],
         "summary": "third"},
    ]  # fmt: skip
    out = agreed(answers)
    assert out["assessment"] == "new combination" and out["rating"] == 3
    assert out["reasons"] == ["It combines two known losses."]
    assert out["summary"] == "second"  # the second and third agree most; ties go to the earlier answer
    assert agreed(answers[:1]) is answers[0]


def _task():
    pdf = corpus_path("papers", "tudataset-grl2020", "paper.pdf")
    paper = build_paper(read_pdf_file(pdf, max_pages=20), "x")
    return {"reviewer": "limitations", "paper_text": paper_text(paper, 700), "paper": paper}


def test_a_sampled_reviewer_answers_three_times_and_its_finding_keeps_what_recurs():
    said = iter([
        ["Only graph classification is evaluated.", "The kernels are not tuned."],
        ["The evaluation covers graph classification only.", "No runtime is measured."],
        ["No runtime measurement is given.", "Only graph classification tasks are evaluated."],
    ])  # fmt: skip

    def responder(name, schema, prompt):
        data = synthesize(schema, prompt)
        if name == "LimitationsReview":
            data["added"] = [{"text": text, "tag": "EVALUATION", "evidence": ""} for text in next(said)]
        return data

    sampled = StructuredLLM(chat=FakeReviewModel(responder=responder), backend="fake", model="fake",
                            sampling={"temperature": 0.7})  # fmt: skip
    finding = run_reviewer(get("limitations"), _task(), Context(models={"reviewer": sampled}))["findings"][0]
    assert finding.ok and finding.draws == PANEL_DRAWS == 3 and finding.usage.llm_calls == 3
    assert [a["text"] for a in finding.output["added"]] == [
        "Only graph classification is evaluated.",
        "No runtime is measured.",
    ]
    greedy = StructuredLLM(chat=FakeReviewModel(responder=responder), backend="fake", model="fake")
    said = iter([["An aside made once."]])
    one = run_reviewer(get("limitations"), _task(), Context(models={"reviewer": greedy}))["findings"][0]
    assert one.draws == 1 and [a["text"] for a in one.output["added"]] == ["An aside made once."]
