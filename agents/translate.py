"""Translate: with --language, where the model wrote its card in English anyway (a small model does), the
model-written text is translated afterwards, a few lines per prompt, and a translation is kept only where it
kept every number and name of the line; copied quotes, numbers and labels are never touched."""

from __future__ import annotations

import json
from typing import Annotated

import langcodes
from langchain_core.messages import HumanMessage
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


class Translation(BaseModel):
    lines: list[Annotated[str, Field(max_length=1200)]] = Field(max_length=PER_PROMPT)


def translate_slots(slots: list[ProseSlot], model, tag: str) -> Translated:
    """Translate the slots in place, PER_PROMPT at a time; a line whose translation lost a number or name, or
    did not come back, stays as it was, and so do all the lines of a prompt answered in another language."""
    name = langcodes.Language.get(tag).display_name()
    done = Translated(language=name)
    for start in range(0, len(slots), PER_PROMPT):
        batch = slots[start : start + PER_PROMPT]
        lines = "\n".join(f"{n}. {json.dumps(slot.text, ensure_ascii=False)}" for n, slot in enumerate(batch, 1))
        prompt = fill(load_prompt("translate"), language=f"{name} ({tag})", lines=lines, count=str(len(batch)))
        try:
            answer, usage = model.invoke(Translation, [HumanMessage(prompt)], node="translate")
        except Exception as exc:  # noqa: BLE001 -- the English text stands; the run goes on
            done.kept += len(batch)
            done.usage = done.usage + getattr(exc, "usage", Usage())
            continue
        done.usage = done.usage + usage
        back = answer.lines if len(answer.lines) == len(batch) else []
        if back and in_language(back, tag) is False:  # judged together: one short line says little of its language
            back = []
        for slot, text in zip(batch, back or [None] * len(batch), strict=True):
            if text and text.strip() != slot.text and keeps_facts(slot.text, text):
                slot.put(text.strip())
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
