"""A reviewer's readings, with sampling on: the reviewer answers PANEL_DRAWS times and keeps what most of its
answers share, as a panel keeps the points several referees raise and lets one referee's aside go.

One sampled answer of a small model lists five missing ablations, the next none: a verdict that follows the
count of critiques moves five points between runs. Each list of the findings keeps the items that recur in most
answers (a result on the same table cell, the same cited sentence, or mostly the same content words); a label
or a number takes the value most answers give (a number, their median); everything else comes from the answer
that agrees most with the others. Greedy decoding answers once, and that answer stands as it is.
"""

from __future__ import annotations

import copy
from statistics import median_low

from ..contract.findings import NOT_CLAIMS
from ..tools.grounding.wording import content_words, overlap

PANEL_DRAWS = 3
AGREE = 0.5  # two items sharing this share of their content words make the same point
LOCATORS = ("evidence", "quote", "page")  # where a point was found, not what it says


def sampling_on(model) -> bool:
    """Whether a model samples (a temperature above 0): its answers to one prompt differ."""
    return bool((getattr(model, "sampling", None) or {}).get("temperature"))


def panel_draws(model) -> int:
    """How many answers each reviewer gives: PANEL_DRAWS with sampling on, else one."""
    return PANEL_DRAWS if sampling_on(model) else 1


def _words(item) -> set[str]:
    if isinstance(item, dict):
        item = " ".join(str(v) for k, v in item.items() if k not in LOCATORS and isinstance(v, str))
    text = str(item)
    return set() if text.strip().lower() in NOT_CLAIMS else content_words(text)


def same_point(a, b) -> bool:
    """Whether two items of one list make the same point."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.get("cell") or b.get("cell"):  # a result row is its own cell (answers differ on the baseline)
            return a.get("cell") == b.get("cell")
        if a.get("evidence") and a.get("evidence") == b.get("evidence"):
            return True
    if a == b:
        return True
    return overlap(_words(a), _words(b)) >= AGREE


def _held(item, answer: list) -> bool:
    return any(same_point(item, other) for other in answer)


def shared_items(lists: list[list]) -> list:
    """The items that most of the answers' lists hold, each point once (two items matched by one item of a third
    answer are one point), in the order the answers give them; no more than the longest list held."""
    need = len(lists) // 2 + 1
    kept: list = []
    taken: set[tuple[int, int]] = set()  # the items (answer, position) that a kept point stands for
    for index, items in enumerate(lists):
        for position, item in enumerate(items):
            support = {(index, position)} | {
                (at, j) for at, other in enumerate(lists) if at != index for j, x in enumerate(other)
                if same_point(item, x)
            }  # fmt: skip
            if len({at for at, _ in support}) >= need and not support & taken:
                kept.append(item)
                taken |= support
    return kept[: max(map(len, lists), default=0)]


def _agreement(answer: dict, others: list[dict]) -> int:
    """How many of an answer's items and values another answer repeats."""
    count = 0
    for key, value in answer.items():
        for other in others:
            theirs = other.get(key)
            if isinstance(value, list) and isinstance(theirs, list):
                count += sum(_held(item, theirs) for item in value)
            elif value == theirs:
                count += 1
    return count


def agreed(answers: list[dict]) -> dict:
    """One answer from several answers to the same question (findings as JSON, `answers` non-empty)."""
    if len(answers) == 1:
        return answers[0]
    others = [[a for j, a in enumerate(answers) if j != i] for i in range(len(answers))]
    base = max(range(len(answers)), key=lambda i: (_agreement(answers[i], others[i]), -i))
    out = copy.deepcopy(answers[base])
    for key, value in answers[base].items():
        values = [answer.get(key) for answer in answers]
        if isinstance(value, list):
            out[key] = shared_items([v if isinstance(v, list) else [] for v in values])
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = median_low([v for v in values if isinstance(v, int | float)])
        elif isinstance(value, str):
            out[key] = max(dict.fromkeys(values), key=lambda v: (values.count(v), v == value))
    return out
