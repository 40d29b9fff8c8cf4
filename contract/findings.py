"""The atoms of a reviewer's findings, and the kind of every field a model writes.

A field's kind says how it is checked against the paper before it reaches a card:
  fact       a statement of what the paper says or did: an unsupported number or name removes the sentence, and
             a field left with nothing says "not stated in the paper";
  judgement  the reviewer's own view: an unsupported number or name is marked, the view is kept;
  quote      words copied from the paper: kept only when they are found there;
  number     a value as the paper prints it: kept only when the paper prints it;
  entity     a name (dataset, metric, model, prior work): kept only when the paper names it;
  label      one value of an enumeration (the schema enforces it).
The kind is declared on the field's type (`Annotated[str, FACT]`), so a renamed field keeps its check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field, JsonValue
from pydantic.json_schema import SkipJsonSchema

from ..paper import Paper
from .usage import Usage

NOT_REPORTED = "not reported"
# What a field says when the model left it out (a small model's answer may be cut at its token limit):
# never "not reported", which would claim something about the paper.
NOT_ASSESSED = "not assessed"
NOT_STATED = "not stated in the paper"
NOT_CLAIMS = {NOT_REPORTED, NOT_ASSESSED, NOT_STATED, "not released", "none", "n/a", ""}

KindName = Literal["fact", "judgement", "quote", "number", "entity", "label"]


@dataclass(frozen=True)
class Kind:
    """Metadata on a field's type: how the field is checked (see the module docstring)."""

    name: KindName


FACT, JUDGEMENT, QUOTE, NUMBER, ENTITY = Kind("fact"), Kind("judgement"), Kind("quote"), Kind("number"), Kind("entity")


def kind_of(field: Any) -> KindName | None:
    """The kind declared on a pydantic FieldInfo, or on the items of a list field (None: not declared)."""
    return field_kind(field)[0]


def field_kind(field: Any) -> tuple[KindName | None, int | None]:
    """(kind, longest allowed string) of a pydantic FieldInfo; for a list of strings, those of its items."""
    metadata = list(field.metadata)
    if get_origin(field.annotation) is list and get_args(field.annotation):
        item = get_args(field.annotation)[0]
        metadata = []
        for part in get_args(item)[1:] if get_origin(item) is Annotated else ():
            metadata += list(getattr(part, "metadata", [part]))
    kind = next((m.name for m in metadata if isinstance(m, Kind)), None)
    limit = next((m.max_length for m in metadata if getattr(m, "max_length", None) is not None), None)
    return kind, limit


# Every model-written string is bounded, so that no answer can put an unbounded string on a card (over-long
# answers are clipped to the bound when parsed).
Statement = Annotated[str, Field(max_length=400), JUDGEMENT]
FactStatement = Annotated[str, Field(max_length=400), FACT]


def fact_text(limit: int) -> Any:
    return Annotated[str, Field(max_length=limit), FACT]


def judgement_text(limit: int) -> Any:
    return Annotated[str, Field(max_length=limit), JUDGEMENT]


# What a model cites to support a statement: the id of one of the paper's numbered sentences.
Evidence = Annotated[
    str,
    Field(
        default="",
        max_length=60,
        description="the id of the paper's sentence that supports it, e.g. S12; empty for your own view",
    ),
]
# A field code fills from what a model pointed at: it is left out of the schema a model is given, and whatever
# a model writes there anyway is replaced.
Copied = SkipJsonSchema()


def is_copied(field: Any) -> bool:
    """True for a field code fills from what a model pointed at (declared `Copied`)."""
    return any(m is Copied for m in field.metadata)


# Resolves a sentence id to (the sentence as the paper prints it, its page), or None.
SentenceLookup = Callable[[str], "tuple[str, int] | None"]


class Cited(BaseModel):
    """A statement that points at the paper's sentence supporting it; code copies the sentence and its page."""

    evidence: Evidence
    quote: Annotated[str, QUOTE, Copied] = Field(default="", max_length=400)
    page: Annotated[int | None, Copied] = Field(default=None, ge=1, le=5000)

    def cite(self, lookup: SentenceLookup) -> None:
        found = lookup(self.evidence)
        self.quote, self.page = (clip_words(found[0]), found[1]) if found else ("", None)


def clip_words(text: str, limit: int = 400) -> str:
    """`text`, whitespace collapsed, cut at a word to fit in `limit` characters, the cut marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


class Point(Cited):
    """One claim about the paper, pointing at the sentence of the paper that supports it."""

    claim: Annotated[str, FACT] = Field(max_length=600, description="one specific statement about the paper")


class Remark(Cited):
    """The reviewer's own view of the paper, pointing at the sentence it rests on when there is one."""

    claim: Annotated[str, JUDGEMENT] = Field(max_length=600, description="one specific remark about the paper")


class Findings(BaseModel):
    """The base of every reviewer's findings schema."""

    def settle(self, paper: Paper) -> Findings:
        """Facts over claims: what extraction knows replaces what the model said (default: nothing to settle)."""
        return self

    def cite(self, lookup: SentenceLookup) -> Findings:
        """Copy the sentence each cited statement points at (its quote and page), wherever it sits."""
        for model in _nested(self):
            if isinstance(model, Cited):
                model.cite(lookup)
        return self


def _nested(model: BaseModel) -> list[BaseModel]:
    out = [model]
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                out += _nested(item)
    return out


class ProseSlot:
    """One model-written string on a findings or verdict model: where it sits, and what it says."""

    def __init__(self, owner: BaseModel, name: str, index: int | None):
        self.owner, self.name, self.index = owner, name, index

    @property
    def text(self) -> str:
        value = getattr(self.owner, self.name)
        return value if self.index is None else value[self.index]

    def put(self, text: str) -> None:
        if self.index is None:
            setattr(self.owner, self.name, text)
        else:
            getattr(self.owner, self.name)[self.index] = text


PROSE = ("fact", "judgement")  # the kinds of field a model writes in sentences


def prose_slots(model: BaseModel) -> list[ProseSlot]:
    """Every sentence a model wrote on `model` and the models nested in it (fields of kind fact or judgement)."""
    slots = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            at = index if isinstance(value, list) else None
            if isinstance(item, BaseModel):
                slots += prose_slots(item)
            elif isinstance(item, str) and kind_of(field) in PROSE and item.strip().lower() not in NOT_CLAIMS:
                slots.append(ProseSlot(model, name, at))
    return slots


class Finding(BaseModel):
    """What one reviewer node returned: its structured output, or why it has none."""

    reviewer: str
    ok: bool
    output: dict[str, JsonValue] | None = None  # the findings schema's JSON
    error: str | None = None
    usage: Usage = Usage()
    draws: int = 1  # how many sampled answers the output was agreed from (agents/panel.py); 1: one answer
