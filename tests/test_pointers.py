"""Evidence by pointer: the paper reaches a model as numbered units, the model cites ids, code copies the units;
and what code settles after it: misattributed lineage, denials of extracted facts."""

from __future__ import annotations

from referee.agents.base import sentence_lookup
from referee.contract.findings import NOT_STATED, Point
from referee.paper import Paper, Reference, Section, Table
from referee.reviewers.experiments import ExperimentsReview
from referee.reviewers.methodology import MethodologyReview
from referee.reviewers.novelty import NoveltyReview
from referee.tools.extraction.digest import estimate_tokens, paper_text
from referee.tools.extraction.units import Units
from referee.tools.grounding.consistency import denial

RESULTS = "We evaluate on two benchmarks. Our estimator halves the error on MUTAG. It needs no tuning."
THANKS = "We thank the funding agency for its generous support."


def paper() -> Paper:
    results = Section(
        heading="Results", level=1, page_start=4, page_end=5, text=RESULTS, page_offsets=[(0, 4), (60, 5)]
    )
    thanks = Section(heading="Acknowledgements", level=1, page_start=6, page_end=6, text=THANKS)
    table = Table(
        label="Table 2",
        caption="Table 2: Error on two benchmarks.",
        page=5,
        rows=[["Ours", "Baseline"], ["MUTAG", "0.125", "0.250"], ["PTC", "0.310", "0.402"]],
    )
    return Paper(
        source="x.pdf",
        pages=6,
        title="A sparse estimator",
        authors=[],
        affiliations=[],
        abstract="We propose a sparse estimator. It is fast.",
        sections=[results, thanks],
        references=[
            Reference(index=1, text="Alpha, A. 2019. Dense estimators for graphs. JMLR.", page=6),
            Reference(index=2, text="Beta, B. 2020. Sparse kernels. NeurIPS.", page=6),
        ],
        tables=[table],
        figures=[],
        links=[],
    )


def test_units_number_the_abstract_then_the_readable_sections_with_their_pages():
    units = Units(paper())
    assert [(s.id, s.text, s.page) for s in units.sentences] == [
        ("S1", "We propose a sparse estimator.", 1),
        ("S2", "It is fast.", 1),
        ("S3", "We evaluate on two benchmarks.", 4),
        ("S4", "Our estimator halves the error on MUTAG.", 4),
        ("S5", "It needs no tuning.", 5),  # starts after offset 60: printed on page 5
    ]
    assert units.sentence("[S4]").text.startswith("Our estimator") and units.sentence("see S4, S5").id == "S4"
    assert units.sentence("S99") is None and units.sentence("") is None
    assert units.reference("R2").text.startswith("Beta") and units.reference("R3") is None


def test_the_digest_prints_the_ids_models_cite_and_leaves_private_sections_out():
    text = paper_text(paper(), 4000)
    assert "[S1] We propose a sparse estimator." in text and "[S4] Our estimator halves the error" in text
    assert "T1.r1: c0 MUTAG | c1 0.125 | c2 0.250" in text and "[R2] Beta, B. 2020." in text
    assert THANKS not in text


def test_cells_resolve_with_the_labels_of_their_row_and_header():
    units = Units(paper())
    cell = units.cell("T1.r1.c1")
    # the header lacks its corner cell: it is read one column to the left
    assert (cell.text, cell.row_label, cell.column_label) == ("0.125", "MUTAG", "Ours")
    assert units.cell("T1.r1.c0") is None  # a label, not a value
    assert units.cell("T2.r1.c1") is None and units.cell("T1.r9.c1") is None and units.cell("0.125") is None


def test_a_result_row_is_copied_from_its_cells_and_the_delta_computed():
    review = ExperimentsReview.model_validate(
        {
            "results": [
                {"cell": "T1.r1.c1", "baseline_cell": "T1.r1.c2", "this_paper": "99.9"},  # a typed number goes
                {"cell": "T1.r2.c1", "baseline_cell": "T1.r1.c2"},  # different row and column: no delta
                {"cell": "T1.r2.c1"},  # no baseline
                {"cell": "4.2"},  # a section number, not a cell: the row goes
                {"cell": "T1.r1.c1", "baseline_cell": "T1.r1.c2"},  # a repeat of the first row goes
            ]
        }
    ).settle(paper())
    first, second, third = review.results
    assert (first.metric, first.dataset, first.method, first.this_paper) == ("Table 2", "MUTAG", "Ours", "0.125")
    assert (first.best_baseline, first.baseline_value, first.delta, first.page) == ("Baseline", "0.250", "-0.125", 5)
    assert second.baseline_value == "0.250" and second.delta == NOT_STATED
    assert (third.dataset, third.method, third.this_paper) == ("PTC \u00b7 Ours", "", "0.310")
    assert third.best_baseline == third.baseline_value == third.delta == NOT_STATED


