"""The review card: header facts from extraction and arXiv, the reviewers' findings, the verdict, and the
sentences extraction copied from the paper."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, SerializeAsAny, field_validator, model_validator

from ..paper import Author, HiddenText, Link
from .findings import NOT_CLAIMS, Findings
from .registry import REGISTRY
from .rigour import Checklist
from .usage import Usage
from .verdict import Verdict


class Fact(BaseModel):
    """A sentence copied from the paper by code, with where it stands."""

    kind: str
    text: str
    page: int
    section: str


class Unsupported(BaseModel):
    where: str  # the field, e.g. "methodology.training.optimiser"
    unsupported: str  # what the paper does not support, and why
    action: str  # "removed" or "marked"


class Grounding(BaseModel):
    """The tally of a card's checks against its paper: every model-written statement, name and number."""

    checked: int = 0
    verified: int = 0
    removed: int = 0
    marked: int = 0
    details: list[Unsupported] = Field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.verified} of {self.checked} claims verified against the paper"]
        if self.removed:
            parts.append(f"{self.removed} removed")
        if self.marked:
            parts.append(f"{self.marked} marked unverified")
        return "; ".join(parts)

    def record(self, ok: bool, where: str, what: str, action: str = "") -> bool:
        self.checked += 1
        if ok:
            self.verified += 1
        else:
            self.details.append(Unsupported(where=where, unsupported=what[:300], action=action))
            if action == "removed":
                self.removed += 1
            else:
                self.marked += 1
        return ok


class Translated(BaseModel):
    """What the translation pass did with a card's model-written text (--language, where the model wrote English)."""

    language: str = Field(description="the language's name, as the reader reads it in English")
    translated: int = 0
    kept: int = Field(0, description="left in English: the translation changed a number or name, or was not made")
    usage: Usage = Usage()

    def line(self) -> str:
        total = self.translated + self.kept
        kept = (
            f"; {self.kept} left in English (their translation was not in {self.language}, or changed a number or name)"
            if self.kept
            else ""
        )
        return (
            f"the model wrote in English: {self.translated} of its {total} passages were translated into "
            f"{self.language} afterwards, numbers and names checked{kept}"
        )


class Coverage(BaseModel):
    """How much of the paper the reviewers read: the pages their text came from, and the share of the paper's
    readable text (abstract and sections, by characters) it held."""

    pages: int = Field(description="the paper's pages")
    pages_read: list[int] = Field(default_factory=list, description="pages some of the reviewers' text came from")
    share: float = Field(ge=0, le=1, description="of the readable text, by characters")
    sections: int = Field(0, description="the sections a reviewer may read")
    sections_read: int = Field(0, description="of those, the ones some of the reviewers' text came from")

    def line(self) -> str:
        if self.share >= 0.995:
            return f"read all {self.pages} pages" if len(self.pages_read) >= self.pages else "read all of the text"
        sections = (
            "every section"
            if self.sections_read >= self.sections
            else f"{self.sections_read} of {self.sections} sections"
        )
        pages = f"{len(self.pages_read)} of {self.pages} pages"
        return f"read excerpts: {self.share:.0%} of the text, from {pages} and {sections}"


class CardHeader(BaseModel):
    title: str
    source: str = Field(description="arXiv id with version, or the PDF's file name")
    arxiv_id: str | None = None
    version: int | None = None
    date: str | None = None
    categories: list[str] = []
    authors: list[Author]
    primary_institution: str | None = Field(None, description="the first institution the PDF names; None: unknown")
    institutions: list[str] = []
    abs_url: str | None = None
    pdf_url: str | None = None
    code_urls: list[str] = []


class VersionChanges(BaseModel):
    """What changed since the card of an earlier version of the same paper (compared by code, not by a model)."""

    previous: str = Field(description="the earlier version's id, e.g. 2604.01234v1")
    previous_week: str = Field(description="the ISO week its card was made, e.g. 2026-W16")
    previous_score: float | None = None
    score: float | None = None
    sections_added: list[str] = []
    sections_removed: list[str] = []
    tables_changed: list[str] = Field(default_factory=list, description="e.g. 'Table 2: 3 numbers changed'")
    tables_added: list[str] = []
    links_added: list[str] = []

    def line(self, version: int | None) -> str:
        """'v2 of a paper reviewed in week 2026-W16: 6.4 → 7.1, new section "Ablation study"; ...'"""
        old = "not assessed" if self.previous_score is None else f"{self.previous_score:.1f}"
        new = "not assessed" if self.score is None else f"{self.score:.1f}"
        parts = [f"{old} \u2192 {new}"]
        parts += [f'new section "{h}"' for h in self.sections_added[:3]]
        parts += [f'section "{h}" removed' for h in self.sections_removed[:3]]
        parts += self.tables_changed[:3] + [f"new {t}" for t in self.tables_added[:3]]
        if self.links_added:
            parts.append(f"{len(self.links_added)} link{'s' if len(self.links_added) > 1 else ''} added")
        if len(parts) == 1:
            parts.append("no section, table number or link changed")
        head = f"v{version}" if version else "this version"
        return f"{head} of a paper reviewed in week {self.previous_week} ({self.previous}): " + ", ".join(parts)


