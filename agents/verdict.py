"""Verdict: after fan-in, the chair reads the reviewers' findings (never the raw paper) as verification will leave
them on the card, and decides."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from ..contract.findings import NOT_CLAIMS, Finding, Statement
from ..contract.registry import REGISTRY
from ..contract.rigour import CHAIR_WEIGHT, Checklist, calibrated
from ..contract.usage import Usage
from ..contract.verdict import BANDS, Verdict, VerdictOutcome, band, bands_text
from ..errors import RefereeError, one_line
from ..paper import Paper
from ..prompts import load_prompt
from ..state import Context, State
from ..tools.grounding.consistency import baseline_compared, denial, paper_facts
from ..tools.grounding.verify import verify_findings
from ..tools.grounding.wording import SAME_SENTENCE, content_words, overlap
from .base import fill
from .panel import sampling_on
from .rigour import checklist as rigour_checklist

# Evidence pointers and what was copied through them serve the card's quotes, not the chair's reading.
POINTERS = {"evidence", "quote", "page", "cell", "baseline_cell", "reference"}
CHAIR_CHARS = 200  # a copied passage longer than this is cut for the chair; the card keeps it whole


def for_the_chair(value):
    """A finding as the chair reads it: claims and labels, each once (a near-duplicate item of a list dropped),
    without evidence pointers or the quotes copied through them, long passages cut, abstentions left out ("not
    stated in the paper" is a reviewer finding nothing to say, not a fault of the paper: the rigour checklist
    counts what the paper lacks). Shorter prompts, and a verdict that does not argue the same repeated sentence
    four times."""
    if isinstance(value, dict):
        kept = {key: for_the_chair(v) for key, v in value.items() if key not in POINTERS}
        return {key: v for key, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        items, seen = [], []
        for item in map(for_the_chair, value):
            words = content_words(json.dumps(item, ensure_ascii=False))
            if item in (None, "", [], {}) or any(overlap(words, other) >= SAME_SENTENCE for other in seen):
                continue
            items.append(item)
            seen.append(words)
        return items
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in NOT_CLAIMS:
            return ""
        return text if len(text) <= CHAIR_CHARS else text[: CHAIR_CHARS - 1].rstrip() + "…"
    return value


def as_verified(findings: list[Finding], paper: Paper) -> list[Finding]:
    """The findings as verification will leave them on the card (tools/grounding/verify.py): what no passage of
    the paper states, what denies the paper's facts, filler and repeats gone. The chair weighs what the card will
    show, so a sampled reviewer's invented or false claim ("does not report its hyper-parameters") does not
    set its stance. Verification is deterministic: the verify node keeps the same, less what it finds on another
    paper's card (its ledger is written once, there)."""
    outputs = {f.reviewer: copy.deepcopy(f.output) for f in findings if f.ok and f.output and f.reviewer in REGISTRY}
    verify_findings(outputs, None, paper)
    return [f.model_copy(update={"output": outputs[f.reviewer]}) if f.reviewer in outputs else f for f in findings]


def findings_json(findings: list[Finding]) -> str:
    merged = {}
    for f in sorted(findings, key=lambda f: f.reviewer):
        merged[f.reviewer] = for_the_chair(f.output) if f.ok else {"missing": f"this reviewer failed: {f.error}"}
    return json.dumps(merged, ensure_ascii=False, separators=(",", ":"))


def shown_facts(findings: list[Finding], paper: Paper) -> dict[str, str | None]:
    """What the paper's facts and the panel's findings show, per rule topic (tools/grounding/consistency.py):
    read once per verdict, since every draw and every regenerated answer is checked against the same."""
    out = {f.reviewer: f.output or {} for f in findings if f.ok}
    facts = paper_facts(paper)
    admitted = (out.get("limitations") or {}).get("admitted") or []
    results = (out.get("experiments") or {}).get("results") or []
    if admitted and not facts["limitations"]:
        facts["limitations"] = "the limitations reviewer lists the authors' own"
    facts["baselines"] = baseline_compared(results)
    if results and not facts["experiments"]:
        facts["experiments"] = "the experiments reviewer lists results"
    return facts


def contradictions(verdict: Verdict, facts: dict[str, str | None]) -> list[str]:
    """Statements in the TL;DR and reasons that the paper's facts or the panel's findings contradict."""
    return [message for _, message in contradicted(verdict, facts)]


def contradicted(verdict: Verdict, facts: dict[str, str | None]) -> list[tuple[str, str]]:
    """(statement, why) for each statement of the TL;DR and reasons that `facts` (`shown_facts`) contradict."""
    found = []
    for sentence in [verdict.tldr, *verdict.reasons]:
        if denied := denial(sentence, facts):
            found.append((sentence, f'"{sentence[:160]}" contradicts the findings: {denied}'))
    return found


