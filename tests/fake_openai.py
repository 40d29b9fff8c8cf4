"""A fake OpenAI-compatible chat server for loopback tests: real HTTP, real ChatOpenAI on the other side.

It answers function-calling requests with synthesized, schema-valid arguments (see fakes.synthesize)
and records every request it saw.
"""

from __future__ import annotations

import json
import os
import threading

from fakes import synthesize
from werkzeug import Request, Response


class FakeOpenAI:
    def __init__(self, responder=None) -> None:
        self.responder = responder or (lambda name, schema, prompt: synthesize(schema, prompt, name=name))
        self.requests: list[dict] = []
        self.raw_arguments: str | None = None  # when set, every tool call carries these arguments verbatim
        self._lock = threading.Lock()
        self._prompts: list[str] = []

    def install(self, httpserver) -> str:
        httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(self.handle)
        return httpserver.url_for("/v1")

    def handle(self, request: Request) -> Response:
        body = json.loads(request.get_data())
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
        reply = {
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
        return Response(json.dumps(reply), content_type="application/json")
