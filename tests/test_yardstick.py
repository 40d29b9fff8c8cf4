"""bench/iclr.py, the verdict yardstick: its metrics against the figures published with the ICLR 2022 sample,
and a run of the pipeline and the naive baselines on two of its papers with the deterministic model."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import iclr  # noqa: E402


def test_auc_counts_pairs_and_ties_half():
    accepted = np.array([True, True, False, False])
    assert iclr.auc(np.array([9.0, 8.0, 3.0, 2.0]), accepted) == 1.0
    assert iclr.auc(np.array([5.0, 5.0, 5.0, 5.0]), accepted) == 0.5
    assert iclr.auc(np.array([2.0, 8.0, 3.0, 9.0]), accepted) == 0.25


def test_the_metrics_reproduce_the_published_figures_of_the_sample():
    """The sample's README gives GPT-4o (1-shot, 5 reflections, ensemble of 5) on these 40 papers: accuracy
    0.675, AUC 0.675, Pearson r 0.32; GPT-4o zero-shot: AUC 0.522, r -0.06."""
    root = shared_path("iclr2022")
    papers = iclr.rated_papers(root)
    assert len(papers) == 40 and sum(p.accepted for p in papers[:10]) == 5
    rows = iclr.published(papers, root)
    best = iclr.measure(
        *rows["published: gpt-4o-2024-05-13_temp_0_1_fewshot_1_reflect_5_ensemble_5_pages_all"], rounds=200
    )
    assert best["accuracy"][0] == pytest.approx(0.675)
    assert best["AUC"][0] == pytest.approx(0.675, abs=0.001) and best["Pearson r"][0] == pytest.approx(0.32, abs=0.005)
    low, high = best["AUC"][1:]
    assert low < 0.675 < high
    zero = iclr.measure(*rows["published: gpt-4o-2024-05-13_temp_0_1_pages_all"], rounds=50)
    assert zero["AUC"][0] == pytest.approx(0.522, abs=0.001) and zero["Pearson r"][0] == pytest.approx(-0.06, abs=0.005)


def test_two_papers_are_scored_by_the_pipeline_and_both_naive_baselines(tmp_path, monkeypatch):
    root = shared_path("iclr2022")
    monkeypatch.setenv("REFEREE_CACHE_DIR", str(tmp_path / "cache"))
    papers = iclr.rated_papers(root)[:2]
    found = iclr.referee_scores(papers, tmp_path / "cards", fake=True, root=root)
    assert set(found) == {"Referee (pipeline)", "naive: abstract only", "naive: paper, one prompt"}
    for pairs in found.values():
        assert [p.paper_id for p, _ in pairs] == [p.paper_id for p in papers]
        assert all(0 <= score <= 10 for _, score in pairs)
    assert all((tmp_path / "cards" / p.paper_id / "card.md").exists() for p in papers)


def test_the_spread_bench_reviews_one_paper_several_times_and_reports_each_part(tmp_path, monkeypatch, capsys):
    import spread

    root = shared_path("iclr2022")
    monkeypatch.setenv("REFEREE_CACHE_DIR", str(tmp_path / "cache"))
    source = str(root / "papers" / f"{iclr.rated_papers(root)[0].paper_id}.md")
    cards = spread.pipeline_runs(source, 2, tmp_path / "runs", fake=True)
    assert len(cards) == 2 and {c["score"] for c in cards} == {cards[0]["score"]}  # the fake model: no spread
    assert all(c["chair"] is not None and c["checklist"] is not None for c in cards)
    mean = round((cards[0]["chair"] + cards[0]["checklist"]) / 2, 1)
    assert cards[0]["score"] <= mean  # the mean of the two, or lower where a ceiling holds it
    bare = spread.bare_prompt_runs(source, 2, fake=True)
    assert len(bare) == 2 and spread.spread(bare) == 0.0 and spread.spread([5.0, 6.5, 6.0]) == 1.5
    assert "run 2: score" in capsys.readouterr().out
