"""One settings object. Environment variables fill defaults; explicit arguments always win."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_dir
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache_dir() -> Path:
    return Path(user_cache_dir("referee", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFEREE_", extra="ignore", populate_by_name=True)

    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_pdf_url: str = "https://arxiv.org/pdf"
    cache_dir: Path = Field(default_factory=_default_cache_dir)

    # Politeness towards arXiv: at most one request per `request_interval` seconds per host.
    request_interval: float = 3.0
    http_timeout: float = 30.0
    http_max_tries: int = 5
    backoff_base: float = 2.0
    backoff_max: float = 60.0
    user_agent: str = "referee/0.1 (+https://github.com/referee-reviews/referee)"

    # Language models (see llm.py). OPENAI_* are the variables every OpenAI client reads.
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "REFEREE_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "REFEREE_OPENAI_BASE_URL")
    )
    model: str = "gpt-4o-mini"
    triage_model: str | None = None
    reviewer_model: str | None = None
    verdict_model: str | None = None
    writer_model: str | None = None
    llm_timeout: float = 600.0

    max_pdf_mb: float = 50.0
    max_pages: int = 150
    metadata_ttl: float = 86400.0


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
