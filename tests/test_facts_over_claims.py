"""Issue 12, facts over claims: a link the paper prints fills its field; the model's denial never reaches the card."""

from __future__ import annotations

from fakes import FakeReviewModel, synthesize
from pdfbuild import two_column_paper
from test_render import review

from referee.tools.render import to_markdown


def denies_everything(name, schema, prompt):
    answer = synthesize(schema, prompt, name=name)
    if name == "ReproducibilityReview":
        answer.update(code="not reported", data="not released", weights="not reported")
    return answer


def test_printed_links_fill_code_and_data_whatever_the_model_says(tmp_path):
    pdf = tmp_path / "paper.pdf"
    two_column_paper(pdf)  # prints a GitHub repository and a Zenodo record, no model weights
    final = review(pdf, tmp_path / "out", model=FakeReviewModel(responder=denies_everything))
    r = final["card"].review("reproducibility")
    assert r.code == "https://github.com/example/sparse-tiny (printed in the paper, p. 1)"
    assert r.data == "https://zenodo.org/record/123456 (printed in the paper, p. 1)"
    assert r.weights == "not reported"  # no model link is printed: the model's word stands
    md = to_markdown(final["card"])
    assert "**Code:** not reported" not in md and "**Code:** https://github.com/example/sparse-tiny" in md
