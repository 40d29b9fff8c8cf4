"""What model calls cost: calls, failures, cache hits, tokens, money and time."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def stage_of(node: str) -> str:
    """The stage a node's LLM calls are reported under: triage, deep review (the reviewers) or verdict."""
    return {"triage": "triage", "write_verdict": "verdict", "newsletter": "newsletter"}.get(node, "deep review")


class Usage(BaseModel):
    llm_calls: int = 0  # every request that reached a model (answered or not), and every in-process call
    failed_calls: int = 0  # of those, the ones that gave no usable answer (an HTTP error, no answer, an invalid one)
    cached_calls: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0  # of those, what the server read from its prompt cache (as it reports them)
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0

    def add_message(self, message: Any) -> None:
        """Count one model response (its usage metadata when the backend reports it)."""
        if message is None:
            return
        self.llm_calls += 1
        meta = getattr(message, "usage_metadata", None) or {}
        self.prompt_tokens += int(meta.get("input_tokens", 0))
        self.cached_prompt_tokens += int((meta.get("input_token_details") or {}).get("cache_read") or 0)
        self.completion_tokens += int(meta.get("output_tokens", 0))
        self.total_tokens = self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields})

    def __sub__(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) - getattr(other, k) for k in Usage.model_fields})
