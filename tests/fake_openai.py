"""A fake OpenAI-compatible chat server for loopback tests: real HTTP, real ChatOpenAI on the other side.

It answers function-calling requests with synthesized, schema-valid arguments (see fakes.synthesize)
and records every request it saw.
"""

from __future__ import annotations

import json
import os
import re
import threading

from fakes import synthesize
from werkzeug import Request, Response


class FakeOpenAI:
    def __init__(self, responder=None) -> None:
        self.responder = responder or (lambda name, schema, prompt: synthesize(schema, prompt, name=name))
        self.requests: list[dict] = []
        self.direct = 0  # requests sent to /chat/completions (the others came in batches)
        self.direct_names: list[str] = []
        self.raw_arguments: str | None = None  # when set, every tool call carries these arguments verbatim
        self._lock = threading.Lock()
        self._prompts: list[str] = []

    def install(self, httpserver) -> str:
        httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(self.handle)
        return httpserver.url_for("/v1")

    def handle(self, request: Request) -> Response:
        self.direct += 1
        body = json.loads(request.get_data())
        self.direct_names.append(body.get("tools", [{}])[0].get("function", {}).get("name"))
        return Response(json.dumps(self.answer(body)), content_type="application/json")

    def answer(self, body: dict) -> dict:
        """The chat completion a request's body gets (recorded as one request)."""
        prompt = "\n\n".join(str(m.get("content") or "") for m in body["messages"])
        with self._lock:
            seen, self._prompts = list(self._prompts), [*self._prompts, prompt]
            self.requests.append(body)
        tokens_in = len(prompt) // 4
        # as OpenAI's prompt cache: the longest prefix shared with an earlier request, in steps of 128 tokens
        shared = max((len(os.path.commonprefix([prompt, other])) for other in seen), default=0) // 4
        cached = shared // 128 * 128 if shared >= 1024 else 0
        if body.get("tools"):
            function = body["tools"][0]["function"]
            args = self.responder(function["name"], function["parameters"], prompt)
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_0",
                        "type": "function",
                        "function": {"name": function["name"], "arguments": self.raw_arguments or json.dumps(args)},
                    }
                ],
            }
            finish = "tool_calls"
            tokens_out = len(json.dumps(args)) // 4
        else:
            schema = body.get("response_format", {}).get("json_schema", {}).get("schema", {"type": "string"})
            content = json.dumps(synthesize(schema, prompt))
            message, finish, tokens_out = {"role": "assistant", "content": content}, "stop", len(content) // 4
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": tokens_in,
                "completion_tokens": tokens_out,
                "total_tokens": tokens_in + tokens_out,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }


class FakeBatches:
    """A loopback stand-in of OpenAI's Files and Batches endpoints, answering each request of a batch as the
    fake chat server does. `hold` keeps batches in progress; `expire` ends them expired with only the first
    `answered` requests answered."""

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.polls = 0
        self.hold = False
        self.expire_after: int | None = None  # answer only this many requests of a batch, the rest expire
        self._lock = threading.Lock()

    def install(self, httpserver) -> None:
        httpserver.expect_request("/v1/files", method="POST").respond_with_handler(self.upload)
        httpserver.expect_request("/v1/batches", method="POST").respond_with_handler(self.create)
        httpserver.expect_request(re.compile(r"^/v1/batches/[\w-]+$"), method="GET").respond_with_handler(self.get)
        httpserver.expect_request(re.compile(r"^/v1/files/[\w-]+/content$")).respond_with_handler(self.content)

    def _json(self, value: dict) -> Response:
        return Response(json.dumps(value), content_type="application/json")

    def upload(self, request: Request) -> Response:
        assert request.form["purpose"] == "batch"
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = request.files["file"].read()
        return self._json({"id": file_id, "object": "file", "purpose": "batch"})

    def create(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        assert body["endpoint"] == "/v1/chat/completions" and body["input_file_id"] in self.files
        with self._lock:
            batch_id = f"batch_{len(self.batches) + 1}"
            self.batches[batch_id] = {"id": batch_id, "status": "validating", "input_file_id": body["input_file_id"]}
        return self._json(self.batches[batch_id])

    def get(self, request: Request) -> Response:
        batch = self.batches.get(request.path.rsplit("/", 1)[1])
        if batch is None:
            return Response(json.dumps({"error": {"message": "no such batch"}}), status=404)
        with self._lock:
            self.polls += 1
            if batch["status"] not in ("completed", "expired") and not self.hold:
                self._finish(batch)
        return self._json(batch)

    def _finish(self, batch: dict) -> None:
        lines = [json.loads(line) for line in self.files[batch["input_file_id"]].decode().splitlines() if line]
        answered = lines if self.expire_after is None else lines[: self.expire_after]
        out = [
            {"custom_id": item["custom_id"], "response": {"status_code": 200, "body": self.fake.answer(item["body"])}}
            for item in answered
        ]
        output_id = f"file-out-{batch['id']}"
        self.files[output_id] = "\n".join(json.dumps(line) for line in out).encode()
        batch.update(status="completed" if self.expire_after is None else "expired", output_file_id=output_id)

    def content(self, request: Request) -> Response:
        return Response(self.files[request.path.split("/")[3]], content_type="application/jsonl")
