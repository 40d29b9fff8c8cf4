from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

CORPUS = Path(os.environ.get("REFEREE_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


def corpus_path(*parts: str) -> Path:
    """A file of ../shared/corpus; the test is skipped, saying why, where the corpus is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the shared corpus at {CORPUS} ({'/'.join(parts)} is absent)")
    return path


def shared_path(*parts: str) -> Path:
    """A path under ../shared (beside the corpus); the test is skipped, saying why, where it is absent."""
    path = CORPUS.parent.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared/{'/'.join(parts)} beside the checkout ({path} is absent)")
    return path


def corpus_meta(slug: str) -> dict:
    return json.loads(corpus_path("papers", slug, "meta.json").read_text(encoding="utf-8"))


@pytest.fixture
def settings(tmp_path):
    from referee.settings import Settings

    return Settings(
        cache_dir=tmp_path / "cache",
        request_interval=0.0,
        backoff_base=0.01,
        backoff_max=0.05,
        http_timeout=2.0,
        http_max_tries=3,
    )


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test reads the developer's cache or settings."""
    for name in list(os.environ):
        if name.startswith("REFEREE_") and name != "REFEREE_CORPUS":
            monkeypatch.delenv(name)
    monkeypatch.setenv("REFEREE_CACHE_DIR", str(tmp_path / "env-cache"))
    monkeypatch.setenv("REFEREE_DETECT_SERVERS", "false")  # nor a model server the machine happens to run
