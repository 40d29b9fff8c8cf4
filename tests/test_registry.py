"""A seventh reviewer is one module, one prompt and one registry entry: the graph runs it, the verdict reads
it, the card shows it, run.json counts it, the CLI accepts it, and its fields are checked by their kinds."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import corpus_path
from fakes import FakeReviewModel, synthesize
from pydantic import Field

from referee.contract.findings import Findings, Point, Statement, fact_text
from referee.contract.registry import Reviewer, register, reviewer_names, unregister
from referee.graph import build
from referee.state import Context

PROMPT = """Review the ethics of the paper in <paper>: what consent and licences it states, and your concerns.
Answer with the schema; quote the paper's own words for every point.
"""


class EthicsReview(Findings):
    consent: fact_text(300) = Field(description="what the paper states about consent or licences")
    evidence: list[Point] = Field(default_factory=list, max_length=3)
    concerns: list[Statement] = Field(default_factory=list, max_length=3)


@pytest.fixture
def ethics(tmp_path, monkeypatch):
    package = tmp_path / "ethics_prompts"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "ethics.md").write_text(PROMPT)
    monkeypatch.syspath_prepend(str(tmp_path))
    reviewer = register(
        Reviewer(
            name="ethics",
            title="ethics",
            prompt="ethics",
            prompt_package="ethics_prompts",
            schema=EthicsReview,
            headings=("Ethics",),
            reads=("ethic", "data", "consent"),
        )
    )
    yield reviewer
    unregister("ethics")
    sys.modules.pop("ethics_prompts", None)


def test_a_seventh_reviewer_runs_end_to_end(ethics, tmp_path):
    assert reviewer_names()[-1] == "ethics" and len(reviewer_names()) == 7

    def responder(name, schema, prompt):
        data = synthesize(schema, prompt, name=name)
        if name == "EthicsReview":  # a fact naming what the paper never names
            data["concerns"] = ["The TUDataset collection of graph datasets lacks a review by Zorblax."]
        return data

    model = FakeReviewModel(responder=responder)
    context = Context(models={"reviewer": model, "verdict": model}, out_dir=tmp_path / "out")
    pdf = corpus_path("papers", "tudataset-grl2020", "paper.pdf")
    final = build().compile().invoke({"source": str(pdf)}, context=context)
    assert "Review the ethics of the paper" in model.prompts[model.calls.index("EthicsReview")]
    assert '"ethics"' in model.prompts[model.calls.index("Verdict")]  # the chair reads it with the others
    card = final["card"]
    assert isinstance(card.review("ethics"), EthicsReview) and card.missing == {}
    folder = tmp_path / "out" / "paper"
    markdown = (folder / "card.md").read_text()
    assert "## Ethics" in markdown and card.review("ethics").consent[:40].replace("_", "\\_") in markdown
    stored = json.loads((folder / "card.json").read_text())
    assert set(stored["reviews"]) == set(reviewer_names())
    run = json.loads((folder / "run.json").read_text())
    assert run["nodes"]["review_ethics"]["ok"] is True and "ethics" in run["inputs"]["reviewers"]
    # its fields are checked by their kinds, like those of the six that ship: the judgement naming a board the
    # paper never names is marked
    marked = [d for d in final["grounding"].details if d.where == "ethics.concerns[0]"]
    assert marked and marked[0].action == "marked" and "Zorblax" in card.review("ethics").concerns[0]


def test_a_registered_reviewer_can_be_chosen_alone(ethics, tmp_path):
    model = FakeReviewModel()
    context = Context(models={"reviewer": model, "verdict": model}, out_dir=tmp_path / "out")
    pdf = corpus_path("papers", "tudataset-grl2020", "paper.pdf")
    final = build().compile().invoke({"source": str(pdf), "reviewers": ["ethics"]}, context=context)
    assert set(final["card"].reviews) == {"ethics"}
    assert [c for c in model.calls if c.endswith("Review")] == ["EthicsReview"]
