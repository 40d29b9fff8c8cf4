"""`review <pdf>` end to end: the console entry point, ChatOpenAI over real HTTP to a fake server on loopback."""

from __future__ import annotations

import json
from collections import Counter

from conftest import corpus_path
from fake_openai import FakeOpenAI
from test_cli_extract import review


def env_for(httpserver, tmp_path) -> tuple[FakeOpenAI, dict]:
    fake = FakeOpenAI()
    base = fake.install(httpserver)
    return fake, {
        "OPENAI_BASE_URL": base,
        "OPENAI_API_KEY": "test-key",
        "REFEREE_MODEL": "fake-model",
        "REFEREE_CACHE_DIR": str(tmp_path / "cache"),
    }


def test_review_writes_all_four_files(httpserver, tmp_path):
    fake, env = env_for(httpserver, tmp_path)
    pdf = corpus_path("papers", "learning-to-pivot-nips2017", "paper.pdf")
    result = review(str(pdf), "--out", str(tmp_path / "cards"), env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "cards" / "paper"
    assert {"card.md", "card.html", "card.json", "run.json", "card.schema.json"} <= {p.name for p in folder.iterdir()}
    assert f"card: {folder / 'card.md'}" in result.stderr
    verdict = json.loads((folder / "card.json").read_text())["verdict"]
    assert f"{verdict['label']} {verdict['score']:.1f}/10 (confidence" in result.stderr
    for node in ("extract", "review_methodology", "review_novelty", "write_verdict", "render"):
        assert f"✓ {node}" in result.stderr
    # six reviewers, the verdict, and one consistency check of the verdict
    called = Counter(r["tools"][0]["function"]["name"] for r in fake.requests)
    assert called["Verdict"] == 1 and called["ConsistencyCheck"] == 1 and len(fake.requests) == 8, called
    assert all(r["model"] == "fake-model" for r in fake.requests)
    assert all(r["tools"] and r["tool_choice"] for r in fake.requests)  # function calling: llama.cpp-compatible
    run = json.loads((folder / "run.json").read_text())
    assert run["nodes"]["review_methodology"]["model"] == "fake-model"
    assert run["total"]["llm_calls"] == 8 and run["total"]["prompt_tokens"] > 1000
    # the paper is a byte-identical prefix of the six reviewers' prompts: the server's cache serves five of them
    reviewers = [node for name, node in run["nodes"].items() if name.startswith("review_")]
    assert sum(node["cached_prompt_tokens"] > 0 for node in reviewers) == len(reviewers) - 1
    # an unknown model gets an 8k window: excerpts of every section, and the card says how much
    assert run["coverage"]["pages"] == 10 and 0.1 < run["coverage"]["share"] < 0.5
    assert "> Coverage: read excerpts: " in (folder / "card.md").read_text()


def test_a_model_with_a_long_window_reads_the_whole_paper(httpserver, tmp_path):
    fake, env = env_for(httpserver, tmp_path)
    pdf = corpus_path("papers", "learning-to-pivot-nips2017", "paper.pdf")
    env["REFEREE_MODEL"] = "gpt-4o-2024-08-06"  # a 128k window
    result = review(str(pdf), "--out", str(tmp_path / "cards"), env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "cards" / "paper"
    run = json.loads((folder / "run.json").read_text())
    assert run["coverage"]["share"] == 1.0 and run["inputs"]["paper_token_budget"] > 100_000
    assert "> Coverage: read all " in (folder / "card.md").read_text()


def test_json_flag_and_sections(httpserver, tmp_path):
    fake, env = env_for(httpserver, tmp_path)
    pdf = corpus_path("papers", "srlearn-starai2020", "paper.pdf")
    result = review(
        str(pdf),
        "--out",
        str(tmp_path / "c"),
        "--json",
        "--sections",
        "methodology,impact",
        "--format",
        "md",
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["verdict"]["label"] in {"BREAKTHROUGH", "SIGNIFICANT", "SOLID", "INCREMENTAL", "FLAWED"}
    assert card["reviewers"] == ["methodology", "impact"] and "experiments" not in card["reviews"]
    assert len(fake.requests) == 4
    assert not (tmp_path / "c" / "paper" / "card.html").exists()


def test_bad_options_and_inputs_fail_cleanly(httpserver, tmp_path):
    _, env = env_for(httpserver, tmp_path)
    pdf = str(corpus_path("papers", "srlearn-starai2020", "paper.pdf"))
    for args, message in [
        ((pdf, "--sections", "methodology,vibes"), "unknown reviewer: vibes"),
        ((pdf, "--format", "pdf"), "unknown format: pdf"),
        (("2604.1470",), "5 digits after the dot"),
        ((str(corpus_path("bad_pdfs", "encrypted_aes256_userpw-foo.pdf")),), "encrypted"),
    ]:
        result = review(*args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr


def test_a_missing_local_model_file_is_a_clear_error(tmp_path):
    pdf = str(corpus_path("papers", "srlearn-starai2020", "paper.pdf"))
    result = review(pdf, env={"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "REFEREE_LOCAL_MODEL": "/nope/m.gguf"})
    assert result.returncode == 1 and "REFEREE_LOCAL_MODEL=/nope/m.gguf: no such file" in result.stderr


def test_config_shows_values_and_sources_with_keys_masked(tmp_path):
    result = review("config", env={"OPENAI_API_KEY": "sk-verysecretkey-9876", "REFEREE_MODEL": "gpt-4.1-mini"})
    assert result.returncode == 0, result.stderr
    assert "sk-verysecretkey-9876" not in result.stdout and "9876" in result.stdout
    line = next(x for x in result.stdout.splitlines() if " model " in f" {x} " and "gpt-4.1-mini" in x)
    assert "environment REFEREE_MODEL" in line


def test_rerun_is_served_from_the_llm_cache(httpserver, tmp_path):
    fake, env = env_for(httpserver, tmp_path)
    pdf = str(corpus_path("papers", "srlearn-starai2020", "paper.pdf"))
    assert review(pdf, "--out", str(tmp_path / "c"), env=env, timeout=120).returncode == 0
    sent = len(fake.requests)
    again = review(pdf, "--out", str(tmp_path / "c"), env=env, timeout=120)
    assert again.returncode == 0 and len(fake.requests) == sent
    run = json.loads((tmp_path / "c" / "paper" / "run.json").read_text())
    assert run["total"]["llm_calls"] == 0 and run["total"]["cached_calls"] == 8 and run["total"]["total_tokens"] == 0
    assert "LLM usage" in again.stderr
    refreshed = review(pdf, "--out", str(tmp_path / "c"), "--refresh", env=env, timeout=120)
    assert refreshed.returncode == 0 and len(fake.requests) == 2 * sent


def test_a_markdown_paper_is_reviewed_like_a_pdf(httpserver, tmp_path):
    from test_plaintext import CONVERTED

    fake, env = env_for(httpserver, tmp_path)
    paper = tmp_path / "sparse.md"
    paper.write_text(CONVERTED, encoding="utf-8")
    result = review(str(paper), "--out", str(tmp_path / "cards"), env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    card = json.loads((tmp_path / "cards" / "sparse" / "card.json").read_text())
    assert card["header"]["title"] == "SPARSE ESTIMATORS FOR TINY GRAPHS"
    assert "**Authors:** not found in the paper" in (tmp_path / "cards" / "sparse" / "card.md").read_text()
    assert "✓ review_experiments" in result.stderr and len(fake.requests) == 8
