"""Claim verification against the paper: normalisation cases, and what happens to unsupported claims."""

from __future__ import annotations

import pytest

from referee.paper import Paper, Section, Table
from referee.tools.grounding.ledger import SentenceLedger
from referee.tools.grounding.numbers import normalise, numbers_in
from referee.tools.grounding.verify import PaperText, verify_findings
from referee.tools.grounding.wording import any_paper


def paper(text: str, page: int = 3, table_rows=None) -> Paper:
    section = Section(heading="Results", level=1, page_start=page, page_end=page, text=text, page_offsets=[(0, page)])
    tables = [Table(label="Table 1", caption="Table 1: Accuracy.", page=page, rows=table_rows or [])]
    return Paper(
        source="x.pdf",
        pages=5,
        title="A paper",
        authors=[],
        affiliations=[],
        abstract="An abstract.",
        sections=[section],
        references=[],
        tables=tables,
        figures=[],
        links=[],
    )


@pytest.mark.parametrize(
    ("printed", "quoted"),
    [
        ("we ﬁnd that the eﬃcient method wins", "we find that the efficient method wins"),  # ligatures
        ("an inter- national benchmark suite", "an international benchmark suite"),  # hyphenation
        ("the   loss\n drops\tquickly", "the loss drops quickly"),  # whitespace
        ("a gap of −0.5 points", "a gap of -0.5 points"),  # unicode minus
        ("trained on 12,000 images", "trained on 12000 images"),  # thousands separator
        ("trained on 12 000 images", "trained on 12,000 images"),
        ("accuracy rises by 12.5 %", "accuracy rises by 12.5%"),  # percent forms
        ("accuracy rises by 12.5 percent", "accuracy rises by 12.5%"),
        ("it is “robust” and ‘fast’", "it is \"robust\" and 'fast'"),  # typographic quotes
    ],
)
def test_normalisation_makes_faithful_quotes_match(printed, quoted):
    index = PaperText(paper(printed))
    assert normalise(quoted) in index.pages[3]
    assert index.has_quote(quoted, 3)


def test_numbers_match_in_any_printed_form():
    index = PaperText(paper("Our model reaches 94.7% on MUTAG and .912 on PTC with 1,024 hidden units."))
    for value in ("94.7%", "94.7", "0.912", "1024", "1,024"):
        assert all(index.has_number(n) for n in numbers_in(value)), value
    assert not index.has_number("95.1")


def test_quote_on_the_wrong_page_is_not_supported():
    index = PaperText(paper("The method converges after ten epochs on every dataset.", page=3))
    assert index.has_quote("converges after ten epochs on every dataset", 4)  # neighbouring page: tolerated
    assert not index.has_quote("converges after ten epochs on every dataset", 9)


