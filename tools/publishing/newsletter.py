"""Newsletter issues: the cards they draw on, the issue model, numbering, and the three files plus the archive.

Per-paper facts (score, label, key findings, applications, links, hidden-gem reasons) are copied from the
cards; the model writes only the connecting prose (agents/newsletter.py), and every sentence of it carries
the card fields it rests on. issue.html is built for mail clients: one 600 px table, inline styles, no
scripts, no external resources, every string escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import functools
import glob
import json
import re
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FunctionLoader
from pydantic import BaseModel, ValidationError

from ...contract.card import Card
from ...errors import BadInputError
from .attention import AttentionConfig, card_signals, estimate, gem_reason, is_gem
from .export import Reference, from_card, to_bibtex, to_ris, verdict_note


class Sentence(BaseModel):
    text: str
    sources: list[str]  # card field ids, e.g. "p2.tldr"


class Concept(BaseModel):
    name: str
    papers: list[str]
    sentences: list[Sentence]


class PaperEntry(BaseModel):
    pid: str
    arxiv_id: str | None
    title: str
    headline: Sentence
    score: float
    label: str
    key_findings: list[Sentence]
    applications: list[Sentence]
    abs_url: str | None = None
    card: str  # card.html, relative to the issue folder
    gem_reason: str | None = None


class Provenance(BaseModel):
    sentences: int = 0  # model-written sentences checked
    flagged: int = 0
    rewritten: int = 0
    removed: int = 0
    flags: list[dict] = []  # {"text", "problems", "outcome": "rewritten" | "removed", "now"}


class Issue(BaseModel):
    number: int
    title: str
    date: str
    style: str
    source: str
    at_a_glance: list[Sentence]
    concepts: list[Concept]
    reading_guide: list[Sentence]
    papers: list[PaperEntry]
    provenance: Provenance
    fields: dict[str, str]  # every card field a sentence may rest on, by id
    cards: dict[str, str]  # pid -> card.json the fields came from
    notes: list[str] = []
    usage: dict = {}


class SourceCard(BaseModel):
    """One card as the newsletter reads it, with the ids of its fields."""

    pid: str
    path: Path
    card: Card
    gem_reason: str | None = None

    @functools.cached_property
    def fields(self) -> dict[str, str]:
        c, p = self.card, self.pid
        out = {f"{p}.title": c.header.title}
        if c.verdict:
            out[f"{p}.score"] = f"{c.verdict.score:.1f}/10 {c.verdict.label}"
            out[f"{p}.tldr"] = c.verdict.tldr
            out |= {f"{p}.reason.{i}": r for i, r in enumerate(c.verdict.reasons, 1)}
            if c.verdict.tags:
                out[f"{p}.tags"] = ", ".join(c.verdict.tags)
        out |= {f"{p}.finding.{i}": f for i, f in enumerate(c.key_findings(), 1)}
        if impact := c.review("impact"):
            out[f"{p}.takeaway"] = impact.practical_takeaway
            out |= {f"{p}.application.{i}": a for i, a in enumerate(impact.applications, 1)}
        if novelty := c.review("novelty"):
            out |= {f"{p}.novelty.{i}": r for i, r in enumerate(novelty.reasons, 1)}
            out |= {f"{p}.prior.{i}": f"{w.name}: {w.delta}" for i, w in enumerate(novelty.prior_work, 1)}
        if lim := c.review("limitations"):
            limits = lim.admitted + lim.added
            out |= {f"{p}.limitation.{i}": x.text for i, x in enumerate(limits, 1)}
        if self.gem_reason:
            out[f"{p}.gem"] = self.gem_reason
        return {k: v for k, v in out.items() if v and v.strip()}


def _load_card(path: Path) -> Card:
    try:
        return Card.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise BadInputError(f"{path}: not a Referee card.json ({str(exc).splitlines()[0][:160]})") from None


def cards_from_weekly(folder: Path) -> tuple[list[SourceCard], str]:
    """The reviewed papers of a weekly report, in its ranking, with its hidden-gem reasons."""
    report_file = folder / "report.json"
    if not report_file.is_file():
        raise BadInputError(f"{folder}: no report.json (give a folder written by `review weekly`)")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    found = []
    for entry in report["ranked"]:
        if not entry.get("card"):
            continue
        path = (folder / entry["card"]).with_name("card.json")
        found.append(
            SourceCard(pid=f"p{len(found) + 1}", path=path, card=_load_card(path), gem_reason=entry.get("gem_reason"))
        )
    if not found:
        raise BadInputError(f"{folder}: the report has no reviewed paper with a card")
    return found, f"weekly report {report['week']}"


def cards_from_paths(pattern: str, attention: AttentionConfig) -> tuple[list[SourceCard], str]:
    """Cards under a folder or matching a glob, best score first; hidden gems judged as in the weekly report."""
    root = Path(pattern)
    if root.is_dir():
        paths = sorted(p for p in root.rglob("card.json") if "previous" not in p.relative_to(root).parts)
    else:
        hits = [Path(p) for p in sorted(glob.glob(pattern, recursive=True))]
        paths = [h / "card.json" if h.is_dir() else h for h in hits]
        paths = [p for p in paths if p.name == "card.json" and p.is_file()]
    if not paths:
        raise BadInputError(f"{pattern}: no card.json found there")
    cards = [(p, _load_card(p)) for p in paths]
    cards = [(p, c) for p, c in cards if c.verdict is not None]
    if not cards:
        raise BadInputError(f"{pattern}: none of the cards has a verdict")
    cards.sort(key=lambda pc: (-pc[1].verdict.score, pc[1].header.title))
    found = []
    for path, card in cards:
        est = estimate(card_signals(card), attention)
        gem = (
            gem_reason(card.verdict.score, card.verdict.label, est)
            if is_gem(card.verdict.score, est, attention)
            else None
        )
        found.append(SourceCard(pid=f"p{len(found) + 1}", path=path, card=card, gem_reason=gem))
    return found, f"{len(found)} cards from {pattern}"


# -- numbering and files ----------------------------------------------------------------------------------


def issue_dir(root: Path, number: int) -> Path:
    return root / "newsletter" / f"issue-{number:03d}"


def existing_issues(root: Path) -> dict[int, Path]:
    found = {}
    for path in (root / "newsletter").glob("issue-*/issue.json"):
        match = re.fullmatch(r"issue-(\d+)", path.parent.name)
        if match:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def next_number(root: Path) -> int:
    return max(existing_issues(root), default=0) + 1


def to_markdown(issue: Issue, link: Callable[[str], str] = str) -> str:
    """The issue as Markdown; `link` maps each card's path (relative to the issue folder) to the link written."""
    from .render import esc

    def prose(sentences: list[Sentence]) -> str:
        return " ".join(esc(s.text) for s in sentences)

    # issue.json keeps where the cards came from (a local path); the pages readers get do not show it
    lines = [f"# {esc(issue.title)} — issue {issue.number}", "", f"*{issue.date} · {len(issue.papers)} papers*", ""]
    overview = prose(issue.at_a_glance) or "No overview: the writer gave none the cards support."
    lines += ["## At a glance", "", overview, ""]
    if issue.concepts:
        lines += ["## Ideas in this issue", ""]
        for concept in issue.concepts:
            lines += [f"### {esc(concept.name)}", "", prose(concept.sentences), ""]
    if issue.reading_guide:
        lines += ["## Reading guide", "", prose(issue.reading_guide), ""]
    lines += ["## Papers", ""]
    for n, p in enumerate(issue.papers, 1):
        gem = " · 💎 HIDDEN GEM" if p.gem_reason else ""
        lines += [f"### {n}. {esc(p.headline.text)}", ""]
        if p.headline.text != p.title:
            lines += [f"**{esc(p.title)}**", ""]
        links = f"[review card]({link(p.card)})" + (f" · [arXiv]({p.abs_url})" if p.abs_url else "")
        lines += [f"**{p.score:.1f}/10 · {p.label}**{gem} · {links}", "", "Key findings:", ""]
        lines += [f"- {esc(s.text)}" for s in p.key_findings] or ["- none recorded on the card"]
        lines += ["", "Practical applications:", ""]
        lines += [f"- {esc(s.text)}" for s in p.applications] or ["- none named on the card"]
        lines.append("")
    gems = [p for p in issue.papers if p.gem_reason]
    lines += ["## Hidden gems", ""]
    lines += [f"- **{esc(p.title)}**: {esc(p.gem_reason)}" for p in gems] or ["No hidden gem in this issue."]
    pv = issue.provenance
    lines += [
        "",
        "---",
        "",
        f"Provenance: {pv.sentences} model-written sentences checked against the cards; {pv.flagged} flagged, "
        f"{pv.rewritten} rewritten, {pv.removed} removed. issue.json maps every sentence to its card fields.",
    ]
    lines += [f"\nNote: {esc(n)}" for n in issue.notes]
    return "\n".join(lines) + "\n"


