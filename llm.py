"""The only module that imports langchain_openai: chat models per role.

Roles: triage (cheap), reviewer, verdict, writer. Hosted OpenAI and any OpenAI-compatible server
(vLLM, Ollama, llama.cpp's server, LM Studio, OpenRouter) go through `ChatOpenAI(base_url=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import RefereeError
from .settings import Settings

ROLES = ("triage", "reviewer", "verdict", "writer")
# Function calling works on OpenAI and on the OpenAI-compatible servers (llama.cpp's rejects json_schema).
STRUCTURED_METHOD = "function_calling"


class ModelConfigError(RefereeError):
    """No usable language model is configured."""


@dataclass(frozen=True)
class ModelChoice:
    role: str
    model: str
    base_url: str | None
    backend: str  # "openai" or "openai-compatible"


def choice(role: str, settings: Settings) -> ModelChoice:
    if not settings.openai_api_key and not settings.openai_base_url:
        raise ModelConfigError(
            "no language model is configured: set OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL for an "
            "OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio), and REFEREE_MODEL for the model name"
        )
    model = getattr(settings, f"{role}_model") or settings.model
    backend = "openai-compatible" if settings.openai_base_url else "openai"
    return ModelChoice(role, model, settings.openai_base_url, backend)


def chat_model(role: str, settings: Settings):
    from langchain_openai import ChatOpenAI

    picked = choice(role, settings)
    return ChatOpenAI(
        model=picked.model,
        base_url=picked.base_url,
        api_key=settings.openai_api_key or "not-needed",
        temperature=0,
        timeout=settings.llm_timeout,
        max_retries=2,
    )


def models_for_roles(settings: Settings, roles=ROLES) -> tuple[dict, dict[str, str]]:
    """(role -> chat model, role -> model name)."""
    models, names = {}, {}
    for role in roles:
        models[role] = chat_model(role, settings)
        names[role] = choice(role, settings).model
    return models, names
