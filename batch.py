"""The OpenAI Batch API as an httpx transport (`--batch`): chat requests are gathered, sent as one JSONL batch,
polled with backoff, and each caller gets its own answer back, matched by custom id, as if the server had
answered it directly (at half the price). Nothing above the transport changes: LangChain parses the answer,
the cache keeps it, the ledger counts it.

A custom id is the hash of the request's body, so the same request after a crash has the same id: the batches
a process submitted are recorded in `batches.json` under the cache folder, and a request found in one still
pending is awaited there instead of being sent again. A request the batch expired, failed or left out is sent
directly. Requests other than chat completions pass straight through.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from filelock import FileLock

from .errors import RefereeError, one_line

DONE = {"completed", "failed", "expired", "cancelled"}  # a batch's final states


class BatchError(RefereeError):
    """The Files or Batches endpoint refused what was sent."""


@dataclass
class _Waiting:
    body: dict
    headers: dict[str, str]
    done: threading.Event = field(default_factory=threading.Event)
    answer: dict | None = None  # the response body; None: send the request directly


def custom_id(body: dict) -> str:
    return "r-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:40]


class BatchTransport(httpx.BaseTransport):
    """Gathers chat-completion requests for `gather_s` seconds of quiet, then sends them as one batch."""

    def __init__(
        self,
        base_url: str,
        state_dir: Path,
        inner: httpx.BaseTransport | None = None,
        gather_s: float = 2.0,
        poll_s: tuple[float, float] = (2.0, 60.0),
        window: str = "24h",
    ) -> None:
        self.base = base_url.rstrip("/")
        self.inner = inner or httpx.HTTPTransport(retries=2)  # requests a batch did not answer go this way
        self._api = httpx.Client(timeout=300, transport=httpx.HTTPTransport(retries=2))  # Files and Batches
        self.state = state_dir / "batches.json"
        self.gather_s, self.poll_s, self.window = gather_s, poll_s, window
        self._lock = threading.Lock()
        self._queue: dict[str, _Waiting] = {}
        self._last = 0.0
        self._flusher: threading.Thread | None = None
        self.submitted: list[str] = []  # batch ids this process created (what it spent)

    # -- the transport ---------------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            return self.inner.handle_request(request)
        body = json.loads(request.read())
        key = custom_id(body)
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "openai-organization")}
        with self._lock:
            waiting = self._queue.setdefault(key, _Waiting(body, headers))
            self._last = time.monotonic()
            if self._flusher is None or not self._flusher.is_alive():
                self._flusher = threading.Thread(target=self._flush_when_quiet, daemon=True, name="batch")
                self._flusher.start()
        waiting.done.wait()
        if waiting.answer is None:  # expired, failed or left out: the server answers it directly
            return self.inner.handle_request(request)
        return httpx.Response(200, json=waiting.answer, request=request)

    def close(self) -> None:
        self._api.close()
        self.inner.close()

    # -- gathering and sending -------------------------------------------------------------------------

    def _flush_when_quiet(self) -> None:
        while True:
            with self._lock:
                quiet = time.monotonic() - self._last
                if quiet >= self.gather_s:
                    taken, self._queue = self._queue, {}
                    self._flusher = None
                    break
            time.sleep(max(0.05, self.gather_s - quiet))
        try:
            answers = self._run(taken)
        except Exception:  # noqa: BLE001 -- the Batch API failed as a whole: every request goes directly
            answers = {}
        for key, waiting in taken.items():
            waiting.answer = answers.get(key)
            waiting.done.set()

    def _run(self, taken: dict[str, _Waiting]) -> dict[str, dict]:
        headers = next(iter(taken.values())).headers
        answers: dict[str, dict] = {}
        for batch_id, ids in self._pending_with(set(taken)):  # sent before a crash: awaited, not sent again
            try:
                answers |= self._await(batch_id, headers)
            except BatchError:  # gone from the server: forgotten, its requests sent again below
                self._record(batch_id, None)
                continue
            taken = {k: w for k, w in taken.items() if k not in ids}
        if taken:
            batch_id = self._submit(taken, headers)
            answers |= self._await(batch_id, headers)
        return answers

    def _submit(self, taken: dict[str, _Waiting], headers: dict[str, str]) -> str:
        lines = [
            json.dumps({"custom_id": key, "method": "POST", "url": "/v1/chat/completions", "body": w.body})
            for key, w in taken.items()
        ]
        files = {"file": ("requests.jsonl", ("\n".join(lines) + "\n").encode(), "application/jsonl")}
        uploaded = self._call("POST", "/files", headers, data={"purpose": "batch"}, files=files)
        created = self._call("POST", "/batches", headers, json={
            "input_file_id": uploaded["id"], "endpoint": "/v1/chat/completions", "completion_window": self.window,
        })  # fmt: skip
        self._record(created["id"], list(taken))
        self.submitted.append(created["id"])
        return created["id"]

    def _await(self, batch_id: str, headers: dict[str, str]) -> dict[str, dict]:
        """Poll until the batch ends (waits grow from poll_s[0] to poll_s[1]); its answers by custom id."""
        wait = self.poll_s[0]
        while (batch := self._call("GET", f"/batches/{batch_id}", headers))["status"] not in DONE:
            time.sleep(wait)
            wait = min(wait * 2, self.poll_s[1])
        answers = {}
        if batch.get("output_file_id"):
            for line in self._content(batch["output_file_id"], headers).splitlines():
                item = json.loads(line) if line.strip() else {}
                response = item.get("response") or {}
                if response.get("status_code") == 200 and isinstance(response.get("body"), dict):
                    answers[item["custom_id"]] = response["body"]
        self._record(batch_id, None)
        return answers

    def _call(self, method: str, path: str, headers: dict[str, str], **kwargs) -> dict:
        response = self._api.request(method, self.base + path, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise BatchError(f"{method} {path}: HTTP {response.status_code} {one_line(response.text)[:200]}")
        return response.json()

    def _content(self, file_id: str, headers: dict[str, str]) -> str:
        response = self._api.get(f"{self.base}/files/{file_id}/content", headers=headers)
        response.raise_for_status()
        return response.text

    # -- batches.json: what was sent, for a process that resumes -------------------------------------------

    def _pending(self) -> dict[str, list[str]]:
        try:
            return json.loads(self.state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _pending_with(self, keys: set[str]) -> list[tuple[str, set[str]]]:
        return [(batch, set(ids)) for batch, ids in self._pending().items() if keys & set(ids)]

    def _record(self, batch_id: str, ids: list[str] | None) -> None:
        """Note a batch sent (`ids`), or forget one whose answers were read (None)."""
        self.state.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.state) + ".lock"):
            pending = self._pending()
            if ids is None:
                pending.pop(batch_id, None)
            else:
                pending[batch_id] = ids
            self.state.write_text(json.dumps(pending), encoding="utf-8")
