"""Model servers already running on this machine, found before the bundled offline model is loaded.

With no OPENAI_API_KEY and no OPENAI_BASE_URL, Referee asks the usual ports of localhost for an OpenAI-compatible
model list: Ollama (11434), LM Studio (1234), a llama.cpp server (8080) and vLLM (8000), in that order. The first
that answers with a model is used as an OpenAI-compatible server (the model named by REFEREE_MODEL where it serves
that one, else the first it lists), and the run says so. `--no-detect` or REFEREE_DETECT_SERVERS=false turns the
search off; a configured key, base URL or local model file skips it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from .settings import Settings

KNOWN: tuple[tuple[str, int], ...] = (
    ("Ollama", 11434),
    ("LM Studio", 1234),
    ("llama.cpp server", 8080),
    ("vLLM", 8000),
)
PROBE_TIMEOUT = 0.5  # seconds: a port nothing listens on refuses at once; this bounds a silent one


@dataclass(frozen=True)
class Found:
    name: str
    base_url: str
    model: str

    def line(self) -> str:
        return (
            f"no OPENAI_API_KEY or OPENAI_BASE_URL: found a running {self.name} at {self.base_url}; using its model "
            f"{self.model} (--no-detect uses the bundled offline model instead)"
        )


def _served(base_url: str) -> list[str]:
    try:
        answer = httpx.get(f"{base_url}/models", timeout=PROBE_TIMEOUT)
        data = answer.json().get("data") if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return []
    return [str(m["id"]) for m in data or [] if isinstance(m, dict) and m.get("id")]


def detect(settings: Settings, host: str = "127.0.0.1") -> Found | None:
    """The first known local server that serves a model, or None (also when detection does not apply)."""
    if not settings.detect_servers or settings.openai_api_key or settings.openai_base_url or settings.local_model:
        return None
    for name, port in KNOWN:
        base_url = f"http://{host}:{port}/v1"
        models = _served(base_url)
        if models:
            return Found(name, base_url, settings.model if settings.model in models else models[0])
    return None


def with_detected(settings: Settings) -> tuple[Settings, Found | None]:
    """`settings` pointed at a detected local server (unchanged when none is found)."""
    found = detect(settings)
    if found is None:
        return settings, None
    return settings.model_copy(update={"openai_base_url": found.base_url, "model": found.model}), found
