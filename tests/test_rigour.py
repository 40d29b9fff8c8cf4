"""The rigour checklist: the text's detectors answer with pointers into the paper, the panel adds the cells the
experiments reviewer pointed at, and the score combines the chair's with the checklist's."""

from __future__ import annotations

import pytest
from conftest import corpus_path

from referee.agents.rigour import checklist
from referee.contract.findings import Finding
from referee.contract.rigour import ITEMS, CheckItem, Checklist, calibrated
from referee.paper import Link, Paper, Section, Table
from referee.tools.extraction.rigour import text_checks

EXPERIMENTS = (
    "We evaluate on three benchmark datasets. All baselines are tuned with the same grid search as our method. "
    "Results are averaged over five random seeds and reported with standard deviations. "
    "The improvement is significant (p < 0.01, paired t-test). Training takes 12 hours on 8 A100 GPUs. "
    "We use dropout with p=0.5 after every layer."
)
ABLATION = "Removing the gate lowers accuracy by four points."
LIMITS = "Our method is limited to graphs with fewer than a million nodes."
CHECKLIST = "The authors should answer Yes if the results are accompanied by error bars and a t-test."


def section(heading: str, text: str, page: int) -> Section:
    return Section(heading=heading, level=1, page_start=page, page_end=page, text=text)


def paper(sections: list[Section], tables: list[Table] = (), links: list[Link] = ()) -> Paper:
    return Paper(
        source="x.pdf", pages=9, title="A gated estimator", authors=[], affiliations=[],
        abstract="We propose a gated estimator.", sections=sections, references=[], tables=list(tables),
        figures=[], links=list(links),
    )  # fmt: skip


TABLE = Table(label="Table 1", caption="Table 1: Accuracy.", page=5,
              rows=[["Method", "MUTAG"], ["Ours", "91.2 \u00b1 0.4"], ["GIN", "89.0 \u00b1 0.6"]])  # fmt: skip
EMPIRICAL = paper(
    [section("Experiments", EXPERIMENTS, 5), section("Ablation study", ABLATION, 6), section("Limitations", LIMITS, 8),
     section("NeurIPS Paper Checklist", CHECKLIST, 9)],
    tables=[TABLE], links=[Link(url="https://github.com/x/gate", kind="code", page=1)],
)  # fmt: skip


def test_the_text_answers_with_the_sentences_cells_and_links_that_show_each_check():
    checks = text_checks(EMPIRICAL)
    said = {key: [p.text for p in item.evidence] for key, item in checks.items()}
    assert all(checks[k].answer == "yes" for k in ("tuning", "ablations", "variance", "significance", "datasets",
                                                   "compute", "code", "limitations"))  # fmt: skip
    assert said["tuning"] == ["All baselines are tuned with the same grid search as our method."]
    assert said["ablations"][0] == "Ablation study"  # the section first, then its sentences
    assert "Results are averaged over five random seeds and reported with standard deviations." in said["variance"]
    assert ("T1.r1.c1", "Table 1: 91.2 \u00b1 0.4") in [(p.id, p.text) for p in checks["variance"].evidence]
    assert said["significance"] == ["The improvement is significant (p < 0.01, paired t-test)."]
    assert said["code"] == ["https://github.com/x/gate"] and checks["code"].evidence[0].page == 1
    assert checks["data"].answer == "no" and checks["data"].note == "not found in the paper"
    assert checks["assumptions"].answer == "not applicable"  # no theorem
    sentence_ids = {p.id for item in checks.values() for p in item.evidence if p.id.startswith("S")}
    assert sentence_ids and all(p.page for item in checks.values() for p in item.evidence)


def test_a_venue_checklist_a_dropout_rate_and_a_model_noise_are_no_evidence():
    said = "We use dropout with p=0.5. The input noise has a standard deviation of 0.1. Accuracy is 91.2."
    stated = "Answer: [Yes] Justification: training took 40 GPU hours on 8 A100 GPUs, with error bars."
    plain = paper([section("Experiments", said, 3), section("Paper Checklist", f"{CHECKLIST} {stated}", 9)])
    checks = text_checks(plain)
    assert checks["significance"].answer == "no" and checks["variance"].answer == "no"
    assert checks["compute"].answer == "no"  # the checklist's own answer is no evidence