class Card(BaseModel):
    header: CardHeader
    created_at: str
    verdict: Verdict | None = None
    verdict_notes: list[str] = []
    checklist: Checklist | None = Field(None, description="the rigour checklist, answered with pointers")
    reviews: dict[str, SerializeAsAny[Findings]] = Field(
        default_factory=dict, description="reviewer name -> its verified findings, in the registry's order"
    )
    stated_limitations: list[Fact] = Field(default_factory=list, description="extracted from the paper, verbatim")
    stated_setup: list[Fact] = Field(default_factory=list, description="extracted from the paper, verbatim")
    links: list[Link] = Field(default_factory=list, description="printed in the paper")
    tables: list[dict[str, Any]] = Field(
        default_factory=list, description="label, caption, page and first rows of each table"
    )
    reviewers: list[str] = Field(default_factory=list, description="the reviewers this run asked for")
    missing: dict[str, str] = Field(default_factory=dict, description="reviewer -> why its section is absent")
    removed_template_text: int = 0
    grounding: str | None = Field(None, description="how many claims were verified against the paper")
    coverage: Coverage | None = Field(None, description="how much of the paper the reviewers read")
    hidden_text: list[HiddenText] = Field(
        default_factory=list, description="hidden or instructing text; `addressed` marks the alarms"
    )

    checks: list[str] = []
    outline: list[str] = Field(default_factory=list, description="the paper's section headings, as extracted")
    changes: VersionChanges | None = Field(None, description="what changed since an earlier version's card")

    @property
    def alarms(self) -> list[HiddenText]:
        """The hidden or visible text that addresses a reader or a model."""
        return [h for h in self.hidden_text if h.addressed]

    @model_validator(mode="before")
    @classmethod
    def _earlier_layout(cls, data: Any) -> Any:
        """Cards written before the registry kept each review at the top level under the reviewer's name."""
        if isinstance(data, dict):
            moved = {name: data[name] for name in REGISTRY if isinstance(data.get(name), dict)}
            if moved:
                data = {k: v for k, v in data.items() if k not in moved}
                data["reviews"] = {**moved, **(data.get("reviews") or {})}
        return data

    @field_validator("reviews", mode="before")
    @classmethod
    def _typed(cls, value: Any) -> Any:
        """Each review is validated by its reviewer's schema (a name no reviewer has is refused)."""
        if not isinstance(value, dict):
            return value
        typed = {}
        for name, review in value.items():
            if name not in REGISTRY:
                raise ValueError(f"no reviewer named {name!r} is registered")
            schema = REGISTRY[name].schema
            typed[name] = review if isinstance(review, schema) else schema.model_validate(review)
        return typed

    def review(self, name: str) -> Any:
        """The named reviewer's findings (its schema's instance), or None when it has none on this card."""
        return self.reviews.get(name)

    def key_findings(self, count: int = 3) -> list[str]:
        """Verified result rows first (numbers as the paper prints them), then the verdict's reasons."""
        experiments = self.review("experiments")
        found = []
        for r in (experiments.results if experiments else [])[:count]:
            baseline = r.baseline_value.strip().lower() not in NOT_CLAIMS
            versus = f" vs {r.best_baseline} {r.baseline_value}" if baseline else ""
            found.append(f"{r.metric}, {' '.join(filter(None, (r.dataset, r.method)))}: {r.this_paper}{versus}")
        found += list(self.verdict.reasons if self.verdict else [])
        return list(dict.fromkeys(found))[:count]

    @property
    def assessed(self) -> bool:
        """False when no reviewer and no verdict produced anything: every model call failed."""
        return self.verdict is not None or bool(self.reviews)
