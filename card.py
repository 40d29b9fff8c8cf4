"""The review card: a typed model assembled from the paper, the reviewers' findings and the verdict.

Facts in the header (title, ids, authors, institutions, links) come from extraction and arXiv metadata,
never from a model. A validator strips template text from model output before anything is written.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .contract.card import Card, CardHeader, Coverage, Grounding
from .contract.findings import Finding, Findings
from .contract.registry import get, reviewer_names
from .contract.verdict import Verdict, VerdictOutcome
from .errors import one_line
from .paper import Paper
from .prompts import load_prompt, prompt_names
from .tools.extraction.facts import limitation_sentences, setup_facts

TEMPLATE_TEXT = re.compile(
    r"\[(?:one|two|three|insert|your|short|brief|main|add|list|describe)\b[^\]]*\]|\{[a-z_]+\}|<[a-z_ ]+>|"
    r"\b(?:TODO|TBD|FIXME|lorem ipsum|placeholder)\b|\bXX(?:\.X+)?\b",
    re.I,
)


ECHO_WORDS = 7  # this many consecutive words of a prompt in a model's answer: it echoed its instructions
EXAMPLE_WORDS = 5  # this many words of an example a prompt quotes: the answer copied the example
_EXAMPLE = re.compile(r'"([^"\n]{20,})"')


def _shingles(text: str, n: int = ECHO_WORDS) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@functools.cache
def _prompt_shingles() -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
    """Runs of the prompts' words, and shorter runs of the examples they quote."""
    prompts = [load_prompt(name) for name in prompt_names()]
    whole = frozenset().union(*(_shingles(text) for text in prompts))
    examples = [quoted for text in prompts for quoted in _EXAMPLE.findall(text)]
    return whole, frozenset().union(*(_shingles(example, EXAMPLE_WORDS) for example in examples))


def echoes_prompt(text: str) -> bool:
    """Small models sometimes answer with a line of their instructions, or with an example the instructions give;
    such a line is not a finding."""
    whole, examples = _prompt_shingles()
    return not (_shingles(text).isdisjoint(whole) and _shingles(text, EXAMPLE_WORDS).isdisjoint(examples))


def _scrub(value: Any) -> tuple[Any, int]:
    """Drop strings (and list items) that are template text or echoed instructions; count what was removed."""
    if isinstance(value, str):
        return ("", 1) if TEMPLATE_TEXT.search(value) or echoes_prompt(value) else (value, 0)
    if isinstance(value, list):
        kept, removed = [], 0
        for item in value:
            clean, n = _scrub(item)
            removed += n
            if n:  # an item with template text in it goes whole
                continue
            kept.append(clean)
        return kept, removed
    if isinstance(value, dict):
        out, removed = {}, 0
        for key, item in value.items():
            out[key], n = _scrub(item)
            removed += n
        return out, removed
    return value, 0


def _invalid(exc: ValidationError, scrubbed: int) -> str:
    """Why an output could not go on the card, in one line, naming the true cause."""
    after = f" after {scrubbed} template or echoed item(s) were removed" if scrubbed else ""
    return f"its output did not validate{after}: {one_line(exc)}"


def header(paper: Paper) -> CardHeader:
    meta = paper.arxiv
    institutions = list(paper.affiliations)
    return CardHeader(
        title=paper.title,
        source=paper.source if meta else Path(paper.source).name,
        arxiv_id=meta.arxiv_id if meta else None,
        version=meta.version if meta else None,
        date=(meta.published or "")[:10] or None if meta else None,
        categories=meta.categories if meta else [],
        authors=paper.authors,
        primary_institution=institutions[0] if institutions else None,
        institutions=institutions,
        abs_url=f"https://arxiv.org/abs/{meta.versioned_id}" if meta else None,
        pdf_url=f"https://arxiv.org/pdf/{meta.versioned_id}" if meta else None,
        code_urls=[link.url for link in paper.links if link.kind == "code"],
    )


def assemble(
    paper: Paper,
    findings: list[Finding],
    verdict: VerdictOutcome | None,
    wanted: list[str] | None = None,
    verified: dict[str, Findings] | None = None,
    grounding: Grounding | None = None,
    coverage: Coverage | None = None,
) -> Card:
    """Build the card; every reviewer that was asked for and has no valid output is named as missing."""
    wanted = list(wanted or reviewer_names())
    by_name = {f.reviewer: f for f in findings}
    values: dict[str, Any] = {}
    missing: dict[str, str] = {}
    removed = 0
    for name in wanted:
        finding = by_name.get(name)
        if finding is None or not finding.ok or finding.output is None:
            missing[name] = (finding.error if finding else None) or "the reviewer did not run"
            continue
        checked = (verified or {}).get(name)
        output, n = _scrub(checked.model_dump(mode="json") if checked is not None else finding.output)
        removed += n
        try:
            values[name] = get(name).schema.model_validate(output)
        except ValidationError as exc:
            missing[name] = _invalid(exc, n)
    verdict_model, notes = None, []
    if verdict is not None and verdict.verdict is not None:
        data, n = _scrub(verdict.verdict.model_dump(mode="json"))
        removed += n
        try:
            verdict_model = Verdict.model_validate(data)
        except ValidationError as exc:
            missing["verdict"] = _invalid(exc, n)
        notes = verdict.notes
    elif verdict is not None:
        missing["verdict"] = verdict.error or "the verdict failed"
    return Card(
        header=header(paper),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        verdict=verdict_model,
        verdict_notes=notes,
        checklist=verdict.checklist if verdict is not None else None,
        stated_limitations=limitation_sentences(paper),
        stated_setup=setup_facts(paper),
        links=paper.links,
        tables=[{"label": t.label, "caption": t.caption, "page": t.page, "rows": t.rows[:8]} for t in paper.tables],
        outline=[s.heading for s in paper.sections],
        reviewers=wanted,
        missing=missing,
        removed_template_text=removed,
        grounding=grounding.line() if grounding else None,
        coverage=coverage,
        hidden_text=list(paper.hidden_text),
        checks=list(paper.checks),
        reviews=values,
    )
