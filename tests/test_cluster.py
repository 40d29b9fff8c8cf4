"""`review weekly --executor ray`: triage batches and deep reviews as Ray tasks on a local two-worker cluster, their
cache in a real redis-server; the report is the in-process executor's, byte for byte, a task sent again calls no
model, and a killed driver resumes without repeating a review."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections import Counter

import pytest
from test_cli_extract import review
from test_weekly import REVIEWER_SCHEMAS, WEEK_ARGS, topics_toml, world

pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")
pytest.importorskip("redis", reason="the Redis client is not installed: pip install -e '.[ray]'")


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free loopback port, saving nothing to disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; .ci/run does)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                               "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)  # fmt: skip
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.mark.timeout(900)
def test_a_week_on_ray_writes_the_in_process_report_and_a_repeated_task_costs_nothing(httpserver, tmp_path, redis_url):
    _, fake, env = world(httpserver, tmp_path)
    topics = topics_toml(tmp_path / "topics.toml")
    args = (*WEEK_ARGS, "--topics", str(topics), "--concurrency", "2")
    here = review(*args, "--out", str(tmp_path / "here"), env=env, timeout=300)
    assert here.returncode == 0, here.stderr
    in_process = len(fake.requests)

    ray_env = {**env, "REFEREE_CACHE_DIR": str(tmp_path / "ray-cache")}  # nothing shared with the first run
    ray_args = (*args, "--executor", "ray", "--cache-url", redis_url, "--out", str(tmp_path / "ray"))
    on_ray = review(*ray_args, env=ray_env, timeout=600)
    assert on_ray.returncode == 0, on_ray.stderr
    assert len(fake.requests) - in_process == in_process  # the same calls, no duplicates across the workers
    for name in ("report.md", "report.json", "report.html"):
        a, b = ((tmp_path / out / "weekly" / "2026-W16" / name).read_bytes() for out in ("here", "ray"))
        assert a == b, name
    report = json.loads((tmp_path / "ray" / "weekly" / "2026-W16" / "report.json").read_text())
    assert report["counts"]["reviewed"] == 7 and report["counts"]["review_failed"] == 1  # a failed task reported
    assert (tmp_path / "ray" / report["ranked"][0]["card"].removeprefix("../../")).is_file()

    # the same week again from scratch, the model's answers gone from Redis: the finished triage batches and
    # reviews are found there, and no task calls the model
    import redis

    client = redis.Redis.from_url(redis_url)
    finished = (b"referee:llm:review:", b"referee:llm:triage:")
    answers = [k for k in client.scan_iter("referee:llm:*") if not k.startswith(finished)]
    reviews = list(client.scan_iter("referee:llm:review:*"))
    batches = list(client.scan_iter("referee:llm:triage:*"))
    assert len(reviews) == 7 and len(batches) == 7 and answers  # 50 papers in batches of 8
    client.delete(*answers)
    before = len(fake.requests)
    again = review(*ray_args, "--fresh", env={**ray_env, "REFEREE_CACHE_DIR": str(tmp_path / "c3")}, timeout=600)
    assert again.returncode == 0, again.stderr
    called = Counter(r["tools"][0]["function"]["name"] for r in fake.requests[before:])
    assert not called, called
    rerun = json.loads((tmp_path / "ray" / "weekly" / "2026-W16" / "report.json").read_text())
    assert rerun["ranked"] == report["ranked"]


def test_a_cache_url_without_redis_is_a_one_line_error(tmp_path):
    result = review("weekly", "--ids", str(tmp_path / "none.txt"), "--cache-url", "redis://127.0.0.1:1/0",
                    "--out", str(tmp_path / "o"), env={"OPENAI_API_KEY": "k"}, timeout=60)  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "no Redis there" in result.stderr or "none.txt" in result.stderr


def test_a_review_lock_is_freed_when_its_holder_dies(tmp_path):
    """A task retried after its worker died must not wait for the dead worker's lock."""
    import signal
    import sys

    from referee.llm import LLMCache

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from referee.llm import LLMCache\n"
        f"lock = LLMCache(Path({str(tmp_path)!r})).lock('task'); lock.acquire(); print('held', flush=True); "
        "time.sleep(60)"
    )], stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    lock = LLMCache(tmp_path).lock("task")
    with pytest.raises(TimeoutError):  # filelock's Timeout is a TimeoutError: held while the holder lives
        lock.acquire(timeout=0.2)
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=10)
    lock.acquire(timeout=5)  # freed by its holder's death
    lock.release()


@pytest.mark.timeout(900)
def test_a_killed_ray_driver_resumes_without_repeating_a_review(httpserver, tmp_path, redis_url):
    """The driver killed while its third deep review runs on a worker: the same command resumes from the
    checkpoint; triage is not asked again, and no paper's review is asked for twice (a review its worker finished
    after the kill is found in Redis)."""
    import os
    import signal

    from test_weekly import _start

    _, fake, env = world(httpserver, tmp_path)
    topics = topics_toml(tmp_path / "topics.toml")
    out = tmp_path / "out"
    args = (*WEEK_ARGS, "--topics", str(topics), "--concurrency", "1", "--executor", "ray", "--cache-url", redis_url,
            "--out", str(out))  # fmt: skip
    answer = fake.responder
    state = {"verdicts": 0, "process": None, "killed": False}

    def killing_responder(name, schema, prompt):
        if name in REVIEWER_SCHEMAS and state["verdicts"] == 2 and not state["killed"]:
            state["killed"] = True
            os.kill(state["process"].pid, signal.SIGKILL)  # the driver only: its workers are Ray's to end
            time.sleep(0.5)
        if name == "Verdict":
            state["verdicts"] += 1
        return answer(name, schema, prompt)

    fake.responder = killing_responder
    state["process"] = _start(args, env)
    state["process"].communicate(timeout=600)
    assert state["process"].returncode == -signal.SIGKILL and state["killed"]
    assert not (out / "weekly" / "2026-W16" / "report.json").exists()
    first_run = len(fake.requests)

    fake.responder = answer
    result = review(*args, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "resumed" in result.stderr
    rerun = Counter(r["tools"][0]["function"]["name"] for r in fake.requests[first_run:])
    every = Counter(r["tools"][0]["function"]["name"] for r in fake.requests)
    assert rerun["TriageBatch"] == 0, rerun  # triage finished before the kill
    assert every["Verdict"] == 7, every  # each of the 7 reviewable papers' verdicts asked once, over both runs
    # a reviewer's question is asked again only where its answer was in flight when the driver died
    assert sum(every[name] for name in REVIEWER_SCHEMAS) <= 6 * 7 + len(REVIEWER_SCHEMAS), every
    report = json.loads((out / "weekly" / "2026-W16" / "report.json").read_text())
    assert report["counts"]["reviewed"] == 7