def test_unsupported_items_are_removed_or_marked_never_kept_silently():
    p = paper(
        "Our model reaches 94.7% accuracy on MUTAG, against 90.1% for GIN. Training takes 3 hours. "
        "Baselines are tuned alike.",
        table_rows=[["Dataset", "Ours", "GIN"], ["MUTAG", "94.7", "90.1"]],
    )
    p.abstract = "We propose a graph kernel that reaches high accuracy on MUTAG with little training."
    row = {"dataset": "MUTAG", "metric": "accuracy", "best_baseline": "GIN", "baseline_value": "90.1%"}
    outputs = {
        "experiments": {
            "results": [
                {**row, "cell": "T1.r1.c1", "this_paper": "94.7%", "delta": "+4.6"},
                {**row, "cell": "T1.r1.c1", "this_paper": "97.3%", "delta": "+7.2"},  # a number altered since
                {"cell": "T1.r1.c1", "dataset": "ImageNet", "metric": "top-1", "this_paper": "94.7%"},  # a name too
            ],
            "fairness": [
                {"claim": "Training is cheap on MUTAG", "quote": "Training takes 3 hours.", "page": 3},
                {"claim": "Baselines are tuned alike", "quote": "All baselines got an equal budget.", "page": 3},
            ],
        }
    }
    verdict = {
        "tldr": "Reaches 94.7% on MUTAG, beating GIN by 8.8 points.",  # a fact with a number the paper lacks
        "reasons": ["Strong at 94.7% on MUTAG.", "Beats GIN by 8.8 points on MUTAG."],  # judgements: marked
        "score": 6.0,
        "label": "SOLID",
        "confidence": 3,
    }
    g = verify_findings(outputs, verdict, p)
    rows = outputs["experiments"]["results"]
    assert [r["this_paper"] for r in rows] == ["94.7%"]
    fair = outputs["experiments"]["fairness"]
    assert fair[0]["quote"] == "Training takes 3 hours."
    assert fair[1]["quote"] == "" and "was not found in the paper" in fair[1]["claim"]
    # the TL;DR's sentence went (a fact with an unsupported number); the abstract's contribution sentence stands
    contribution = "We propose a graph kernel that reaches high accuracy on MUTAG with little training."
    assert verdict["tldr"] == f"From the abstract: \u201c{contribution}\u201d"
    marked = "Beats GIN by 8.8 points on MUTAG. (not in the paper: 8.8)"
    assert verdict["reasons"] == ["Strong at 94.7% on MUTAG.", marked]
    assert g.removed == 4 and g.marked == 2 and g.checked == g.verified + g.removed + g.marked
    assert g.line().startswith(f"{g.verified} of {g.checked} claims verified")
    assert {d.action for d in g.details} == {"removed", "marked"}


def test_fact_fields_keep_only_supported_sentences_and_say_so_when_none_is_left():
    """Seen on the offline model: names and numbers the paper never states, and one sentence in every field."""
    p = paper("We train with Adam and a learning rate of 0.001 on two GPUs. The model has three layers.")
    generic = "The learning rate is 0.01, the batch size is 32, and the number of epochs is 10."
    outputs = {
        "methodology": {
            "task_setting": {
                "inputs": "Features from the scikit-learn SGDClassifier.",  # a name the paper never uses
                "outputs": generic,  # numbers the paper does not print
                "objective": "Training uses two GPUs.",
                "evaluation": "Training uses two GPUs.",  # a repeat of the field above
            },
        }
    }
    verify_findings(outputs, None, p)
    setting = outputs["methodology"]["task_setting"]
    assert setting["inputs"] == setting["outputs"] == "not stated in the paper"
    assert setting["objective"] == "Training uses two GPUs." and setting["evaluation"] == "not stated in the paper"


def test_a_fact_that_only_says_the_paper_is_silent_is_an_abstention_and_a_judgement_keeps_its_critique():
    """Seen on the offline model with sampling on: "The paper does not provide information about the memory." in
    a field of facts, which the chair then read as a fault beside the checklist that already counts it."""
    from referee.tools.grounding.wording import says_only_unstated

    p = paper("We compare the kernel with baselines on MUTAG. The model has three layers and runs on two GPUs.")
    outputs = {
        "experiments": {
            "compute": {
                "model_size": "The model has three layers.",
                "memory": "The paper does not provide information about the memory.",
                "training_compute": "The training time is not specified in the paper.",
            },
            "missing_baselines": ["The paper does not compare the kernel with other graph kernels on MUTAG."],
        }
    }
    g = verify_findings(outputs, None, p)
    compute = outputs["experiments"]["compute"]
    assert compute["model_size"] == "The model has three layers."
    assert compute["memory"] == compute["training_compute"] == "not stated in the paper"
    assert outputs["experiments"]["missing_baselines"] == [
        "The paper does not compare the kernel with other graph kernels on MUTAG."
    ]  # a judgement: what the paper leaves out is the reviewer's critique
    assert not any("memory" in d.unsupported for d in g.details)  # an abstention is no claim the paper failed
    assert not says_only_unstated("The method does not handle unknown classes.")  # about the method
    assert not says_only_unstated("The paper does not report variance but shows only one run.")


