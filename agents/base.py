"""What every reviewer node shares: evidence-carrying claims, prompt assembly, the structured LLM call.

A reviewer sees the paper as fenced data (title, abstract, sections; never authors or affiliations) and
returns a pydantic model whose claims each carry a quote from the paper and its page.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from string import Formatter
from typing import Annotated

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from ..errors import RefereeError, one_line
from ..state import Context, Finding, ReviewerTask, Usage
from ..tools.injection import redact

NOT_REPORTED = "not reported"
# What a field says when the model left it out (a small model's answer may be cut at its token limit):
# never "not reported", which would claim something about the paper.
NOT_ASSESSED = "not assessed"


# An item of a list of short statements: bounded like every model-written string, so that no answer can put an
# unbounded string on a card (over-long answers are clipped to the bound when parsed).
Statement = Annotated[str, Field(max_length=400)]


class Point(BaseModel):
    """One claim about the paper, with the words of the paper that support it."""

    claim: str = Field(max_length=600, description="one specific statement about the paper")
    quote: str = Field(
        default="",
        max_length=400,
        description="verbatim words copied from the paper that support the claim; empty only for your own view",
    )
    page: int | None = Field(default=None, ge=1, le=5000, description="page of the quote")


def load_prompt(name: str) -> str:
    return resources.files("referee.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(template) if field}


def fill(template: str, **values: str) -> str:
    """The prompt `template` with its placeholders filled. Every value is data (paper text, findings, cards,
    listings): a sentence in it that instructs a reviewer or a model is replaced before a model can read it."""
    missing = placeholders(template) - values.keys()
    if missing:
        raise KeyError(f"prompt placeholders without a value: {sorted(missing)}")
    return template.format(**{key: redact(str(value)) for key, value in values.items()})


def reviewer_messages(task: ReviewerTask, prompt_name: str, **extra: str) -> list:
    """System rules, then the fenced paper (a prefix shared by every reviewer), then this reviewer's task."""
    system = fill(load_prompt("system"))
    paper = fill(load_prompt("paper"), paper=task["paper_text"])
    instructions = fill(load_prompt(prompt_name), **extra)
    return [SystemMessage(system), HumanMessage(paper + "\n\n" + instructions)]


def run_reviewer(
    name: str,
    task: ReviewerTask,
    schema: type[BaseModel],
    context: Context,
    prompt_name: str,
    post: Callable[[BaseModel], BaseModel] | None = None,
    **extra: str,
) -> dict:
    """Run one reviewer and return its finding; a failure becomes a finding that says so."""
    messages = reviewer_messages(task, prompt_name, **extra)
    try:
        result, usage = context.model("reviewer").invoke(schema, messages, node=f"review_{name}")
        if post is not None:
            result = post(result)
        finding = Finding(reviewer=name, ok=True, output=result.model_dump(mode="json"), usage=usage)
    except RefereeError as exc:
        spent = getattr(exc, "usage", None) or Usage()  # a failed node's tries still cost what they cost
        finding = Finding(reviewer=name, ok=False, error=one_line(exc)[:500], usage=spent)
    return {"findings": [finding]}
