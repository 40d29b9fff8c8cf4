"""The user's topic registry (topics.toml) and the first, model-free filter of a weekly listing.

keywords = ["graph neural network", "message passing"]
negative = ["survey"]
authors = ["Jane Doe"]

[[topic]]
id = "graphs"
name = "Learning on graphs"
keep = "new architectures, benchmarks and theory for graph learning"
filter = "applications that only use an off-the-shelf GNN"

[attention]               # optional: what counts as attention for hidden gems (tools/attention.py)
prominent_labs = ["DeepMind", "OpenAI"]
gem_min_score = 7.5
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from ...errors import BadInputError
from ..publishing.attention import AttentionConfig
from .listing import Listing


class Topic(BaseModel):
    id: str
    name: str
    keep: str = ""
    filter: str = ""


class Topics(BaseModel):
    keywords: list[str] = []
    negative: list[str] = []
    authors: list[str] = []
    topics: list[Topic] = Field(default_factory=list, alias="topic")
    attention: AttentionConfig = Field(default_factory=AttentionConfig)


def load_topics(path: Path) -> Topics:
    try:
        return Topics.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such topics file") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"{path}: not valid TOML ({exc})") from None
    except ValidationError as exc:
        raise BadInputError(f"{path}: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from None


def _mentions(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.I) is not None


def keep(listing: Listing, topics: Topics) -> tuple[bool, str]:
    """Whether a paper passes the filter, and why (a followed author always passes)."""
    text = f"{listing.title} {listing.abstract}"
    followed = [a for a in topics.authors if any(a.lower() == n.lower() for n in listing.authors)]
    if followed:
        return True, f"followed author: {followed[0]}"
    blocked = [n for n in topics.negative if _mentions(text, n)]
    if blocked:
        return False, f"negative keyword: {blocked[0]}"
    if not topics.keywords:
        return True, "no keywords set: everything passes"
    hits = [k for k in topics.keywords if _mentions(text, k)]
    return (True, f"keyword: {hits[0]}") if hits else (False, "no keyword matched")


def filter_listings(listings: list[Listing], topics: Topics) -> list[tuple[Listing, str]]:
    return [(item, why) for item in listings for ok, why in [keep(item, topics)] if ok]