def test_the_training_recipe_is_the_papers_own_sentences_whatever_a_model_typed():
    """Seen on the offline model: 'The learning rate is 0.01, the batch size is 32, and the number of epochs is
    10' for a paper that says no such thing. The recipe is not asked of models; code copies the paper's."""
    from referee.reviewers.methodology import MethodologyReview, TrainingRecipe

    p = paper("We train with Adam and a learning rate of 0.001 on two GPUs. The model has three layers.")
    typed = "The learning rate is 0.01, the batch size is 32, and the number of epochs is 10."
    review = MethodologyReview.model_validate(
        {
            "task_setting": {"inputs": "graphs", "outputs": "labels", "objective": "accuracy", "evaluation": "x"},
            "training": {"data": "graphs", "hyperparameters": typed, "wall_clock": "Ten hours on a TPU."},
        }
    ).settle(p)
    assert (
        review.training.optimiser == "\u201cWe train with Adam and a learning rate of 0.001 on two GPUs.\u201d (p. 3)"
    )
    assert review.training.hyperparameters == review.training.wall_clock == "not stated in the paper"
    assert set(TrainingRecipe.model_json_schema()["properties"]) == {"data"}


def test_a_fact_no_passage_states_goes_and_a_judgement_that_says_nothing_goes():
    p = paper(
        "We split the graphs by scaffold. The validation graphs come from a second source. "
        "We report accuracy on the held-out graphs after training the kernel for a fixed budget. "
        "Molecules are drawn from a public archive. Each molecule carries a toxicity label. "
        "Labels were checked by two chemists."
    )
    outputs = {
        "methodology": {
            "task_setting": {
                "inputs": "Graphs split by scaffold.",  # stated in one sentence of the paper
                "outputs": "Each scaffold split is checked by two chemists.",  # words of sentences far apart
                "objective": "not reported",
                "evaluation": "Accuracy on the held-out graphs.",
            }
        },
        "impact": {
            "applicability": "benchmarks only",
            "applicability_evidence": {"claim": "Accuracy on held-out graphs is reported."},
            "broader_impact": "good",  # a judgement that says nothing
            "practical_takeaway": "Split graphs by scaffold before reporting accuracy on held-out graphs.",
            "applications": ["not reported", "Scaffold splits for graph kernels."],
        },
    }
    g = verify_findings(outputs, None, p)
    setting = outputs["methodology"]["task_setting"]
    assert setting["inputs"] == "Graphs split by scaffold." and setting["evaluation"].startswith("Accuracy")
    assert setting["outputs"] == setting["objective"] == "not stated in the paper"
    assert any("no passage of the paper states it" in d.unsupported for d in g.details)
    impact = outputs["impact"]
    assert impact["broader_impact"] == "" and impact["applications"] == ["Scaffold splits for graph kernels."]


def test_a_finding_that_denies_what_extraction_found_is_removed():
    from referee.paper import Link

    p = paper("Our code is public. We evaluate on MUTAG and report accuracy in Table 1.")
    p.links = [Link(url="https://github.com/example/kernel", kind="code", page=3)]
    outputs = {
        "reproducibility": {
            "code": "https://github.com/example/kernel (printed in the paper, p. 3)",
            "data": "not reported",
            "weights": "not reported",
            "details": [],
            "reasons": [
                "The paper does not provide any information about the code used in the experiments.",
                "Accuracy on MUTAG is reported in Table 1 without its variance.",
            ],
            "rating": 2,
        }
    }
    g = verify_findings(outputs, None, p)
    assert outputs["reproducibility"]["reasons"] == ["Accuracy on MUTAG is reported in Table 1 without its variance."]
    assert any("contradicts the paper: the paper links its code" in d.unsupported for d in g.details)


