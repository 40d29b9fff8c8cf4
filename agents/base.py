"""What every reviewer node shares: prompt assembly, the structured LLM call, the node itself.

A reviewer sees the paper as fenced data of numbered units (title, abstract, sections, tables, references; never
authors or affiliations) and returns its registered findings schema, whose claims point at the units that
support them; code copies what they point at.
"""

from __future__ import annotations

from string import Formatter

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from ..contract.findings import Finding
from ..contract.registry import Reviewer
from ..contract.usage import Usage
from ..errors import RefereeError, one_line
from ..paper import Paper
from ..prompts import load_prompt
from ..state import Context, ReviewerTask
from ..tools.extraction.injection import redact
from ..tools.extraction.units import Units
from .panel import agreed, panel_draws


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(template) if field}


def fill(template: str, **values: str) -> str:
    """The prompt `template` with its placeholders filled. Every value is data (paper text, findings, cards,
    listings): a sentence in it that instructs a reviewer or a model is replaced before a model can read it."""
    missing = placeholders(template) - values.keys()
    if missing:
        raise KeyError(f"prompt placeholders without a value: {sorted(missing)}")
    return template.format(**{key: redact(str(value)) for key, value in values.items()})


def questions(reviewer: Reviewer) -> str:
    """What a reviewer asks of the paper, in words: its prompt (the query a small budget is retrieved by)."""
    return load_prompt(reviewer.prompt, reviewer.prompt_package)


def reviewer_messages(task: ReviewerTask, reviewer: Reviewer) -> list:
    """System rules, then the fenced paper (a prefix shared by every reviewer), then this reviewer's task."""
    system = fill(load_prompt("system"))
    paper = fill(load_prompt("paper"), paper=task["paper_text"])
    instructions = fill(load_prompt(reviewer.prompt, reviewer.prompt_package))
    return [SystemMessage(system), HumanMessage(paper + "\n\n" + instructions)]


def run_reviewer(reviewer: Reviewer, task: ReviewerTask, context: Context) -> dict:
    """Run one reviewer and return its finding, settled against the paper's facts; a failure becomes a finding
    that says so. With sampling on the reviewer answers several times and its finding is what most answers
    share (agents/panel.py); a draw that fails after others answered leaves the answers there are."""
    name, model = reviewer.name, context.model("reviewer")
    messages = reviewer_messages(task, reviewer)
    lookup, answers, usage = sentence_lookup(task["paper"]), [], Usage()
    try:
        for draw in range(panel_draws(model)):
            result, spent = model.invoke(reviewer.schema, messages, node=f"review_{name}", draw=draw)
            usage = usage + spent
            answers.append(result.cite(lookup).settle(task["paper"]).model_dump(mode="json"))
    except RefereeError as exc:
        usage = usage + (getattr(exc, "usage", None) or Usage())  # a failed node's tries still cost what they cost
        if not answers:
            return {"findings": [Finding(reviewer=name, ok=False, error=one_line(exc)[:500], usage=usage)]}
    output = reviewer.schema.model_validate(agreed(answers)).model_dump(mode="json")
    return {"findings": [Finding(reviewer=name, ok=True, output=output, usage=usage, draws=len(answers))]}


def sentence_lookup(paper: Paper):
    """Sentence id -> (the sentence as the paper prints it, its page)."""
    units = Units(paper)

    def lookup(pointer: str) -> tuple[str, int] | None:
        found = units.sentence(pointer)
        return (found.text, found.page) if found else None

    return lookup


def reviewer_node(reviewer: Reviewer):
    """The graph node `review_<name>` for a registered reviewer."""

    def node(task: ReviewerTask, runtime: Runtime[Context]) -> dict:
        return run_reviewer(reviewer, task, runtime.context)

    node.__name__ = node.__qualname__ = f"review_{reviewer.name}"
    return node
