"""The typed description of a paper that extraction produces and every reviewer reads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ArxivMetadata(BaseModel):
    """What the arXiv API says about a paper."""

    arxiv_id: str = Field(description="identifier without version, e.g. 2604.14702 or hep-th/9901001")
    version: int | None = None
    title: str
    authors: list[str]
    summary: str = ""
    categories: list[str] = []
    primary_category: str | None = None
    published: str | None = None
    updated: str | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    abs_url: str | None = None
    pdf_url: str | None = None

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id


class Author(BaseModel):
    name: str
    affiliations: list[str] = Field(
        default_factory=list, description="as printed in the PDF; empty when the PDF does not say"
    )


class Section(BaseModel):
    heading: str
    number: str | None = Field(None, description="the printed number, e.g. '3.1' or 'A'")
    level: int = Field(description="1 = top level")
    page_start: int
    page_end: int
    text: str
    page_offsets: list[tuple[int, int]] = Field(
        default_factory=list, description="(character offset in text, page): where each page's text starts"
    )
    appendix: bool = False
    printed: bool = Field(True, description="false for a page of text without headings, named 'Page N' by Referee")

    def page_of(self, offset: int) -> int:
        """The page on which the character at `offset` of `text` was printed."""
        page = self.page_start
        for start, number in self.page_offsets:
            if start > offset:
                break
            page = number
        return page


class Reference(BaseModel):
    index: int = Field(description="1-based position in the reference list")
    label: str | None = Field(None, description="the printed label, e.g. '12' for [12]")
    text: str
    page: int


class Table(BaseModel):
    label: str = Field(description="e.g. 'Table 2'")
    caption: str
    page: int
    rows: list[list[str]] = Field(default_factory=list, description="cell text, row by row")


class Figure(BaseModel):
    label: str
    caption: str
    page: int


class Link(BaseModel):
    url: str
    kind: Literal["code", "data", "model", "project", "other"]
    page: int


class HiddenText(BaseModel):
    page: int
    kind: str
    text: str
    addressed: bool = Field(
        True,
        description="the text addresses a reader or a model (an instruction, a request, praise): an alarm; "
        "false for artefacts such as figure tick labels or an embedded figure source, listed quietly",
    )


class Appendix(BaseModel):
    heading: str
    page: int
    section_index: int = Field(description="index in `sections` of the first appendix section")


class Paper(BaseModel):
    source: str = Field(description="what the user asked for: an arXiv id with version, or a file path")
    pages: int
    title: str
    authors: list[Author]
    affiliations: list[str] = Field(description="every institution the first page names, in order, as printed")
    affiliation_status: Literal["found", "unknown"] = "unknown"
    abstract: str
    abstract_page: int = 1
    sections: list[Section]
    appendix: Appendix | None = None
    references: list[Reference]
    tables: list[Table]
    figures: list[Figure]
    links: list[Link]
    hidden_text: list[HiddenText] = Field(default_factory=list)

    arxiv: ArxivMetadata | None = None
    checks: list[str] = Field(
        default_factory=list, description="disagreements found while cross-checking PDF and metadata"
    )

    @property
    def alarms(self) -> list[HiddenText]:
        """Hidden or visible text that addresses a reader or a model: what a user is warned of."""
        return [h for h in self.hidden_text if h.addressed]

    def top_level_headings(self) -> list[str]:
        return [s.heading for s in self.sections if s.level == 1 and s.printed]
