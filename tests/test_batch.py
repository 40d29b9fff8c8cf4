"""`--batch`: model calls through the OpenAI Batch API, against a loopback stand-in of its Files and Batches
endpoints: the card is the direct path's, a crash while waiting resumes by batch id, expired requests go direct."""

from __future__ import annotations

import json
import signal
import time

from fake_openai import FakeBatches
from pdfbuild import two_column_paper
from test_cli_extract import review
from test_cli_review import env_for
from test_weekly import _start

FAST = {"REFEREE_BATCH_GATHER": "0.5", "REFEREE_BATCH_POLL": "0.05"}


def _world(httpserver, tmp_path):
    fake, env = env_for(httpserver, tmp_path)
    batches = FakeBatches(fake)
    batches.install(httpserver)
    pdf = tmp_path / "paper.pdf"
    two_column_paper(pdf)
    return fake, batches, {**env, **FAST}, pdf


def _judged(folder) -> dict:
    """What a card says of the paper (not when it was made, nor what it cost)."""
    card = json.loads((folder / "paper" / "card.json").read_text())
    return {key: card[key] for key in ("verdict", "reviews", "checklist", "grounding", "tables")}


def test_a_review_by_batch_is_the_direct_review_at_half_the_price(httpserver, tmp_path):
    fake, batches, env, pdf = _world(httpserver, tmp_path)
    direct = review("paper", str(pdf), "--out", str(tmp_path / "direct"), env=env, timeout=120)
    assert direct.returncode == 0, direct.stderr
    sent_direct = fake.direct

    env_b = {**env, "REFEREE_CACHE_DIR": str(tmp_path / "cache-b")}
    batched = review("paper", str(pdf), "--batch", "--out", str(tmp_path / "batch"), env=env_b, timeout=120)
    assert batched.returncode == 0, batched.stderr
    assert fake.direct == sent_direct  # every call of the batched review went in a batch
    # the six reviewers in one batch, then the verdict, then its consistency check
    assert len(batches.batches) == 3 and all(b["status"] == "completed" for b in batches.batches.values())
    first = batches.files[batches.batches["batch_1"]["input_file_id"]].decode().splitlines()
    assert len(first) == 6 and all(json.loads(line)["url"] == "/v1/chat/completions" for line in first)
    assert _judged(tmp_path / "direct") == _judged(tmp_path / "batch")
    assert not (tmp_path / "cache-b" / "batches.json").read_text().strip("{}")  # nothing left pending


def test_a_crash_while_waiting_resumes_the_same_batch(httpserver, tmp_path):
    fake, batches, env, pdf = _world(httpserver, tmp_path)
    batches.hold = True  # the first batch stays in progress until the process is gone
    args = ("paper", str(pdf), "--batch", "--out", str(tmp_path / "out"))
    process = _start(args, env)
    deadline = time.monotonic() + 60
    while batches.polls < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert list(batches.batches) == ["batch_1"]
    pending = json.loads((tmp_path / "cache" / "batches.json").read_text())
    assert list(pending) == ["batch_1"] and len(pending["batch_1"]) == 6

    batches.hold = False
    again = review(*args, env=env, timeout=120)
    assert again.returncode == 0, again.stderr
    resent = {json.loads(line)["custom_id"] for b in list(batches.batches.values())[1:]
              for line in batches.files[b["input_file_id"]].decode().splitlines()}  # fmt: skip
    assert not resent & set(pending["batch_1"])  # the reviewers' requests were awaited, not sent again
    assert fake.direct == 0 and (tmp_path / "out" / "paper" / "card.md").is_file()


def test_requests_a_batch_left_unanswered_are_sent_directly(httpserver, tmp_path):
    fake, batches, env, pdf = _world(httpserver, tmp_path)
    batches.expire_after = 2  # each batch expires with two of its requests answered
    result = review("paper", str(pdf), "--batch", "--out", str(tmp_path / "out"), env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert {b["status"] for b in batches.batches.values()} == {"expired"}
    assert fake.direct == 4  # four of the six reviewers' requests; the verdict and its check were answered
    card = json.loads((tmp_path / "out" / "paper" / "card.json").read_text())
    assert card["verdict"] and len(card["reviews"]) == 6


def test_a_week_by_batch_ranks_as_the_direct_week(httpserver, tmp_path):
    from test_weekly import WEEK_ARGS, topics_toml, world

    _, fake, env = world(httpserver, tmp_path)
    batches = FakeBatches(fake)
    batches.install(httpserver)
    env = {**env, **FAST}
    args = (*WEEK_ARGS, "--topics", str(topics_toml(tmp_path / "topics.toml")))
    direct = review(*args, "--out", str(tmp_path / "direct"), env=env, timeout=300)
    assert direct.returncode == 0, direct.stderr
    sent_direct = fake.direct
    env_b = {**env, "REFEREE_CACHE_DIR": str(tmp_path / "cache-b")}
    batched = review(*args, "--batch", "--out", str(tmp_path / "batch"), env=env_b, timeout=300)
    assert batched.returncode == 0, batched.stderr
    assert fake.direct == sent_direct
    # triage's seven calls in one batch, then the reviews' calls gathered as they come (a paper is fetched and
    # read first): the 63 calls of the direct week in a few batches
    sizes = [len(batches.files[b["input_file_id"]].splitlines()) for b in batches.batches.values()]
    assert sizes[0] == 7 and sum(sizes) == sent_direct and len(sizes) <= 8, sizes
    reports = [
        json.loads((tmp_path / o / "weekly" / "2026-W16" / "report.json").read_text()) for o in ("direct", "batch")
    ]
    for key in ("counts", "ranked", "gems", "topics"):
        assert reports[0][key] == reports[1][key], key
