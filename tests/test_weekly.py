"""`review weekly` end to end: a listing on loopback, ChatOpenAI to a fake server, real corpus PDFs.

The synthetic week (tests/weekly_world.py) has 60 listings around the ten corpus papers; the real listing
feeds of ../shared/corpus/feeds are served as they are (their papers have no PDF here).
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_path
from fake_openai import FakeOpenAI
from loopback import API_PATH, PDF_PATH
from test_cli_extract import review
from weekly_world import NO_PDF, TOPICS, build_week, responder_for

from referee.contract.registry import reviewers
from referee.tools.publishing.report import SPENT_NOTE

REVIEWER_SCHEMAS = {r.schema.__name__ for r in reviewers()}


def topics_toml(path: Path) -> Path:
    lines = [
        f"keywords = {json.dumps(TOPICS.keywords)}",
        f"negative = {json.dumps(TOPICS.negative)}",
    ]
    for t in TOPICS.topics:
        lines += ["", "[[topic]]", f'id = "{t.id}"', f'name = "{t.name}"', f'keep = "{t.keep}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tomllib.loads(path.read_text())  # the file the user would write
    return path


def world(httpserver, tmp_path, *, cache: str = "cache"):
    corpus_path("papers")  # skip, saying why, without the corpus
    week = build_week(CORPUS)
    week.install(httpserver)
    fake = FakeOpenAI(responder=responder_for(week))
    base = fake.install(httpserver)
    env = {
        "OPENAI_BASE_URL": base,
        "OPENAI_API_KEY": "test-key",
        "REFEREE_MODEL": "fake-model",
        "REFEREE_CACHE_DIR": str(tmp_path / cache),
        "REFEREE_ARXIV_API_URL": httpserver.url_for(API_PATH),
        "REFEREE_ARXIV_PDF_URL": httpserver.url_for(PDF_PATH),
        "REFEREE_REQUEST_INTERVAL": "0",
    }
    return week, fake, env


WEEK_ARGS = ("weekly", "--categories", "cs.LG", "--week", "2026-W16", "--top", "8")


def test_synthetic_week_end_to_end(httpserver, tmp_path):
    week, fake, env = world(httpserver, tmp_path)
    topics = topics_toml(tmp_path / "topics.toml")
    out = tmp_path / "out"
    result = review(*WEEK_ARGS, "--topics", str(topics), "--out", str(out), env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    folder = out / "weekly" / "2026-W16"
    assert {"report.md", "report.html", "report.json"} <= {p.name for p in folder.iterdir()}
    report = json.loads((folder / "report.json").read_text())
    # 60 listed; 5 negative-keyword ("survey") and 5 keyword-less listings filtered out
    assert report["counts"] == {
        "scanned": 60,
        "filtered": 50,
        "triaged": 50,
        "triage_failed": 0,
        "reviewed": 7,
        "review_failed": 1,
    }
    called = Counter(r["tools"][0]["function"]["name"] for r in fake.requests)
    assert called["TriageBatch"] == math.ceil(50 / 8) and called["Verdict"] == 7
    ranked = report["ranked"]
    assert [e["rank"] for e in ranked] == list(range(1, 9))
    reviewed = [e["score"] for e in ranked if e["ranked_on"] == "deep review"]
    assert reviewed == sorted(reviewed, reverse=True) and len(reviewed) == 7
    # the paper without a PDF follows the reviewed ones, on its triage alone, and says why
    assert ranked[-1]["arxiv_id"] == NO_PDF and ranked[-1]["ranked_on"] == "triage only"
    assert "HTTP 404" in ranked[-1]["note"]
    for entry in ranked:
        if entry["ranked_on"] == "deep review":
            assert (folder / entry["card"]).resolve().is_file(), entry["card"]
            # applications are judgements: those left after the card's checks (possibly none, said in words)
            assert entry["tldr"] and entry["key_findings"] and isinstance(entry["applications"], list)
            assert entry["arxiv_id"] in week.corpus_ids
    for entry in ranked:
        if entry["gem"]:
            assert entry["score"] >= 7.5 and entry["attention"]["points"] <= 1, entry
            assert entry["gem_reason"].count(".") >= 1 and "yet likely to be missed" in entry["gem_reason"]
        elif entry["ranked_on"] == "deep review" and entry["score"] >= 7.5:
            assert entry["attention"]["points"] > 1 and entry["note"].startswith("expected attention")
    assert [g["arxiv_id"] for g in report["gems"]] == [e["arxiv_id"] for e in ranked if e["gem"]]
    assert {t["name"] for t in report["topics"]} <= {"Methods and theory", "Data and resources", "Other"}
    assert sorted(n for t in report["topics"] for n in t["papers"]) == list(range(1, 9))
    assert len(report["also_triaged"]) == 50 - 8
    stages = {(u["stage"], u["model"]) for u in report["usage"]}
    assert stages == {("triage", "fake-model"), ("deep review", "fake-model"), ("verdict", "fake-model")}
    md = (folder / "report.md").read_text()
    for heading in ("## Contents by topic", "## Hidden gems", "## Ranked papers", "## Tokens and cost"):
        assert heading in md
    assert "Scanned **60** papers" in md and "Ranked on triage only" in md
    page = (folder / "report.html").read_text()
    assert "<script" not in page and 'id="paper-1"' in page and "/card.html" in page
    assert "report: " in result.stderr and "hidden gems" in result.stderr
    # pictures: score distribution, label mix and topic mix, inline SVG beside a table of the same numbers
    assert sorted(p.name for p in (folder / "charts").iterdir()) == ["labels.svg", "scores.svg", "topics.svg"]
    charts = re.findall(r'<div class="chart"><figure><svg role="img" aria-label="([^"]+)".*?</svg>\s*</figure>\s*'
                        r"(<table>.*?</table>)</div>", page, flags=re.S)  # fmt: skip
    assert len(charts) == 3 and charts[0][0].startswith("Scores of the 7 papers reviewed in depth")
    counted = [sum(map(int, re.findall(r'<td style="text-align: right;">(\d+)</td>', table))) for _, table in charts]
    assert counted == [7, 7, 8]  # scores and labels of the 7 reviewed; the topics of all 8 ranked
    assert "![Scores of the 7 papers" in md and "| 9–10 | 0 |" in md


def test_real_listing_feed_served_on_loopback(httpserver, tmp_path):
    """The 29-paper listing of ../shared/corpus/feeds, fetched by URL: none of its papers can be had here, so
    every top paper is ranked on triage alone, and the report says why."""
    _, fake, env = world(httpserver, tmp_path)
    body = corpus_path("feeds", "listing_2026-04-17_29_papers.xml").read_bytes()
    httpserver.expect_request("/listing.xml").respond_with_data(body, content_type="application/atom+xml")
    out = tmp_path / "out"
    result = review(
        "weekly", "--feed", httpserver.url_for("/listing.xml"), "--top", "3", "--out", str(out), env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "weekly" / "2026-W16" / "report.json").read_text())
    assert report["counts"]["scanned"] == 29 and report["counts"]["triaged"] == 29
    assert [e["ranked_on"] for e in report["ranked"]] == ["triage only"] * 3
    # the loopback arXiv knows none of these ids: each note says so, naming the paper
    assert all(e["note"] == f"arXiv has no paper with id {e['arxiv_id']}v1" for e in report["ranked"])
    assert (out / "weekly" / "2026-W16" / "report.html").is_file()


def test_rss_feed_file(httpserver, tmp_path):
    _, _, env = world(httpserver, tmp_path)
    feed = corpus_path("feeds", "arxiv_rss_atom_listing_cs.AI_2025-08-20.xml")
    out = tmp_path / "out"
    result = review("weekly", "--feed", str(feed), "--top", "0", "--out", str(out), env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "weekly" / "2025-W34" / "report.json").read_text())
    assert report["counts"]["scanned"] == 7 and report["counts"]["reviewed"] == 0
    assert len(report["also_triaged"]) == 7


def test_bad_weekly_arguments_fail_cleanly(tmp_path):
    for args, message in [
        (("weekly",), "say what to read"),
        (("weekly", "--categories", "cs.LG", "--week", "2026-16"), "ISO week"),
        (("weekly", "--categories", "cs.LG", "--week", "2026-W16", "--from", "2026-04-01"), "not both"),
        (("weekly", "--categories", "cs.LG", "--from", "2026-04-09", "--to", "2026-04-01"), "after --to"),
        (("weekly", "--categories", "cs LG!", "--week", "2026-W16"), "not an arXiv category"),
        (("weekly", "--feed", str(tmp_path / "nope.xml")), "no such feed file"),
        (("weekly", "--ids", str(tmp_path / "nope.txt")), "no such ids file"),
    ]:
        result = review(*args, "--out", str(tmp_path / "o"), env={"OPENAI_API_KEY": "k", "REFEREE_MODEL": "m"})
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)


def _start(args: tuple[str, ...], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "referee", *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_run_resumes_without_spending_tokens_on_finished_papers(httpserver, tmp_path):
    week, fake, env = world(httpserver, tmp_path)
    topics = topics_toml(tmp_path / "topics.toml")
    args = (*WEEK_ARGS, "--topics", str(topics), "--concurrency", "1")
    answer = fake.responder
    state = {"verdicts": 0, "process": None, "killed_at": None}

    def killing_responder(name, schema, prompt):
        # the first reviewer request of the third paper: two deep reviews are finished and saved
        if name in REVIEWER_SCHEMAS and state["verdicts"] == 2 and state["killed_at"] is None:
            state["killed_at"] = len(fake.requests)
            os.kill(state["process"].pid, signal.SIGKILL)
            time.sleep(0.5)
        if name == "Verdict":
            state["verdicts"] += 1
        return answer(name, schema, prompt)

    fake.responder = killing_responder
    out = tmp_path / "out"
    state["process"] = _start((*args, "--out", str(out)), env)
    state["process"].communicate(timeout=300)
    assert state["process"].returncode == -signal.SIGKILL and state["killed_at"] is not None
    assert not (out / "weekly" / "2026-W16" / "report.json").exists()
    first_run = len(fake.requests)

    fake.responder = answer
    result = review(*args, "--out", str(out), env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "resumed" in result.stderr
    rerun = Counter(r["tools"][0]["function"]["name"] for r in fake.requests[first_run:])
    assert rerun["TriageBatch"] == 0 and rerun["Verdict"] == 5  # 7 reviewable papers, 2 finished before
    runs = [json.loads(line) for line in (out / "weekly" / "2026-W16" / "runs.jsonl").read_text().splitlines()]
    assert runs[-1]["status"] == "resumed"
    spent = runs[-1]["spent"]
    assert "triage" not in spent  # triage finished before the kill
    # the five unfinished papers, each six reviewers, a verdict and its consistency check; nothing from cache
    assert spent["deep review"]["llm_calls"] == 6 * 5 and spent["verdict"]["llm_calls"] == 2 * 5
    assert spent["deep review"]["cached_calls"] == 0 and spent["verdict"]["cached_calls"] == 0
    # the report counts every request both runs sent, those in flight when the first was killed included; a
    # request journaled as it left, but not yet received when the process died, is counted too (at most one
    # per reviewer then running)
    report = json.loads((out / "weekly" / "2026-W16" / "report.json").read_text())
    counted = sum(row["calls"] for row in report["spent"])
    assert len(fake.requests) <= counted <= len(fake.requests) + len(REVIEWER_SCHEMAS)

    # the same week uninterrupted, on a cache and output folder of its own
    fresh_out = tmp_path / "fresh"
    env2 = {**env, "REFEREE_CACHE_DIR": str(tmp_path / "cache2")}
    result = review(*args, "--out", str(fresh_out), env=env2, timeout=300)
    assert result.returncode == 0, result.stderr
    # the same report but for what was spent (checked above: the resumed one counts the killed run's requests)
    resumed, uninterrupted = (json.loads((o / "weekly/2026-W16/report.json").read_text()) for o in (out, fresh_out))
    del resumed["spent"], uninterrupted["spent"]
    assert resumed == uninterrupted
    for name in ("report.md", "report.html"):
        resumed, uninterrupted = ((o / "weekly" / "2026-W16" / name).read_text() for o in (out, fresh_out))
        assert resumed.split(SPENT_NOTE)[0] == uninterrupted.split(SPENT_NOTE)[0], name

    # once finished, the same arguments render the report again and spend nothing
    before = len(fake.requests)
    result = review(*args, "--out", str(out), env=env, timeout=120)
    assert result.returncode == 0 and "complete" in result.stderr and len(fake.requests) == before


@pytest.mark.parametrize("same_arguments", [False, True])
def test_two_weekly_runs_at_once_share_one_cache(httpserver, tmp_path, same_arguments):
    _, _, env = world(httpserver, tmp_path)
    topics = topics_toml(tmp_path / "topics.toml")
    outs = [tmp_path / "a", tmp_path / ("a" if same_arguments else "b")]
    runs = [_start((*WEEK_ARGS, "--topics", str(topics), "--out", str(o)), env) for o in outs]
    results = [(p.communicate(timeout=300)[1], p.returncode)[::-1] for p in runs]
    if same_arguments:  # one run goes on; the other is refused at once, with a clear message
        codes = sorted(code for code, _ in results)
        assert codes == [0, 2], results
        assert any("another weekly run with these arguments is in progress" in e for _, e in results)
    else:
        assert [code for code, _ in results] == [0, 0], results
        a, b = (json.loads((o / "weekly" / "2026-W16" / "report.json").read_text()) for o in outs)
        # the same papers, scores and gems; which run paid for a shared answer and which read it from the
        # cache depends on timing, but together they account for every call
        usage_a, usage_b = a.pop("usage"), b.pop("usage")
        del a["spent"], b["spent"]  # what each run sent, likewise
        assert a == b
        for x, y in zip(usage_a, usage_b, strict=True):
            assert (x["stage"], x["calls"] + x["cached"]) == (y["stage"], y["calls"] + y["cached"])
    import diskcache

    for part in ("llm", "papers"):
        with diskcache.Cache(str(Path(env["REFEREE_CACHE_DIR"]) / part)) as cache:
            assert cache.check() == [], part


def test_ids_file(httpserver, tmp_path):
    _, fake, env = world(httpserver, tmp_path)
    ids = tmp_path / "ids.txt"
    ids.write_text("# this week's picks\n2604.90001\n\narXiv:2604.90010v1  # TUDataset\n2604.90001\n")
    out = tmp_path / "out"
    result = review("weekly", "--ids", str(ids), "--top", "1", "--out", str(out), env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "weekly" / "2026-W16" / "report.json").read_text())
    assert report["counts"]["scanned"] == 2 and report["source"] == "2 arXiv ids"
    assert report["counts"]["reviewed"] == 1 and len(report["also_triaged"]) == 1
    ids.write_text("2604.90001\nnot-an-id\n")
    result = review("weekly", "--ids", str(ids), "--out", str(out), env=env)
    assert result.returncode == 2 and "ids.txt, line 2:" in result.stderr, result.stderr
