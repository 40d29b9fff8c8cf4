"""Statements that deny what extraction found in the paper: that it prints its code, states its limitations,
reports experiments (and, from the findings, compares against baselines), and what the rigour checklist's
detectors found with a pointer: ablations, variance, statistical tests, compute, its datasets, released data, the
hyper-parameters it states."""

from __future__ import annotations

import re

from ...contract.findings import NOT_CLAIMS
from ...paper import Paper
from ..extraction.facts import limitation_sentences, result_tables, setup_facts
from ..extraction.rigour import text_checks

_NEGATED = r"\b(no|not|without|lacks?|lacking|missing|absent|unavailable|never)\b[^.;]{0,100}?\b"
_IS_NOT = r"\b[^.;]{0,40}?\b(is|are|was|were|has|have|had)\s+(not|never)\b"


def _denied(noun: str) -> re.Pattern:
    """A negation before the noun ("no code is released") or after it ("the code is not reported")."""
    return re.compile(rf"{_NEGATED}{noun}\b|\b{noun}{_IS_NOT}", re.I)


RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("code", _denied(r"(source code|code|implementation|repositor\w*)")),
    ("limitations", _denied(r"limitations?")),
    ("baselines", _denied(r"(baselines?|comparisons?)")),
    ("ablations", _denied(r"ablation\w*")),
    # seeds and training time are left out: variance shown by a "±" cell, or compute by the GPU named, does not
    # show that the seeds or the hours are stated
    ("variance", _denied(r"(error bars?|standard deviations?|confidence intervals?|variances?)")),
    ("significance", _denied(r"(statistical(ly)? (tests?|significance|analysis)|significance tests?|p-values?)")),
    ("compute", _denied(r"(compute|computational (cost|resources?|budget|requirements?)|hardware)")),
    (
        "data",
        re.compile(
            r"\b(data\w*|weights|checkpoints?|trained models?)\b[^.;]{0,40}?\b(not|never)\s+(been\s+)?"
            r"(released|publicly available|made public|shared|provided)\b|"
            r"\b(does|do|did)\s+not\s+(release|share|publish|provide)\s+(its\s+|their\s+|the\s+|any\s+)?"
            r"(data\w*|weights|checkpoints?|trained models?)\b|"
            r"\bno\s+(public\s+|released\s+)?(data\w*|weights|checkpoints?)\s+(is|are)\s+(released|available|shared|"
            r"provided)\b",
            re.I,
        ),
    ),
    ("hyperparameters", _denied(r"hyper-?parameters?")),
    (
        "datasets",
        re.compile(
            r"\b(does|do|did)\s+not\s+(specify|mention|name|describe|state|report|identify|say)\s+(the\s+|any\s+|"
            r"which\s+|what\s+)?(datasets?|benchmarks?)\b|\bno\s+(datasets?|benchmarks?)\s+(is|are)\s+(specified|"
            r"named|described|mentioned|given)\b",
            re.I,
        ),
    ),
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
    results = result_tables(paper)
    facts = {
        "code": f"the paper links its code ({code[0]})" if code else None,
        "limitations": "the paper states limitations" if limits else None,
        "baselines": None,
        "experiments": f"the paper reports results ({results[0].label})" if results else None,
    }
    checks = text_checks(paper)
    for topic, shown in CHECKED.items():
        found = checks[topic]
        facts[topic] = f"{shown} ({_pointed(found.evidence[0])})" if found.answer == "yes" and found.evidence else None
    stated = [f for f in setup_facts(paper) if f.kind in HYPERPARAMETERS]
    facts["hyperparameters"] = f"the paper states its {stated[0].kind} (p. {stated[0].page})" if stated else None
    return facts


# The checklist items whose yes, with a pointer, a statement may not deny; and the fact in words.
CHECKED = {
    "ablations": "the paper reports ablations",
    "variance": "the paper reports variance",
    "significance": "the paper reports a statistical test",
    "compute": "the paper reports its compute",
    "datasets": "the paper names its datasets",
    "data": "the paper links its data or weights",
}
HYPERPARAMETERS = ("learning rate", "batch size", "epochs")


def _pointed(pointer) -> str:
    return f"{pointer.id}, p. {pointer.page}" if pointer.page and pointer.id != f"p. {pointer.page}" else pointer.id


def baseline_compared(results: list[dict]) -> str | None:
    """In words, the first result row (the experiments reviewer's, as JSON) that compares the paper with a
    baseline cell of the same table; None when no row does. Rows are copied from the paper's cells: a fact."""
    for r in results:
        if (r.get("baseline_value") or "").strip().lower() not in NOT_CLAIMS:
            return f"the card compares it with {r.get('best_baseline')} ({r.get('metric')}, p. {r.get('page')})"
    return None


def denial(sentence: str, facts: dict[str, str | None]) -> str | None:
    """What `sentence` denies that the facts show, in words (None when it denies nothing they show)."""
    for topic, pattern in RULES:
        if facts.get(topic) and pattern.search(sentence):
            return facts[topic]
    return None