_ENV = Environment(
    loader=FunctionLoader(lambda name: resources.files("referee.templates").joinpath(name).read_text("utf-8")),
    autoescape=True,  # every string from a card or the model is escaped
    trim_blocks=True,
    lstrip_blocks=True,
)
_FONT = "font-family:Georgia,'Times New Roman',serif;color:#1d1d1b;"


def to_html(
    issue: Issue, prev: str | None, next_: str | None, link: Callable[[str], str] = str, archive: str = "../index.html"
) -> str:
    sections = [("At a glance", issue.at_a_glance)]
    if issue.reading_guide:
        sections.append(("Reading guide", issue.reading_guide))
    return _ENV.get_template("issue.html").render(
        issue=issue, sections=sections, prev=prev, next=next_, font=_FONT, link=link, archive=archive
    )


def load_issue(root: Path, number: int) -> tuple[Issue, Path]:
    """A saved issue and its folder, or a one-line error listing the issues there are."""
    saved = existing_issues(root)
    if number not in saved:
        there = ", ".join(map(str, saved)) or "none"
        raise BadInputError(f"{root / 'newsletter'}: no issue {number} (issues there: {there})")
    try:
        return Issue.model_validate_json(saved[number].read_text(encoding="utf-8")), saved[number].parent
    except (ValidationError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{saved[number]}: not a Referee issue ({str(exc).splitlines()[0][:160]})") from None


def email_parts(issue: Issue, folder: Path, root: Path, base: str) -> tuple[str, str]:
    """The issue's plain text and HTML for an email: every link absolute on the site published at `base` (the
    output folder `root` at that URL), the previous/next links left out (the archive link stays)."""
    from .mail import page_url

    cards = {p.card: page_url(base, root, folder / p.card) for p in issue.papers}
    archive = page_url(base, root, root / "newsletter" / "index.html")
    html = to_html(issue, None, None, link=cards.__getitem__, archive=archive)
    return to_markdown(issue, link=cards.__getitem__), html


def write_issue(issue: Issue, root: Path) -> Path:
    folder = issue_dir(root, issue.number)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "issue.json").write_text(issue.model_dump_json(indent=2), encoding="utf-8")
    (folder / "issue.md").write_text(to_markdown(issue), encoding="utf-8")
    refs = issue_references(issue)
    (folder / "issue.bib").write_text(to_bibtex(refs), encoding="utf-8")
    (folder / "issue.ris").write_text(to_ris(refs), encoding="utf-8")
    write_archive(root)
    return folder


