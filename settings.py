"""One settings object. Precedence: command-line flag > environment > config file > default.

The config file is `referee.toml` in the working directory, else in the user config directory
(`review config` prints every effective value and where it came from).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_cache_dir, user_config_dir
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .errors import BadInputError

SECRET_FIELDS = {"openai_api_key", "smtp_password"}
# Dollars per million tokens [input, output]; edit in referee.toml under [prices] or REFEREE_PRICES (JSON).
DEFAULT_PRICES: dict[str, list[float]] = {
    "gpt-4o-mini": [0.15, 0.60],
    "gpt-4o": [2.50, 10.00],
    "gpt-4.1-mini": [0.40, 1.60],
    "gpt-4.1": [2.00, 8.00],
    "gpt-4.1-nano": [0.10, 0.40],
}


def _default_cache_dir() -> Path:
    return Path(user_cache_dir("referee", appauthor=False))


def config_files() -> list[Path]:
    """Config files in the order they are looked for; the first that exists is used."""
    return [Path.cwd() / "referee.toml", Path(user_config_dir("referee", appauthor=False)) / "referee.toml"]


def config_file() -> Path | None:
    return next((p for p in config_files() if p.is_file()), None)


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
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "REFEREE_OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "REFEREE_OPENAI_BASE_URL", "openai_base_url")
    )
    model: str = "gpt-4o-mini"
    triage_model: str | None = None
    reviewer_model: str | None = None
    verdict_model: str | None = None
    writer_model: str | None = None
    structured_method: str | None = None  # json_schema | function_calling | json_mode; None: by backend
    local_model: str | None = None  # a GGUF file to use instead of the offline default
    # With no key and no base URL: look for a model server already running on localhost (local_servers.py)
    # before loading the bundled model; --no-detect turns it off.
    detect_servers: bool = True
    local_threads: int = 2
    max_output_tokens: int = 1200
    # Sampling temperature of every model call; 0 (the default) decodes greedily, so a review repeats exactly.
    # Above 0 answers vary from run to run (bench/spread.py measures how much the score moves).
    temperature: float = Field(0.0, ge=0, le=2)
    local_max_output_tokens: int = 700
    # One cheap model call checks the verdict against the findings; None: on for hosted and served models,
    # off for the in-process offline default (where it would add ~40 s to a review).
    consistency_llm_check: bool | None = None  # the offline default generates ~8 tokens/s at a 4k context
    # Paper tokens each reviewer reads; None: what the model's context window holds beside the prompt and the
    # answer on a hosted or served model (its known window, or `context_tokens`; 8192 for a server whose model
    # is unknown), 2500 on the in-process offline default (on 2 cores it reads ~38 prompt tokens/s).
    paper_token_budget: int | None = None
    # How much of the paper a reviewer reads where the budget is not set: "excerpts" as above; "all", as much as
    # the model's window holds, offline too (its 32k window: a whole paper is read once into the model's cache,
    # about ten minutes on 2 cores, and each reviewer then reuses it).
    read: Literal["excerpts", "all"] = "excerpts"
    context_tokens: int | None = None  # the reviewer model's context window, where Referee does not know it
    # Deadlines (seconds). A model call that has produced nothing for `llm_timeout` is dead (None: 120 s for a
    # hosted API, 600 s for your own server, which may be a slow CPU); a node (its tries and the client's retries
    # together) and the whole review have their own totals, which default by backend (None): 600 / 1800 for
    # hosted and served models, 3600 / 7200 for the slow in-process offline one.
    llm_timeout: float | None = None
    llm_max_retries: int = 2  # transport-level retries on 429/5xx/timeouts (OpenAI client, with backoff)
    node_deadline: float | None = None
    run_deadline: float | None = None
    download_deadline: float = 300.0  # one arXiv API call or PDF download, its retries included
    llm_max_tries: int = 3  # answer-level tries on malformed output
    max_llm_in_flight: int = 4
    # Weekly reports: deep reviews run at once (each fans out to six reviewers) and abstracts per triage call.
    weekly_concurrency: int = 4
    triage_batch_size: int = 8
    # Where deep reviews run: "local" (threads of this process) or "ray" (tasks on a Ray cluster: `ray_address`,
    # or a local one of `weekly_concurrency` workers). `cache_url` (redis://host:port/db) puts the LLM cache and
    # finished reviews in Redis, which every machine of a cluster reaches; unset, the local diskcache holds them.
    executor: Literal["local", "ray"] = "local"
    # The OpenAI Batch API (`--batch`): calls gathered for `batch_gather` seconds of quiet go as one batch, polled
    # every `batch_poll` seconds at first (doubling up to a minute); half the price, answers within 24 hours.
    batch: bool = False
    batch_gather: float = 2.0
    batch_poll: float = 5.0
    ray_address: str | None = None
    cache_url: str | None = None
    # Online attention signals for hidden gems (citations, code stars): off unless the user enables them.
    online_signals: bool = False
    semantic_scholar_url: str = "https://api.semanticscholar.org/graph/v1"
    github_api_url: str = "https://api.github.com"
    prices: dict[str, list[float]] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    # The language of model-written text (an IETF tag: zh, de, pt-BR); extracted facts stay as the paper prints
    # them and labels stay in their English capitals.
    language: str = "en"
    # Delivery: where the output folder is published (links in emails are absolute from it), and the mail
    # server `review newsletter --send` uses. The port defaults by smtp_tls: 25 none, 587 starttls, 465 ssl.
    site_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_timeout: float = 30.0

    max_pdf_mb: float = 50.0
    max_pages: int = 150
    metadata_ttl: float = 86400.0

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str) -> str:
        import langcodes

        if not langcodes.tag_is_valid(value):
            raise ValueError("not a language tag (e.g. en, zh, de, pt-BR)")
        return langcodes.standardize_tag(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        found = config_file()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if found is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=found))
        return tuple(sources)


def get_settings(**overrides: Any) -> Settings:
    """Settings with explicit (non-None) overrides from command-line flags on top; a malformed value or config
    file is a one-line BadInputError naming it."""
    import tomllib

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        value = str(first.get("input", ""))[:60]
        where = ", ".join(_env_names(name)) if name in Settings.model_fields else name
        raise BadInputError(f"setting {where} = {value!r} is not valid: {first['msg']}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"{config_file()}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise BadInputError(f"{config_file()}: not a UTF-8 text file") from None


def _env_names(name: str) -> list[str]:
    info = Settings.model_fields[name]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(a) for a in alias.choices if str(a).isupper()]
    return [f"REFEREE_{name.upper()}"]


def mask(name: str, value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, SecretStr):  # a password: not even a part of it
        return "****"
    text = str(value)
    if name in SECRET_FIELDS:
        return f"{text[:3]}…{text[-4:]}" if len(text) > 10 else "****"
    return text


def describe(overrides: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """(setting, value with secrets masked, where it came from) for every setting."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    settings = get_settings(**overrides)
    found = config_file()
    in_file: dict[str, Any] = {}
    if found is not None:
        import tomllib

        try:
            in_file = tomllib.loads(found.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInputError(f"{found}: not a valid TOML file ({exc})") from None
    rows = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        env = next((e for e in _env_names(name) if os.environ.get(e)), None)
        if name in overrides:
            source = "command-line flag"
        elif env:
            source = f"environment {env}"
        elif name in in_file:
            source = f"config file {found}"
        else:
            source = "default"
        rows.append((name, mask(name, value), source))
    return rows
