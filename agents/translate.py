"""Translate: with --language, where the model wrote its card in English anyway (a small model does), the
model-written text is translated afterwards, a few lines per prompt, and a translation is kept only where it
kept every number and name of the line; copied quotes, numbers and labels are never touched."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated

import langcodes
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from ..contract.card import Translated
from ..contract.findings import ProseSlot, prose_slots
from ..contract.usage import Usage
from ..contract.verdict import VerdictOutcome
from ..prompts import load_prompt
from ..state import Context, State
from ..tools.grounding.language import in_language, keeps_facts
from .base import fill

PER_PROMPT = 6  # lines per prompt: a small model loses count past a handful
SHORTEST = 0.15  # of the English line's characters: a shorter translation left something out (Chinese: ~1/3)


class Translation(BaseModel):
    lines: list[Annotated[str, Field(max_length=1200)]] = Field(max_length=4 * PER_PROMPT)


_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")  # a small model echoes the prompt's numbering


def _ask(batch: list[ProseSlot], model, tag: str, done: Translated) -> list[str] | None:
    """The batch's lines translated, in order (None: no answer, another count, or another language)."""
    lines = "\n".join(f"{n}. {' '.join(slot.text.split())}" for n, slot in enumerate(batch, 1))
    language = f"{done.language} ({tag})"
    messages = [
        SystemMessage(fill(load_prompt("translator"), language=language)),
        HumanMessage(fill(load_prompt("translate"), language=language, lines=lines, count=str(len(batch)))),
    ]
    try:
        # without the instruction every prompt ends with: "keep in English" the labels and field names
        answer, usage = replace(model, instruction=None).invoke(Translation, messages, node="translate")
    except Exception as exc:  # noqa: BLE001 -- the English text stands; the run goes on
        done.usage = done.usage + getattr(exc, "usage", Usage())
        return None
    done.usage = done.usage + usage
    back = [_NUMBERED.sub("", line).strip().strip('"') for line in answer.lines]
    if len(back) != len(batch) or in_language(back, tag) is False:  # judged together: a short line says little
        return None
    return back


def translate_slots(slots: list[ProseSlot], model, tag: str) -> Translated:
    """Translate the slots in place, PER_PROMPT at a time, a prompt whose answer does not fit asked again line by
    line; a line whose translation lost a number, name or link, or did not come back, stays as it was."""
    done = Translated(language=langcodes.Language.get(tag).display_name())
    for start in range(0, len(slots), PER_PROMPT):
        batch = slots[start : start + PER_PROMPT]
        back = _ask(batch, model, tag, done)
        if back is None and len(batch) > 1:
            back = [(_ask([slot], model, tag, done) or [""])[0] for slot in batch]
        for slot, text in zip(batch, back or [""] * len(batch), strict=True):
            if len(text) >= SHORTEST * len(slot.text) and text != slot.text and keeps_facts(slot.text, text):
                slot.put(text)
                done.translated += 1
            else:
                done.kept += 1
    return done


def translate(state: State, runtime: Runtime[Context]) -> dict:
    tag = runtime.context.settings.language
    if langcodes.Language.get(tag).language == "en":
        return {}
    reviews = {name: findings.model_copy(deep=True) for name, findings in (state.get("verified") or {}).items()}
    outcome = state.get("verdict") or VerdictOutcome()
    verdict = outcome.verdict.model_copy(deep=True) if outcome.verdict else None
    slots = [slot for findings in reviews.values() for slot in prose_slots(findings)]
    slots += prose_slots(verdict) if verdict is not None else []
    if not slots or in_language([slot.text for slot in slots], tag) is not False:
        return {}  # the model wrote in the language asked for (or it cannot be told)
    translated = translate_slots(slots, runtime.context.model("reviewer"), tag)
    return {
        "verified": reviews,
        "verdict": outcome.model_copy(update={"verdict": verdict}),
        "translation": translated,
    }