def issue_references(issue: Issue) -> list[Reference]:
    """The issue's papers as references, read from their cards (the entry's own title and link where a card
    can no longer be read)."""
    refs = []
    for p in issue.papers:
        note = verdict_note(p.score, p.label, f"{issue.title}, issue {issue.number}")
        try:
            refs.append(from_card(_load_card(Path(issue.cards[p.pid])), note))
        except (KeyError, OSError, BadInputError):
            refs.append(Reference(title=p.title, authors=[], arxiv_id=p.arxiv_id, url=p.abs_url, note=note))
    return refs


def write_archive(root: Path) -> None:
    """Every issue's HTML with previous/next links, and index.html listing them, newest first."""
    issues = {n: Issue.model_validate_json(p.read_text(encoding="utf-8")) for n, p in existing_issues(root).items()}
    numbers = list(issues)
    for i, n in enumerate(numbers):
        prev = f"../issue-{numbers[i - 1]:03d}/issue.html" if i > 0 else None
        nxt = f"../issue-{numbers[i + 1]:03d}/issue.html" if i + 1 < len(numbers) else None
        (issue_dir(root, n) / "issue.html").write_text(to_html(issues[n], prev, nxt), encoding="utf-8")
    rows = [(n, issues[n].title, issues[n].date) for n in reversed(numbers)]
    (root / "newsletter" / "index.html").write_text(
        _ENV.get_template("archive.html").render(issues=rows, font=_FONT), encoding="utf-8"
    )


def today() -> str:
    return date.today().isoformat()
