"""Issue 12, facts over claims: a link the paper prints fills its field; the model's denial never reaches the card."""

from __future__ import annotations

from fakes import FakeReviewModel, synthesize
from pdfbuild import two_column_paper
from test_render import review

from referee.reviewers.reproducibility import rating_floor
from referee.tools.publishing.render import to_markdown


def denies_everything(name, schema, prompt):
    answer = synthesize(schema, prompt, name=name)
    if name == "ReproducibilityReview":
        answer.update(code="not reported", data="not released", weights="not reported", rating=1)
    return answer


def test_printed_links_fill_code_and_data_whatever_the_model_says(tmp_path):
    pdf = tmp_path / "paper.pdf"
    two_column_paper(pdf)  # prints a GitHub repository and a Zenodo record, no model weights
    final = review(pdf, tmp_path / "out", model=FakeReviewModel(responder=denies_everything))
    r = final["card"].review("reproducibility")
    assert r.code == "https://github.com/example/sparse-tiny (printed in the paper, p. 1)"
    assert r.data == "https://zenodo.org/record/123456 (printed in the paper, p. 1)"
    assert r.weights == "not stated in the paper"  # no model link is printed: an abstention, in the card's words
    assert r.rating >= 3  # printed code and data earn at least 3 of 5, whatever rating the model gave
    md = to_markdown(final["card"])
    assert "**Code:** not reported" not in md and "**Code:** https://github.com/example/sparse-tiny" in md


def test_a_rating_above_what_the_facts_earn_is_held_to_one_more(tmp_path):
    def boasts(name, schema, prompt):
        answer = synthesize(schema, prompt, name=name)
        if name == "ReproducibilityReview":
            answer["rating"] = 5
        return answer

    pdf = tmp_path / "paper.pdf"
    two_column_paper(pdf)
    final = review(pdf, tmp_path / "out", model=FakeReviewModel(responder=boasts))
    floor = rating_floor(final["paper"])
    assert final["card"].review("reproducibility").rating == min(5, floor + 1) and floor >= 3
