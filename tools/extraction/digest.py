"""The paper as reviewers read it: budgeted, page-marked, author-blind text (deterministic, no LLM).

Two layouts: "shared" gives every reviewer the same paper text (a common prompt prefix that llama.cpp
reuses and OpenAI discounts); "routed" gives each reviewer the sections that concern it.
"""

from __future__ import annotations

import re

from ...contract.registry import Reviewer
from ...paper import Paper, Section
from .injection import redact

# Characters per token, on the safe side: measured on a corpus paper, Qwen2.5's tokenizer gave 6,225 tokens
# for text that characters / 4 put at 4,000 (numbers, symbols and names split into many tokens).
CHARS_PER_TOKEN = 2.6

_PRIVATE = re.compile(r"acknowledg|credit author|author contributions?|funding|correspondence", re.I)


def blind(text: str, paper: Paper) -> str:
    """Remove author names and affiliations: reviews judge the work, not the lab."""
    names = {a.name for a in paper.authors} | set(paper.arxiv.authors if paper.arxiv else [])
    patterns = set()
    for name in names:
        parts = name.split()
        patterns.add(re.escape(name))
        if parts and len(parts[-1]) >= 3:
            patterns.add(re.escape(parts[-1]))
    for pattern in sorted(patterns, key=len, reverse=True):
        text = re.sub(rf"\b{pattern}\b", "[author]", text)
    affiliations = set(paper.affiliations) | {a for author in paper.authors for a in author.affiliations}
    for aff in sorted(affiliations, key=len, reverse=True):
        text = text.replace(aff, "[affiliation]")
    return text


def _page_marked(section: Section) -> str:
    pieces, starts = [], [*section.page_offsets, (len(section.text), None)]
    for (start, page), (end, _) in zip(starts, starts[1:], strict=False):
        chunk = section.text[start:end].strip()
        if chunk:
            pieces.append(f"[p. {page}] {chunk}")
    return " ".join(pieces) if pieces else section.text


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    stop = max(head.rfind(". "), head.rfind("? "), head.rfind("! "))
    return (head[: stop + 1] if stop > limit * 0.6 else head) + " [...]"


def select_sections(paper: Paper, reviewer: Reviewer | None) -> list[Section]:
    """The sections a reviewer reads: those whose headings hold a word it is routed (all for the shared text)."""
    usable = [s for s in paper.sections if not _PRIVATE.search(s.heading)]
    if reviewer is None:
        return usable
    keys = reviewer.reads
    chosen: list[Section] = []
    parent_hit = False
    for s in usable:
        hit = any(k in s.heading.lower() for k in keys)
        if s.level == 1:
            parent_hit = hit
        if hit or (s.level > 1 and parent_hit):
            chosen.append(s)
    return chosen or usable[:3]


def _facts(paper: Paper, reviewer: Reviewer | None, budget: int) -> str:
    def wanted(extract: str) -> bool:
        return reviewer is None or extract in reviewer.extracts

    parts = []
    if paper.tables and wanted("tables"):
        rows = []
        for t in paper.tables:
            cells = " ; ".join(" | ".join(r) for r in t.rows[:12])
            rows.append(f"{t.caption} (p. {t.page}) {cells}")
        parts.append("TABLES\n" + _cut("\n".join(rows), budget // 3))
    if wanted("links"):
        links = "\n".join(f"{link.kind}: {link.url} (p. {link.page})" for link in paper.links) or "none found"
        parts.append("LINKS PRINTED IN THE PAPER\n" + links)
    if paper.references and wanted("references"):
        refs = "\n".join(f"[{r.index}] {r.text[:160]}" for r in paper.references[:60])
        parts.append("REFERENCES\n" + _cut(refs, budget // 4))
    return "\n\n".join(parts)


def paper_text(paper: Paper, token_budget: int, reviewer: Reviewer | None = None) -> str:
    """Title, abstract, the selected sections (page-marked, cut to the budget) and extracted facts."""
    budget = int(token_budget * CHARS_PER_TOKEN)
    head = f"TITLE: {paper.title}\n\nABSTRACT: {paper.abstract}"
    facts = _facts(paper, reviewer, budget)
    room = max(budget - len(head) - len(facts), 1000)
    sections = select_sections(paper, reviewer)
    texts = [_page_marked(s) for s in sections]
    total = sum(len(t) for t in texts) or 1
    body = []
    for s, t in zip(sections, texts, strict=True):
        share = len(t) if total <= room else max(300, int(room * len(t) / total))
        number = f"{s.number} " if s.number else ""
        body.append(f"SECTION {number}{s.heading} (pp. {s.page_start}-{s.page_end})\n{_cut(t, share)}")
    text = "\n\n".join([head, *body, facts] if facts else [head, *body])
    return blind(redact(text, paper.hidden_text), paper)


def estimate_tokens(text: str) -> int:
    return max(1, int(len(text) / CHARS_PER_TOKEN))
