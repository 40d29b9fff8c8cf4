"""How much notice a paper will get anyway, estimated from signals visible offline, and the hidden gems.

Each signal adds points and names itself, so that an editor can check the reasoning. A hidden gem is a
paper whose deep review scores high while its attention estimate is low; a strong paper from a prominent
lab is a top paper, not a gem.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

DEFAULT_LABS = [
    "Google",
    "DeepMind",
    "OpenAI",
    "Anthropic",
    "Meta AI",
    "FAIR",
    "Microsoft",
    "NVIDIA",
    "Apple",
    "Amazon",
    "Alibaba",
    "Tencent",
    "ByteDance",
    "Baidu",
    "Huawei",
    "DeepSeek",
    "Mistral",
    "Allen Institute",
    "Stanford",
    "MIT",
    "Massachusetts Institute of Technology",
    "Berkeley",
    "Carnegie Mellon",
    "Harvard",
    "Princeton",
    "Oxford",
    "Cambridge",
    "ETH Zurich",
    "Tsinghua",
    "Peking University",
    "Mila",
]
DEFAULT_BRANDS = [
    "GPT",
    "ChatGPT",
    "LLaMA",
    "Gemini",
    "Claude",
    "Qwen",
    "DeepSeek",
    "Mistral",
    "Sora",
    "Stable Diffusion",
    "AlphaFold",
]
DEFAULT_HYPE = [
    "all you need",
    "revolution",
    "revolutionizing",
    "unleashing",
    "breakthrough",
    "foundation model",
    "AGI",
    "superhuman",
    "state-of-the-art",
    "frontier",
    "world model",
    "agentic",
    "scaling law",
    "emergent",
]


class AttentionConfig(BaseModel):
    """The `[attention]` table of topics.toml; every list replaces the default when given."""

    prominent_labs: list[str] = Field(default_factory=lambda: list(DEFAULT_LABS))
    brand_words: list[str] = Field(default_factory=lambda: list(DEFAULT_BRANDS))
    hype_words: list[str] = Field(default_factory=lambda: list(DEFAULT_HYPE))
    large_team: int = 10  # authors at or above it: +2 (half of it: +1)
    broad_listing: int = 3  # categories at or above it: +1
    gem_min_score: float = 7.5  # SIGNIFICANT or better
    gem_max_attention: int = 1  # attention points at or below it count as low


class Attention(BaseModel):
    points: int
    level: str  # low | moderate | high
    raised_by: list[str]  # signals that add attention, named
    quiet: list[str]  # signals that point to little attention, named


class PaperSignals(BaseModel):
    """What the estimate reads: listing metadata plus what the PDF shows (affiliations, links)."""

    title: str
    authors: list[str] = []
    institutions: list[str] = []
    categories: list[str] = []
    link_kinds: list[str] = []  # "project", "code", ... as extraction classified the paper's links
    link_urls: list[str] = []
    abstract: str = ""
    citations: int | None = None  # online signals: None when not enabled or not available
    stars: int | None = None


def card_signals(card, **listing) -> PaperSignals:
    """Signals from a review card (authors and affiliations as the PDF prints them, its links); listing
    metadata given as keywords (title, authors, categories, abstract, online counts) wins where it is set."""
    h = card.header
    base = {
        "title": h.title,
        "authors": [a.name for a in h.authors],
        "institutions": list(dict.fromkeys(h.institutions + [x for a in h.authors for x in a.affiliations])),
        "categories": h.categories,
        "link_kinds": [link.kind for link in card.links],
        "link_urls": [link.url for link in card.links],
    }
    return PaperSignals(**base | {key: value for key, value in listing.items() if value})


_DEMO = re.compile(r"github\.io|huggingface\.co/spaces|\bdemo\b|project page|project website", re.I)


def _words(text: str, words: list[str]) -> list[str]:
    """The listed words the text contains, as the text spells them, each once ("LLaMA" and "Llama" listed)."""
    found: dict[str, str] = {}
    for word in words:
        match = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.I)
        if match:
            found.setdefault(match.group(0).lower(), match.group(0))
    return list(found.values())


def estimate(paper: PaperSignals, config: AttentionConfig) -> Attention:
    points, raised, quiet = 0, [], []
    labs = sorted({lab for lab in _words(" ; ".join(paper.institutions), config.prominent_labs)})
    if labs:
        points += 3
        raised.append(f"prominent lab ({', '.join(labs[:2])})")
    elif paper.institutions:
        quiet.append("no lab on the prominent list")
    else:
        quiet.append("no affiliation printed")
    n = len(paper.authors)
    if n >= config.large_team:
        points += 2
        raised.append(f"{n} authors")
    elif n >= max(2, config.large_team // 2):
        points += 1
        raised.append(f"{n} authors")
    elif n:
        quiet.append(f"{n} author{'s' if n > 1 else ''}")
    flashy = _words(paper.title, config.brand_words + config.hype_words)
    if flashy:
        points += min(2, len(flashy))
        raised.append("title words " + ", ".join(f'"{w}"' for w in flashy[:2]))
    else:
        quiet.append("a plain title")
    if len(paper.categories) >= config.broad_listing:
        points += 1
        raised.append(f"cross-listed in {len(paper.categories)} categories")
    else:
        count = max(1, len(paper.categories))
        quiet.append(f"listed in {count} categor{'ies' if count > 1 else 'y'}")
    demo = (
        "project" in paper.link_kinds or any(_DEMO.search(u) for u in paper.link_urls) or _DEMO.search(paper.abstract)
    )
    if demo:
        points += 1
        raised.append("a project page or demo")
    else:
        quiet.append("no project page or demo")
    for count, what, steps in (
        (paper.citations, "citations", (10, 50)),
        (paper.stars, "stars on its code", (100, 1000)),
    ):
        if count is None:
            continue
        bump = sum(count >= step for step in steps)
        points += bump
        (raised if bump else quiet).append(f"{count} {what}")
    level = "low" if points <= config.gem_max_attention else "moderate" if points <= 3 else "high"
    return Attention(points=points, level=level, raised_by=raised, quiet=quiet)


def is_gem(score: float | None, attention: Attention, config: AttentionConfig) -> bool:
    return score is not None and score >= config.gem_min_score and attention.points <= config.gem_max_attention


def gem_reason(score: float, label: str, attention: Attention) -> str:
    """One sentence naming the signals that made the paper a gem."""
    why = ", ".join(attention.quiet) or "no attention signal found"
    extra = f" (only {attention.raised_by[0]} points the other way)" if attention.raised_by else ""
    return f"Reviewed at {score:.1f}/10 ({label}) yet likely to be missed: {why}{extra}."


def attention_note(attention: Attention) -> str:
    """Why a paper is expected to draw attention anyway (shown for strong papers that are not gems)."""
    named = "; ".join(attention.raised_by) or "no strong signal"
    return f"expected attention {attention.level} ({named})"