def test_checks_that_do_not_apply_say_so():
    theory = paper([section("Main result", "Theorem 1. Every bounded sequence has a convergent subsequence.", 2)])
    checks = text_checks(theory)
    experimental = ("tuning", "ablations", "variance", "significance", "datasets", "compute")
    assert all(checks[k].answer == "not applicable" for k in experimental)
    assert checks["assumptions"].answer == "no"  # a theorem, and no assumption stated
    stated = paper([section("Main result", "Assumption 1. The loss is convex. Theorem 2. It converges.", 2)])
    assert text_checks(stated)["assumptions"].answer == "yes"


def _experiments(results: list[dict]) -> Finding:
    return Finding(reviewer="experiments", ok=True, output={"results": results})


def test_the_panel_adds_the_cells_it_pointed_at_and_never_changes_an_answer_to_no():
    row = {"cell": "T1.r1.c1", "this_paper": "91.2 \u00b1 0.4", "metric": "Table 1", "dataset": "MUTAG", "page": 5}
    compared = {**row, "baseline_cell": "T1.r2.c1", "best_baseline": "GIN", "baseline_value": "89.0 \u00b1 0.6"}
    alone = checklist(EMPIRICAL, [_experiments([row, dict(row)])])  # the same cell twice is shown once
    assert [item.key for item in alone.items] == [key for key, _ in ITEMS]
    by_key = {item.key: item for item in alone.items}
    assert by_key["results"].answer == "yes" and [p.id for p in by_key["results"].evidence] == ["T1.r1.c1", "T1"]
    assert by_key["baselines"].answer == "no" and by_key["baselines"].note == "not found in the paper"
    both = {item.key: item for item in checklist(EMPIRICAL, [_experiments([compared])]).items}
    assert both["baselines"].answer == "yes" and both["baselines"].by == "panel"
    assert [p.id for p in both["baselines"].evidence] == ["T1.r1.c1", "T1.r2.c1"]
    failed = {i.key: i for i in checklist(EMPIRICAL, [Finding(reviewer="experiments", ok=False, error="x")]).items}
    assert failed["results"].answer == "yes" and failed["results"].by == "text"  # the table of results is there
    assert failed["results"].evidence[0].id == "T1" and failed["results"].evidence[0].text == "Table 1: Accuracy."
    assert [i.answer for i in alone.items if i.key != "results"] == [
        i.answer for k, i in failed.items() if k != "results"
    ]  # the panel's failure moves no answer


def test_a_sentence_comparing_with_baselines_answers_the_baselines_check():
    said = "Our gated estimator outperforms all baselines on MUTAG. We thank the reviewers."
    checks = text_checks(paper([section("Experiments", said, 5)], tables=[TABLE]))
    assert checks["baselines"].answer == "yes"
    assert [p.text for p in checks["baselines"].evidence] == ["Our gated estimator outperforms all baselines on MUTAG."]
    untabled = text_checks(paper([section("Experiments", "Accuracy rises with depth.", 5)]))
    assert untabled["results"].answer == "not applicable"
    assert untabled["results"].note == "no table was found in the paper"


def _items(*answers: str) -> Checklist:
    return Checklist(items=[CheckItem(key=f"k{i}", question="q", answer=a, by="text") for i, a in enumerate(answers)])


@pytest.mark.parametrize(
    ("chair", "answers", "score"),
    [
        (8.0, ("yes", "no", "not applicable"), 6.5),  # (8.0 + 10 * 1/2) / 2
        (6.0, ("yes", "yes"), 8.0),
        (3.0, ("no", "no", "no", "no"), 1.5),
        (7.3, ("not applicable",), 7.3),  # nothing applies: the chair's score alone
    ],
)
def test_the_score_is_the_mean_of_the_chair_and_the_checklist(chair, answers, score):
    assert calibrated(chair, _items(*answers)) == score
    assert calibrated(chair, None) == chair


def test_corpus_papers_answer_every_check_with_pointers_or_a_reason():
    pdf = corpus_path("papers", "tudataset-grl2020", "paper.pdf")
    from referee.settings import get_settings
    from referee.tools.sources.ingest import load_paper

    checks = text_checks(load_paper(str(pdf), get_settings()))
    for item in checks.values():
        assert (item.answer == "yes") == bool(item.evidence) and (item.evidence or item.note)
    assert checks["code"].answer == "yes" and checks["variance"].answer == "yes"
