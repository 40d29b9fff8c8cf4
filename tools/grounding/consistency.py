"""Statements that deny what extraction found in the paper: that it prints its code, states its limitations,
reports experiments (and, from the findings, compares against baselines)."""

from __future__ import annotations

import re

from ...paper import Paper
from ..extraction.facts import limitation_sentences

_NEGATED = r"\b(no|not|without|lacks?|lacking|missing|absent|unavailable|never)\b[^.;]{0,60}?\b"
RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("code", re.compile(_NEGATED + r"(source code|code|implementation|repositor\w*)\b", re.I)),
    ("limitations", re.compile(_NEGATED + r"limitations?\b", re.I)),
    ("baselines", re.compile(_NEGATED + r"(baselines?|comparisons?)\b", re.I)),
    (
        "experiments",
        re.compile(
            r"\b(no|without|lacks?|lacking)\s+(any\s+)?(experiments?|experimental|empirical|evaluation)\b|"
            r"\b(does|do|did)\s+not\s+(report|include|present|contain|provide|run|conduct|perform)\s+(any\s+)?"
            r"(experiments?|experimental|empirical|results|evaluation)\b",
            re.I,
        ),
    ),
)


def paper_facts(paper: Paper) -> dict[str, str | None]:
    """What extraction knows, per rule topic, in words (None: extraction knows nothing either way)."""
    code = [link.url for link in paper.links if link.kind == "code"]
    limits = any("limitation" in s.heading.lower() for s in paper.sections) or bool(limitation_sentences(paper, 1))
    results = [t for t in paper.tables if any(re.search(r"\d\.\d", " ".join(row)) for row in t.rows)]
    return {
        "code": f"the paper links its code ({code[0]})" if code else None,
        "limitations": "the paper states limitations" if limits else None,
        "baselines": None,
        "experiments": f"the paper reports results ({results[0].label})" if results else None,
    }


def denial(sentence: str, facts: dict[str, str | None]) -> str | None:
    """What `sentence` denies that the facts show, in words (None when it denies nothing they show)."""
    for topic, pattern in RULES:
        if facts.get(topic) and pattern.search(sentence):
            return facts[topic]
    return None