def _attributed(message: str, statements: list[str]) -> str | None:
    """The statement a checker's message is about: quoted in it, or the one sharing most of its words."""
    quoted = [s for s in statements if s and s[:60] in message]
    if quoted:
        return quoted[0]
    words = content_words(message)
    best = max(statements, key=lambda s: overlap(words, content_words(s)), default=None)
    return best if best and overlap(words, content_words(best)) >= ATTRIBUTED else None


ATTRIBUTED = 0.2  # a checker's message sharing this share of content words with a statement is about it


def without_contradicted(verdict: Verdict, wrong: list[tuple[str, str]], messages: list[str]) -> list[str]:
    """Remove the statements still contradicted after the regeneration (the rules' and the checker's); the notes
    that say so. A removed TL;DR is left empty (verification puts the abstract's contribution sentence there)."""
    statements = [verdict.tldr, *verdict.reasons]
    drop = {sentence: why for sentence, why in wrong}
    for message in messages:
        if (target := _attributed(message, statements)) is not None:
            drop.setdefault(target, message)
    if verdict.tldr in drop:
        verdict.tldr = ""
    verdict.reasons = [r for r in verdict.reasons if r not in drop]
    return [f"removed, as the findings contradict it: {why}" for why in dict.fromkeys(drop.values())]


class ConsistencyCheck(BaseModel):
    contradictions: list[Statement] = Field(default_factory=list, max_length=5)


def llm_contradictions(verdict: Verdict, findings: list[Finding], checker) -> tuple[list[str], Usage]:
    """One cheap model call for contradictions that rules cannot see (results, limitations)."""
    out = {f.reviewer: f.output for f in findings if f.ok and f.reviewer in ("limitations", "experiments")}
    prompt = fill(
        load_prompt("consistency"),
        verdict=json.dumps({"tldr": verdict.tldr, "reasons": verdict.reasons}, ensure_ascii=False),
        findings=json.dumps(out, ensure_ascii=False, separators=(",", ":")),
    )
    check, usage = checker.invoke(ConsistencyCheck, [HumanMessage(prompt)], node="write_verdict")
    return [c for c in check.contradictions if c.strip()], usage


CHAIR_DRAWS = 5  # answers the chair draws when sampling is on; their trimmed mean is the chair's score


def chair_draws(model) -> int:
    """How many answers the chair draws: CHAIR_DRAWS with sampling on, else one."""
    return CHAIR_DRAWS if sampling_on(model) else 1


def chair_answer(
    model, messages: list, faults: Callable[[Verdict], set[str]] = lambda v: set()
) -> tuple[Verdict, Usage, list[float]]:
    """The chair's verdict. Greedy decoding answers once. With sampling on the chair answers `chair_draws`
    times, as a panel's chair takes several readings: the highest and lowest scores are set aside and the
    mean of the rest is the chair's score, shown on the answer (reasons, TL;DR) whose own score is nearest
    to it among the soundest: nothing in it contradicted by the paper's facts (`faults`: the statements
    that are), else some reason not contradicted. One sampled score can land two points from the next; the
    mean of the middle three of five moves about half as much as one draw, and less than the median of
    three. Also returns the scores read, in order (a note on the card shows them)."""
    answers, usage = [], Usage()
    for draw in range(chair_draws(model)):
        verdict, spent = model.invoke(Verdict, messages, node="write_verdict", draw=draw)
        answers.append(verdict)
        usage = usage + spent
    readings = [v.score for v in answers]
    if len(answers) == 1:
        return answers[0], usage, readings
    middle = sorted(readings)[1:-1]
    score = round(sum(middle) / len(middle), 1)

    def rank(v: Verdict) -> tuple[bool, bool, float]:
        wrong = faults(v)
        return all(r in wrong for r in v.reasons), bool(wrong), abs(v.score - score)

    return min(answers, key=rank).model_copy(update={"score": score}), usage, readings


