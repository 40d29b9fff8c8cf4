"""Typed state, input and context of the review graph."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypedDict

from pydantic import JsonValue

from .contract.card import Card, Grounding, Translated
from .contract.findings import Finding, Findings
from .contract.usage import Usage
from .contract.verdict import VerdictOutcome
from .paper import Paper
from .settings import Settings
from .tools.grounding.ledger import SentenceLedger
from .tools.sources.arxiv import ArxivRef, LocalPDF, LocalText
from .tools.sources.ingest import Fetched


class ReviewerTask(TypedDict, total=False):
    """The payload `Send` gives each reviewer node."""

    started_at: float  # when the review began (time.time()), for the run deadline
    reviewer: str
    paper_text: str
    paper: Paper


class InputState(TypedDict, total=False):
    source: str  # arXiv id, arxiv.org URL, or path to a PDF
    reviewers: list[str]  # names of registered reviewers; all when absent


class State(InputState, total=False):
    started_at: float  # when the review began (time.time()), for the run deadline
    target: ArxivRef | LocalPDF | LocalText
    fetched: Fetched | None  # the PDF's bytes, dropped once the paper is extracted
    paper: Paper
    paper_text: str
    findings: Annotated[list[Finding], operator.add]
    verdict: VerdictOutcome
    verdict_usage: Usage
    verified: dict[str, Findings]  # reviewer -> its findings after the checks against the paper
    grounding: Grounding
    translation: Translated  # --language: what the translation pass did, where it ran
    card: Card
    card_dir: str
    run: dict[str, JsonValue]  # what run.json records (read from here: another run may archive the file meanwhile)
    timings: Annotated[dict[str, float], operator.or_]


@dataclass
class Context:
    """Run dependencies: the models per role and the settings. Explicit values beat the environment."""

    models: dict[str, Any]
    settings: Settings = field(default_factory=Settings)
    paper_token_budget: int = 4000
    layout: str = "shared"  # "shared": one paper prefix for all reviewers; "routed": sections per reviewer
    model_names: dict[str, str] = field(default_factory=dict)
    structured_method: str | None = None  # with_structured_output(method=...): backend-specific
    consistency_llm_check: bool = False  # one cheap model call checks the verdict against the findings
    out_dir: Path = Path("outputs")
    formats: tuple[str, ...] = ("md", "html", "json")
    run_deadline: float | None = None  # seconds for the whole review; None: no limit
    ledger: SentenceLedger | None = None  # what earlier cards said (None: each card is checked on its own)

    def model(self, role: str) -> Any:
        """The StructuredLLM for a role (the reviewer's when the role has none of its own).

        A bare LangChain chat model (tests pass fakes) is wrapped without a cache.
        """
        from .llm import StructuredLLM

        chosen = self.models.get(role, self.models.get("reviewer"))
        if chosen is None:
            raise KeyError(f"no model for role {role!r}")
        if not isinstance(chosen, StructuredLLM):
            chosen = StructuredLLM(
                chat=chosen,
                backend="langchain",
                model=type(chosen).__name__,
                role=role,
                method=self.structured_method,
                max_tries=2,
            )
            self.models[role] = chosen
        return chosen