def test_prior_work_is_the_bibliography_entry_its_id_names():
    review = NoveltyReview.model_validate(
        {
            "prior_work": [
                {
                    "reference": "R1",
                    "what_it_did": "Fits dense estimators on graphs with a quadratic solver.",
                    "delta": "Sparsity.",
                    "name": "Smith 2001",
                },
                {"reference": "R7", "what_it_did": "Something.", "delta": "More."},  # no such entry
                # the words of another entry (R2) under R1's id: misattributed, the work goes
                {"reference": "R1", "what_it_did": "Beta 2020: sparse kernels at NeurIPS.", "delta": "Faster."},
                # its own entry restated: nothing said of what the work did
                {"reference": "R2", "what_it_did": "Beta, B. Sparse kernels. NeurIPS 2020.", "delta": "Faster."},
            ],
            "reasons": ["It adds sparsity."],
            "assessment": "new combination",
        }
    ).settle(paper())
    assert [(w.reference, w.name, w.page, w.what_it_did) for w in review.prior_work] == [
        (
            "R1",
            "Alpha, A. 2019. Dense estimators for graphs. JMLR.",
            6,
            "Fits dense estimators on graphs with a quadratic solver.",
        ),
        ("R2", "Beta, B. 2020. Sparse kernels. NeurIPS.", 6, NOT_STATED),
    ]


def test_a_cited_sentence_replaces_whatever_quote_the_model_typed():
    p = paper()
    review = MethodologyReview.model_validate(
        {
            "task_setting": {"inputs": "graphs", "outputs": "errors", "objective": "error", "evaluation": "MUTAG"},
            "method_steps": [
                {"claim": "Halves the error.", "evidence": "S4", "quote": "invented words", "page": 9},
                {"claim": "My view.", "evidence": "", "quote": "more invented words"},
            ],
        }
    ).cite(sentence_lookup(p))
    first, second = review.method_steps
    assert (first.quote, first.page) == ("Our estimator halves the error on MUTAG.", 4)
    assert (second.quote, second.page) == ("", None)


def test_models_are_not_asked_for_what_code_copies():
    for schema in (Point, ExperimentsReview, NoveltyReview):
        text = str(schema.model_json_schema())
        assert "'quote'" not in text and "'this_paper'" not in text and "'baseline_value'" not in text


def test_a_denial_of_extracted_facts_is_read_in_either_word_order():
    facts = {"code": "the paper links its code", "limitations": "the paper states limitations"}
    for sentence in ("The code is not reported in the paper.", "No code is released.", "Limitations are not stated."):
        assert denial(sentence, facts), sentence
    assert denial("The code is released on GitHub.", facts) is None


def test_a_paper_in_japanese_is_budgeted_at_about_a_token_per_character():
    """Seen on the corpus's Japanese paper: a budget counted at 2.6 characters per token filled the prompt with
    three times the tokens it allowed, and every reviewer overflowed the model's context."""
    p = paper()
    p.sections[0].text = "本研究では八代集の語彙変化を分析する。" * 400
    text = paper_text(p, 1000)
    wide = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff")
    assert 600 <= wide <= 1000 and estimate_tokens(text) <= 1100


def test_a_paper_of_sixty_sections_stays_within_the_budget():
    """Seen on a 71-page paper: every section got at least 300 characters, sixty sections overran the budget
    threefold, and every reviewer of the offline model overflowed its context window."""
    p = paper()
    sentence = "We bound the approximation error of the estimator by a constant times the kernel norm. "
    p.sections = [
        Section(heading=f"Part {k}", number=str(k), level=1, page_start=k, page_end=k, text=sentence * 20)
        for k in range(1, 61)
    ]
    text = paper_text(p, 2000)
    assert estimate_tokens(text) <= 2000
    assert all(f"SECTION {k} Part {k}" in text for k in range(1, 61))  # each still shows its heading


def _long_paper() -> Paper:
    filler = " ".join(f"Paragraph {n} restates the setting of the estimator in other words." for n in range(60))
    sections = [
        Section(heading="Method", level=1, page_start=2, page_end=3,
                text=f"We describe the estimator. {filler} Seeds were fixed to five values for every run."),
        Section(heading="Results", level=1, page_start=4, page_end=5,
                text=f"We report the results. {filler} The code is released on GitHub under a free licence."),
    ]  # fmt: skip
    return paper().model_copy(update={"sections": sections, "tables": [], "references": []})


def test_a_small_budget_reads_each_section_opening_then_what_the_questions_concern():
    from referee.tools.extraction.digest import coverage

    long = _long_paper()
    asked = ["Is the code released? Where is the repository?", "Which random seeds and how many runs?"]
    retrieved = paper_text(long, 600, queries=asked)
    head_only = paper_text(long, 600)
    for opening in ("We describe the estimator.", "We report the results."):
        assert opening in retrieved and opening in head_only
    for deep in ("The code is released on GitHub under a free licence.", "Seeds were fixed to five values"):
        assert deep in retrieved and deep not in head_only  # the last sentences of long sections
    assert "[...]" in retrieved and estimate_tokens(retrieved) <= 600 * 1.1
    read = coverage(long, retrieved)
    assert read.sections_read == read.sections == 2 and 0 < read.share < 0.5
    assert paper_text(long, 100_000, queries=asked) == paper_text(long, 100_000)  # a paper that fits: all of it


def test_retrieval_takes_each_question_in_turn_within_the_room():
    from referee.tools.extraction.retrieval import pick, ranked

    units = Units(_long_paper())
    rankings = ranked(units.sentences, ["code repository GitHub licence", "seeds runs"])
    assert rankings[0][0].text.startswith("The code is released") and rankings[1][0].text.startswith("Seeds")
    chosen = pick(rankings, room=120, size=lambda s: len(s.text))
    assert {s.text[:9] for s in chosen} == {"The code ", "Seeds wer"}  # one for each question, then no room
    assert pick(rankings, room=10, size=lambda s: len(s.text)) == []