def decide(
    findings: list[Finding], paper: Paper, model, checker=None, checklist: Checklist | None = None
) -> tuple[Verdict, Usage, list[str]]:
    """The verdict, its usage, and notes about corrections made to it.

    A statement the findings contradict (found by rules, and by one cheap call to `checker` when one is given)
    triggers one regeneration that names the problems (with sampling on, only where every draw is contradicted;
    the draws' mean stays the score); what is still contradicted afterwards is removed, and where no reason of
    the regenerated answer stands, the first answer's uncontradicted statements do. The score is the chair's
    combined with the rigour checklist's (contract/rigour.py), capped by the ceiling of the evidence on the
    card; the label is its band.
    """
    prompt = fill(load_prompt("verdict"), findings=findings_json(findings), title=paper.title, bands=bands_text())
    messages = [HumanMessage(prompt)]
    facts = shown_facts(findings, paper)
    verdict, usage, readings = chair_answer(model, messages, lambda v: {s for s, _ in contradicted(v, facts)})

    def checked(v: Verdict) -> list[str]:
        nonlocal usage
        if checker is None:
            return []
        found, spent = llm_contradictions(v, findings, checker)
        usage = usage + spent
        return found

    def mended(v: Verdict, messages: list[str]) -> tuple[Verdict, list[str]]:
        kept = v.model_copy(deep=True)
        return kept, without_contradicted(kept, contradicted(kept, facts), messages)

    notes: list[str] = []
    if (drawn := max((f.draws for f in findings), default=1)) > 1:
        notes.append(
            f"each reviewer answered {drawn} times: the card and the chair keep what most of its answers share"
        )
    if len(readings) > 1:
        shown = ", ".join(f"{r:.1f}" for r in readings)
        notes.append(
            f"the chair's {verdict.score:.1f}: the mean of its readings {shown}, the highest and lowest set aside"
        )
    first_checked = checked(verdict)
    first = contradictions(verdict, facts) + first_checked
    if first:
        retry = [
            *messages,
            AIMessage(verdict.model_dump_json()),
            HumanMessage(
                "Your verdict has problems: " + "; ".join(first) + ". Answer again, consistent with the findings."
            ),
        ]
        again, more = model.invoke(Verdict, retry, node="write_verdict")
        usage = usage + more
        # the answer again restates; with several readings drawn, their mean stays the chair's score (one more
        # sampled answer would put a single reading back in its place)
        if chair_draws(model) > 1:
            again = again.model_copy(update={"score": verdict.score})
        answer, removed = mended(again, checked(again))
        if not answer.reasons:  # nothing of it stands: the first answer's sound statements do, where it has any
            kept, kept_removed = mended(verdict, first_checked)
            if kept.reasons:
                answer, removed = kept, kept_removed
        verdict = answer
        notes += removed
    chair = verdict.chair_score = round(verdict.score, 1)
    verdict.score = calibrated(chair, checklist)
    if checklist is not None and checklist.score() is not None:
        notes.append(
            f"score {verdict.score:.1f}: the chair's {chair:.1f} and the rigour checklist's {checklist.score():.1f} "
            f"({checklist.line()}), weighted {CHAIR_WEIGHT:.0%} and {1 - CHAIR_WEIGHT:.0%}"
        )
    if (held := ceiling(findings)) and verdict.score > held[0]:
        notes.append(f"score {verdict.score:.1f} lowered to {held[0]:.1f}: {held[1]}")
        verdict.score = held[0]
    verdict.label = band(verdict.score)  # the label is the band of the card's score, whatever the chair wrote
    missing = [f.reviewer for f in findings if not f.ok]
    if missing and verdict.confidence > 3:
        notes.append(f"confidence capped at 3: no findings from {', '.join(missing)}")
        verdict.confidence = 3
    return verdict, usage, notes


def ceiling(findings: list[Finding]) -> tuple[float, str] | None:
    """The highest score the panel's evidence carries, and why (None: no ceiling). A clear advance
    (SIGNIFICANT and above) needs a measured comparison on the card: a result row whose own and baseline
    cells both resolved in one of the paper's tables; a tuning of a known method is at most INCREMENTAL."""
    out = {f.reviewer: f.output or {} for f in findings if f.ok}
    measured = baseline_compared((out.get("experiments") or {}).get("results") or [])
    top = {label: low for label, low, _ in BANDS}
    if (out.get("novelty") or {}).get("assessment") == "tuning":
        return top["SOLID"] - 0.1, "the novelty reviewer assesses the delta as a tuning of a known method"
    if not measured:
        return top["SIGNIFICANT"] - 0.1, "no result on the card compares the paper with a baseline in its tables"
    return None


NOTHING_STANDS = "not assessed: the findings contradict every reason the verdict gave, after one regeneration"


NO_FINDINGS = "not assessed: no reviewer produced findings, so there is nothing a verdict could stand on"


def write_verdict(state: State, runtime: Runtime[Context]) -> dict:
    findings = as_verified(state["findings"], state["paper"])
    checks = rigour_checklist(state["paper"], findings)
    if not any(f.ok for f in findings):  # a verdict written from error messages judges nothing
        return {"verdict": VerdictOutcome(error=NO_FINDINGS, checklist=checks), "verdict_usage": Usage()}
    try:
        context = runtime.context
        checker = context.model("triage") if context.consistency_llm_check else None
        verdict, usage, notes = decide(findings, state["paper"], context.model("verdict"), checker, checks)
    except RefereeError as exc:
        spent = getattr(exc, "usage", None) or Usage()
        return {"verdict": VerdictOutcome(error=one_line(exc)[:500], checklist=checks), "verdict_usage": spent}
    if not verdict.reasons:  # never a score resting on contradicted claims
        outcome = VerdictOutcome(error=NOTHING_STANDS, notes=notes, checklist=checks)
        return {"verdict": outcome, "verdict_usage": usage}
    return {"verdict": VerdictOutcome(verdict=verdict, notes=notes, checklist=checks), "verdict_usage": usage}