@pytest.mark.parametrize(
    ("shown", "denied", "fact"),
    [
        ("We train with a learning rate of 0.001 for 50 epochs.", "The paper does not specify the hyper-parameters "
         "used in training.", "the paper states its learning rate"),
        ("Training takes 12 hours on one NVIDIA A100 GPU.", "The paper does not report the training compute of "
         "the tagger.", "the paper reports its compute"),
        ("Table 1 reports the mean over five random seeds with standard deviations.", "Accuracy on MUTAG is "
         "reported without error bars.", "the paper reports variance"),
        ("We evaluate on three benchmarks: MUTAG, PTC and NCI1.", "The paper does not specify the datasets used in "
         "the experiments.", "the paper names its datasets"),
    ],
)  # fmt: skip
def test_a_finding_that_denies_what_the_rigour_detectors_found_is_removed_and_contradicts_nothing_without_them(
    shown, denied, fact
):
    kept = "Accuracy on MUTAG is reported in Table 1 for the kernel and its baselines."

    def outputs():
        return {"reproducibility": {"code": "not reported", "data": "not reported", "weights": "not reported",
                                    "details": [], "reasons": [denied, kept], "rating": 2}}  # fmt: skip

    shows = outputs()
    g = verify_findings(shows, None, paper(f"We compare the kernel with baselines on MUTAG. {shown}"))
    assert shows["reproducibility"]["reasons"] == [kept]
    assert any(f"contradicts the paper: {fact}" in d.unsupported for d in g.details)
    quiet = verify_findings(outputs(), None, paper("We compare the kernel with baselines on MUTAG in Table 1."))
    assert not any("contradicts the paper" in d.unsupported for d in quiet.details)  # nothing found to deny


def test_what_code_copied_from_the_paper_is_not_checked_as_model_text():
    """Seen on a corpus paper: three printed repository links, joined into the code field by code, failed the
    passage check meant for model-written facts and the field read 'not stated in the paper'."""
    p = paper("We compare against published face models.")
    links = "; ".join(f"https://github.com/lab/model-{i} (printed in the paper, p. {i})" for i in (2, 5, 7))
    outputs = {
        "reproducibility": {
            "code": links,
            "data": "not reported",
            "weights": "not reported",
            "details": [],
            "reasons": [],
            "rating": 2,
        }
    }
    verify_findings(outputs, None, p)
    assert outputs["reproducibility"]["code"] == links


def test_a_sentence_standing_on_two_papers_cards_could_describe_any_paper():
    texts = {
        "a": ["Practitioners could use it to speed up their experiments.", "It halves the error on MUTAG."],
        "b": ["Practitioners could use this to speed up experiments.", "A kernel over 3D point clouds."],
        "c": ["It halves the error on MUTAG."],  # the same sentence on a third paper
    }
    assert any_paper(texts) == {
        "Practitioners could use it to speed up their experiments.",
        "Practitioners could use this to speed up experiments.",
        "It halves the error on MUTAG.",
    }
    assert any_paper({"a": texts["a"]}) == set()


def test_a_checklist_sentence_in_words_the_paper_never_uses_goes():
    """Seen on the offline model: "The paper does not report any recent baselines for the experiments." on a
    paper that never speaks of baselines. Its words are those any review may use, so the stemmed content words
    (generic ones excused) were too few to test; in the sentence's own words, most are not in the paper."""
    p = paper("We predict which bank branch a client visits next from card payments, with gradient boosting.")
    outputs = {
        "experiments": {
            "missing_baselines": [
                "The paper does not report any recent baselines for the experiments.",
                "Branch visits are predicted with gradient boosting from card payments only.",
            ]
        }
    }
    grounding = verify_findings(outputs, None, p)
    assert outputs["experiments"]["missing_baselines"] == [
        "Branch visits are predicted with gradient boosting from card payments only."
    ]
    assert any("most of its words are not in the paper" in d.unsupported for d in grounding.details)


