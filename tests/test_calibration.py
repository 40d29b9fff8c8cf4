"""The calibration log: every verdict a review writes is kept in SQLite under the cache directory, and
`review calibration` shows how the scores spread per week and per model, warning where they cluster."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from fakes import FakeReviewModel
from pdfbuild import two_column_paper
from test_cli_extract import review as run_cli
from test_render import review

from referee.tools.publishing.calibration import Logged, densest, logged, record, spreads


def test_densest_share_and_spreads_per_group():
    assert densest([5.0, 5.5, 5.9, 8.0]) == 0.75 and densest([1.0, 3.0, 5.0, 7.0]) == 0.25 and densest([]) == 0.0
    rows = [Logged("a", 1, "m1", s, "SOLID", "2026-04-14", f"r{i}") for i, s in enumerate((6.0, 6.2, 6.4))]
    rows += [
        Logged("b", 1, "m2", 2.0, "FLAWED", "2026-04-21", "r9"),
        Logged("c", 1, "m2", 9.0, "SOLID", "2026-04-21", "r8"),
    ]
    by_week = {s.group: s for s in spreads(rows, "week")}
    assert set(by_week) == {"2026-W16", "2026-W17"} and by_week["2026-W16"].clustered
    assert not by_week["2026-W17"].clustered and by_week["2026-W17"].bins[2] == ("2–3", 1)
    by_model = {s.group: s for s in spreads(rows, "model")}
    assert by_model["m1"].n == 3 and round(by_model["m1"].mean, 1) == 6.2


def test_the_log_keeps_each_verdict_once_and_reads_the_last_weeks(tmp_path):
    old = Logged("2604.00001", 1, "m", 5.0, "INCREMENTAL", "2026-01-05", "t1")
    new = Logged("2604.00002", 2, "m", 7.0, "SOLID", "2026-04-20", "t2")
    for row in (old, new, new):
        record(tmp_path, row)
    assert logged(tmp_path) == [old, new]
    assert logged(tmp_path, weeks=2, today=date(2026, 4, 22)) == [new]
    assert logged(tmp_path / "nothing") == []


def test_reviews_are_logged_and_review_calibration_draws_them(tmp_path):
    cache = Path(os.environ["REFEREE_CACHE_DIR"])  # the tests' own (conftest)
    for n, title in enumerate(["Graph Kernels Revisited", "Sparse Message Passing", "Attention on Trees"]):
        pdf = tmp_path / f"p{n}.pdf"
        two_column_paper(pdf, title=title)
        review(pdf, tmp_path / "out", FakeReviewModel())
    rows = logged(cache)
    assert len(rows) == 3 and {r.model for r in rows} == {"FakeReviewModel"}
    assert all(r.day == date.today().isoformat() and r.paper.endswith(".pdf") for r in rows)
    result = run_cli("calibration", "--weeks", "1")
    assert result.returncode == 0, result.stderr
    assert "Scores per week" in result.stdout and "Scores per model" in result.stdout
    assert "n=3" in result.stdout and "FakeReviewModel" in result.stdout
    clustered = spreads(rows, "model")[0].clustered
    assert clustered == ("within one point (over 60%)" in result.stderr)
    empty = run_cli("calibration", "--cache-dir", str(tmp_path / "empty"))
    assert empty.returncode == 0 and "no verdict logged yet" in empty.stderr
