"""Online attention signals, used only when the user enables them (REFEREE_ONLINE_SIGNALS=true): the paper's
citation count from Semantic Scholar and the stars of its GitHub code. A signal that cannot be had is left
out and the reason kept; it never stops a run."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel

from ...settings import Settings
from .arxiv import RATE_LIMITER

_REPO = re.compile(r"^/([\w.-]+)/([\w.-]+?)(?:\.git)?(?:/|$)")


class OnlineSignals(BaseModel):
    citations: int | None = None
    stars: int | None = None
    problems: list[str] = []


def github_repo(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc.lower() not in ("github.com", "www.github.com"):
        return None
    match = _REPO.match(parts.path)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def _get_json(client: httpx.Client, url: str, settings: Settings) -> dict:
    RATE_LIMITER.wait(urlsplit(url).netloc, settings.request_interval)
    response = client.get(url)
    response.raise_for_status()
    return response.json()


def fetch_online(arxiv_id: str, code_urls: list[str], settings: Settings) -> OnlineSignals:
    found = OnlineSignals()
    headers = {"User-Agent": settings.user_agent}
    with httpx.Client(timeout=settings.http_timeout, headers=headers, follow_redirects=True) as client:
        url = f"{settings.semantic_scholar_url.rstrip('/')}/paper/arXiv:{arxiv_id}?fields=citationCount"
        try:
            found.citations = int(_get_json(client, url, settings)["citationCount"])
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
            found.problems.append(f"citations: {type(exc).__name__}: {str(exc)[:120]}")
        repos = [r for r in (github_repo(u) for u in code_urls) if r]
        if repos:
            url = f"{settings.github_api_url.rstrip('/')}/repos/{repos[0]}"
            try:
                found.stars = int(_get_json(client, url, settings)["stargazers_count"])
            except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
                found.problems.append(f"stars: {type(exc).__name__}: {str(exc)[:120]}")
    return found