def test_a_sentence_on_another_papers_card_goes_with_a_ledger(tmp_path):
    ledger = SentenceLedger(tmp_path / "cache")
    template = "The paper does not report any baselines run under the same conditions."
    specific = "Our model reaches 94.7% accuracy on MUTAG, against 90.1% for GIN."
    first = paper(specific + " Our baselines run under the same conditions; we report them in the paper.")
    first.title = "A first paper"
    second = paper(specific + " " + template)
    second.title = "A second paper"
    outputs = {"experiments": {"missing_baselines": [template, "No comparison with GIN under a fixed budget."]}}
    verify_findings(outputs, None, first, ledger)
    assert outputs["experiments"]["missing_baselines"][0] == template  # the first card to say it keeps it
    specific_view = "MUTAG accuracy is compared against one baseline only."
    outputs = {"experiments": {"missing_baselines": [template.replace("any ", ""), specific_view]}}
    grounding = verify_findings(outputs, None, second, ledger)
    assert outputs["experiments"]["missing_baselines"] == [specific_view]
    assert "it stands on the card of another paper" in grounding.details[0].unsupported
    outputs = {"experiments": {"missing_baselines": [template]}}
    verify_findings(outputs, None, first, ledger)  # a paper's own earlier card is not another paper's
    assert outputs["experiments"]["missing_baselines"] == [template]


def test_a_tldr_written_again_as_every_reason_leaves_one_reason_and_the_abstracts_sentence():
    """Seen on the offline model: the TL;DR's sentence as all four reasons; every reason went as a repeat of the
    TL;DR, and the card had no verdict."""
    p = paper("Our model reaches 94.7% accuracy on MUTAG, against 90.1% for GIN. It does not compare with kernels.")
    p.abstract = "We propose a graph kernel that reaches high accuracy on MUTAG with little training."
    said = "The paper does not compare the model with graph kernels on MUTAG."
    verdict = {"tldr": said, "reasons": [said] * 4, "score": 5.0, "label": "INCREMENTAL", "confidence": 3}
    verify_findings({}, verdict, p)
    assert verdict["reasons"] == [said]
    assert verdict["tldr"].startswith("From the abstract: \u201cWe propose a graph kernel")


def test_a_card_that_compares_with_a_baseline_cannot_also_say_it_compares_with_none():
    """Seen on the offline model: 'does not compare ... with any other baselines' above a results table whose
    rows compare the paper's model with three baselines of the same table."""
    p = paper(
        "Our model reaches 94.7% accuracy on MUTAG, against 90.1% for GIN. We compare with no graph kernel.",
        table_rows=[["Dataset", "Ours", "GIN"], ["MUTAG", "94.7", "90.1"]],
    )
    row = {"cell": "T1.r1.c1", "baseline_cell": "T1.r1.c2", "dataset": "MUTAG", "metric": "Table 1"}
    row |= {"method": "Ours", "this_paper": "94.7", "best_baseline": "GIN", "baseline_value": "90.1", "page": 3}
    denial_ = "The paper does not compare the accuracy of the proposed model on MUTAG with any other baselines."
    outputs = {"experiments": {"results": [row], "missing_baselines": [denial_, "No kernel on MUTAG is compared."]}}
    grounding = verify_findings(outputs, None, p)
    assert outputs["experiments"]["missing_baselines"] == ["No kernel on MUTAG is compared."]
    assert any("the card compares it with GIN (Table 1, p. 3)" in d.unsupported for d in grounding.details)


def test_a_template_of_few_content_words_is_recognised_on_another_card(tmp_path):
    ledger = SentenceLedger(tmp_path / "cache")
    first, second = paper("Our model is compared with recent baselines."), paper("Recent baselines are missing.")
    first.title, second.title = "One paper", "Another paper"
    verify_findings(
        {"experiments": {"missing_baselines": ["The paper does not report recent baselines"]}}, None, first, ledger
    )
    outputs = {"experiments": {"missing_baselines": ["The paper does not report any recent baselines."]}}
    grounding = verify_findings(outputs, None, second, ledger)
    assert outputs["experiments"]["missing_baselines"] == []
    assert "it stands on the card of another paper" in grounding.details[0].unsupported
