"""Writes a card as Markdown, one self-contained HTML page, JSON (+ its schema) and run.json.

Every string that comes from the paper or a model is escaped before it enters Markdown, so the HTML
made from that Markdown contains no markup the paper supplied. A section with nothing to say says so
in words; a validator refuses empty headings and template text before anything is written.
"""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
from pathlib import Path

import markdown
from filelock import FileLock
from pydantic import BaseModel

from ...contract.card import Card
from ...contract.findings import Findings
from ...contract.registry import REGISTRY, reviewers
from ...contract.rigour import Checklist, Pointer
from ...errors import RefereeError
from ...reviewers.experiments import ExperimentsReview
from ...reviewers.impact import ImpactReview
from ...reviewers.limitations import LimitationsReview
from ...reviewers.methodology import MethodologyReview
from ...reviewers.novelty import NoveltyReview
from ...reviewers.reproducibility import ReproducibilityReview
from .urls import safe_url

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|])")
# Template slots that must never reach a card. Model-written text is scrubbed more widely (card.TEMPLATE_TEXT);
# this last check also covers paper text, which may legitimately hold "{model_name}" in a URL.
_UNFILLED = re.compile(r"\\?\[(?:one|insert|your)\b[^\]]*\\?\]", re.I)


class CardValidationError(RefereeError):
    """The rendered card broke a rule (empty heading, template text); nothing was written."""


def esc(text: object) -> str:
    """Paper- or model-supplied text made inert for Markdown and HTML."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False)).replace("\n", " ")


def _evidence(quote: str | None, page: int | None) -> str:
    if quote:
        where = f", p. {page}" if page else ""
        return f' — "{esc(quote)}"{where}'
    return " — reviewer's view"


def _missing(card: Card, name: str) -> str:
    if name in card.missing:
        why = esc(card.missing[name])
        title = REGISTRY[name].title if name in REGISTRY else name
        return f"Not available: the {title} reviewer produced no valid findings ({why})."
    asked = ", ".join(card.reviewers) or "none"
    return f"Not reviewed in this run: only these reviewers were asked for: {asked}."


def _said(text: str, empty: str = "left blank by the reviewer") -> str:
    return esc(text) if text and text.strip() else empty


def _fields(*pairs: tuple[str, str]) -> str:
    """A bullet per named field, in words even when the reviewer left it blank."""
    return "\n".join(f"- **{label}:** {_said(value)}" for label, value in pairs)


def _bullets(items: list[str], empty: str) -> str:
    return "\n".join(f"- {item}" for item in items) if items else empty


def _extracted(title: str, facts, empty: str) -> str:
    rows = [f'"{esc(f.text)}" (p. {f.page}, {esc(f.section)})' for f in facts]
    return f"\n\n**{title}** (extracted from the paper, not model-written)\n\n" + _bullets(rows, empty)


def _facts_for(card: Card) -> dict[str, str]:
    """What extraction found, appended verbatim to the sections it belongs to."""
    tables = []
    for t in card.tables:
        rows = "".join(f"\n  - {' | '.join(esc(c) for c in row)}" for row in t.get("rows", []) if row)
        tables.append(f"{esc(t['caption'])} (p. {t['page']}){rows}")
    links = [f"{link.kind}: <{url}> (p. {link.page})" for link in card.links if (url := safe_url(link.url))]
    return {
        "Training recipe": _extracted(
            "Set-up as the paper states it",
            card.stated_setup,
            "No sentence stating optimiser, learning rate, batch size, seeds or hardware.",
        ),
        "Benchmarks & results": "\n\n**Tables in the paper**\n\n" + _bullets(tables, "The paper has no tables."),
        "Reproducibility": "\n\n**Links printed in the paper**\n\n" + _bullets(links, "The paper prints no links."),
        "Limitations & failure modes": _extracted(
            "Where the paper states its own limits",
            card.stated_limitations,
            "No sentence in the paper states a limitation.",
        ),
    }


def _top(card: Card) -> list[tuple[str, str]]:
    v = card.verdict
    blocks = [("TL;DR", esc(v.tldr) if v and v.tldr else "No TL;DR: the verdict is not available.")]
    if v:
        box = [f"**{v.score:.1f}/10 · {v.label} · confidence {v.confidence}/5**", ""]
        box += [f"- {esc(reason)}" for reason in v.reasons]
        box += [f"- note: {esc(n)}" for n in card.verdict_notes]
        blocks.append(("Verdict", "\n".join(box)))
    else:
        blocks.append(("Verdict", _missing(card, "verdict")))
    if card.checklist is not None:
        blocks.append(("Rigour checklist", checklist_table(card.checklist)))
    blocks.append(("Tags", ", ".join(f"`{esc(t)}`" for t in v.tags) if v and v.tags else "No tags were assigned."))
    return blocks


def checklist_table(checklist: Checklist) -> str:
    """One row per check: the question, the answer, and the paper's words it stands on (or why not)."""
    rows = [f"{checklist.line().capitalize()}.", "", "| Check | Answer | Evidence |", "|---|---|---|"]
    for item in checklist.items:
        why = "; ".join(_pointer(p) for p in item.evidence) or esc(item.note)
        rows.append(f"| {esc(item.question)} | {item.answer} | {why} |")
    return "\n".join(rows)


def _pointer(pointer: Pointer) -> str:
    """A sentence or cell as `S12: "its words" (p. 3)`; a printed link as its address and page."""
    page = f" (p. {pointer.page})" if pointer.page else ""
    if pointer.text == pointer.id:
        return f"{esc(pointer.id)}{page}"
    text = pointer.text if len(pointer.text) <= 160 else pointer.text[:159].rsplit(" ", 1)[0] + "\u2026"
    return f'{esc(pointer.id)}: "{esc(text)}"{page}'


@functools.singledispatch
def review_blocks(review: Findings) -> list[tuple[str, str]]:
    """A reviewer's card sections. A reviewer without a block of its own gets one section of its fields."""
    lines = []
    for name, value in review:
        label = name.replace("_", " ").capitalize()
        if isinstance(value, list):
            items = [esc(item.model_dump() if isinstance(item, BaseModel) else item) for item in value]
            lines.append(f"**{label}**\n\n" + _bullets([f"{x}" for x in items], "None."))
        elif isinstance(value, BaseModel):
            lines.append(f"**{label}:** {esc(value.model_dump())}")
        else:
            lines.append(f"**{label}:** {_said(str(value))}")
    return [("", "\n\n".join(lines))]


@review_blocks.register
def _(m: MethodologyReview) -> list[tuple[str, str]]:
    ts, t = m.task_setting, m.training
    steps = [f"{i}. {esc(p.claim)}{_evidence(p.quote, p.page)}" for i, p in enumerate(m.method_steps, 1)]
    body = "\n".join(steps) if steps else "The reviewer could not break the method into steps."
    return [
        (
            "Task & setting",
            _fields(
                ("Inputs", ts.inputs),
                ("Outputs", ts.outputs),
                ("Objective", ts.objective),
                ("Evaluation", ts.evaluation),
            ),
        ),
        ("Method", body + f"\n\nKey equation: {esc(m.key_equation)}"),
        (
            "Training recipe",
            _fields(
                ("Data", t.data),
                ("Optimiser", t.optimiser),
                ("Hyper-parameters", t.hyperparameters),
                ("Hardware", t.hardware),
                ("Wall-clock", t.wall_clock),
            ),
        ),
    ]


@review_blocks.register
def _(nov: NoveltyReview) -> list[tuple[str, str]]:
    rows = [
        f"**[{esc(w.reference)}] {esc(w.name)}**: {esc(w.what_it_did)}"
        f"{f' Delta: {esc(w.delta)}' if w.delta.strip() else ''}"
        for w in nov.prior_work
    ]
    body = _bullets(rows, "The paper names no prior work it builds on.")
    body += f"\n\n**Assessment: {esc(nov.assessment)}.** " + " ".join(esc(x) for x in nov.reasons)
    return [("Novelty & lineage", body)]


@review_blocks.register
def _(e: ExperimentsReview) -> list[tuple[str, str]]:
    if e.results:
        table = [
            "| Table | Compared on | This paper | Value | Best baseline | Value | Delta | Page |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        table += [
            f"| {esc(x.metric)} | {esc(x.dataset)} | {esc(x.method)} | {esc(x.this_paper)} | {esc(x.best_baseline)} | "
            f"{esc(x.baseline_value)} | {esc(x.delta)} | {x.page or ''} |"
            for x in e.results
        ]
        body = "\n".join(table)
    else:
        body = "The reviewer found no quantitative results to tabulate."
    fair = [f"{esc(p.claim)}{_evidence(p.quote, p.page)}" for p in e.fairness]
    body += "\n\n**Fairness of comparisons**\n\n" + _bullets(fair, "No remarks on fairness.")
    body += "\n\n**Missing baselines**\n\n" + _bullets([esc(x) for x in e.missing_baselines], "None identified.")
    c = e.compute
    compute = _fields(
        ("Model size", c.model_size),
        ("Training compute", c.training_compute),
        ("Inference speed", c.inference_speed),
        ("Memory", c.memory),
    )
    return [("Benchmarks & results", body), ("Compute & efficiency", compute)]


@review_blocks.register
def _(r: ReproducibilityReview) -> list[tuple[str, str]]:
    lines = [
        f"**Rating: {r.rating}/5**",
        "",
        f"- **Code:** {_said(r.code)}",
        f"- **Data:** {_said(r.data)}",
        f"- **Weights:** {_said(r.weights)}",
    ]
    lines += [f"- {esc(p.claim)}{_evidence(p.quote, p.page)}" for p in r.details]
    lines += ["", "**Missing for a rerun**", "", _bullets([esc(x) for x in r.missing], "Nothing identified.")]
    lines += ["", "**Reasons**", "", _bullets([esc(x) for x in r.reasons], "No reasons given.")]
    return [("Reproducibility", "\n".join(lines))]


@review_blocks.register
def _(lim: LimitationsReview) -> list[tuple[str, str]]:
    def fmt(items):
        return [f"**{x.tag}** {esc(x.text)}{_evidence(x.quote, x.page)}" for x in items]

    body = "**Admitted by the authors**\n\n" + _bullets(fmt(lim.admitted), "The paper admits no limitations.")
    body += "\n\n**Added by the reviewer**\n\n" + _bullets(fmt(lim.added), "None added.")
    body += "\n\n**Failure modes**\n\n" + _bullets([esc(x) for x in lim.failure_modes], "None identified.")
    return [("Limitations & failure modes", body)]


@review_blocks.register
def _(imp: ImpactReview) -> list[tuple[str, str]]:
    """A judgement with nothing left after the checks is left out, its heading with it."""
    ev = imp.applicability_evidence
    blocks = [("Practical takeaway", esc(imp.practical_takeaway))] if imp.practical_takeaway.strip() else []
    blocks.append(
        ("Real-world applicability", f"**{esc(imp.applicability)}:** {esc(ev.claim)}{_evidence(ev.quote, ev.page)}")
    )
    broader = [esc(imp.broader_impact)] if imp.broader_impact.strip() else []
    if imp.applications:
        broader.append("**Applications**\n\n" + "\n".join(f"{i}. {esc(a)}" for i, a in enumerate(imp.applications, 1)))
    return blocks + ([("Broader impact", "\n\n".join(broader))] if broader else [])


def section_blocks(card: Card) -> list[tuple[str, str]]:
    """(heading, body) pairs: the verdict, then each registered reviewer's sections in the registry's order
    (the words why, where a reviewer has none), then extracted facts appended to the sections they belong to."""
    blocks = _top(card)
    for reviewer in reviewers():
        review = card.review(reviewer.name)
        if review is None:
            blocks += [(heading, _missing(card, reviewer.name)) for heading in reviewer.headings]
            continue
        made = review_blocks(review)
        # a block without a heading of its own (the generic one) takes the reviewer's first heading
        blocks += [(heading or reviewer.headings[0], body) for heading, body in made]
    v = card.verdict
    if v and v.disagreements:
        blocks.append(("Reviewer disagreement", "\n".join(f"- {esc(d)}" for d in v.disagreements)))
    else:
        blocks.append(("Reviewer disagreement", "The reviewers did not contradict each other."))
    facts = _facts_for(card)
    blocks = [(heading, body + facts.get(heading, "")) for heading, body in blocks]
    if card.alarms:
        rows = [f'- p. {h.page} ({esc(h.kind)}): "{esc(h.text[:200])}"' for h in card.alarms]
        blocks.append(("Hidden text found", "\n".join(rows)))
    return blocks


def to_markdown(card: Card) -> str:
    h = card.header
    lines = [f"# {esc(h.title)}", ""]
    ident = h.source if not h.arxiv_id else f"arXiv:{h.arxiv_id}v{h.version}" if h.version else f"arXiv:{h.arxiv_id}"
    meta = [f"**{esc(ident)}**"]
    if h.date:
        meta.append(f"submitted {esc(h.date)}")
    if h.categories:
        meta.append(" ".join(esc(c) for c in h.categories))
    lines.append(" · ".join(meta))
    lines.append("")
    authors = ", ".join(esc(a.name) for a in h.authors) or "not found in the paper"
    lines.append(f"**Authors:** {authors}  ")
    primary = esc(h.primary_institution) if h.primary_institution else "unknown (the paper names no institution)"
    lines.append(f"**Primary institution:** {primary}  ")
    if h.institutions:
        lines.append(f"**All institutions, as printed:** {'; '.join(esc(i) for i in h.institutions)}  ")
    named = [("abs", h.abs_url), ("PDF", h.pdf_url)] + [("code", url) for url in h.code_urls]
    links = [f"[{label}]({url})" for label, raw in named if (url := safe_url(raw))]
    lines.append(f"**Links:** {' · '.join(links) if links else 'none found'}")
    if not card.assessed:
        why = next(iter(card.missing.values()), "no model answered")
        lines.append(f"\n> Not assessed: no reviewer and no verdict produced an answer ({esc(why[:300])}).")
    if card.grounding:
        lines.append(f"\n> Grounding: {esc(card.grounding)}.")
    if card.coverage:
        lines.append(f"\n> Coverage: {esc(card.coverage.line())}.")
    if card.changes:
        lines.append(f"\n> Changes: {esc(card.changes.line(h.version))}.")
    for check in card.checks:
        lines.append(f"\n> Check: {esc(check)}")
    if card.removed_template_text:
        lines.append(f"\n> {card.removed_template_text} model-written item(s) with template text were removed.")
    for heading, body in section_blocks(card):
        lines += ["", f"## {heading}", "", body]
    return "\n".join(lines).strip() + "\n"


def validate_markdown(text: str) -> None:
    lines = text.splitlines()
    headings = [i for i, line in enumerate(lines) if line.startswith("#")]
    for i in headings:
        following = next((line for line in lines[i + 1 :] if line.strip()), None)
        if following is None or following.startswith("#"):
            raise CardValidationError(f"empty section under {lines[i]!r}")
    match = _UNFILLED.search(text)
    if match:
        raise CardValidationError(f"template text in the card: {match.group(0)!r}")


CSS = """
body{font:17px/1.6 Georgia,'DejaVu Serif',serif;color:#1d1d1f;background:#fafaf7;margin:0}
main{max-width:46rem;margin:2.5rem auto;padding:0 1.25rem}
h1{font:700 1.9rem/1.25 'Helvetica Neue',Arial,sans-serif;margin:.2rem 0 1rem}
h2{font:600 1.15rem/1.3 'Helvetica Neue',Arial,sans-serif;margin:2rem 0 .6rem;padding-bottom:.25rem;
border-bottom:1px solid #ddd;color:#333}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0efe9}
code{font:.85em Menlo,Consolas,monospace;background:#eeede6;padding:.05rem .3rem;border-radius:3px}
blockquote{margin:.8rem 0;padding:.4rem .9rem;border-left:4px solid #c9a227;background:#fffbe8}
a{color:#0b5cad}
.chart{display:flex;flex-wrap:wrap;gap:.5rem 1.2rem;align-items:flex-start;margin:.5rem 0 1rem}
.chart figure{margin:0;flex:1 1 22rem;max-width:100%}
.chart svg{width:100%;height:auto}
.chart table{flex:0 1 11rem;width:auto}
"""


def page_html(title: str, md_text: str) -> str:
    """One self-contained page (inline CSS, no scripts) from Markdown whose paper text is already escaped."""
    body = markdown.markdown(md_text, extensions=["tables", "sane_lists"], output_format="html")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def to_html(card: Card, md_text: str) -> str:
    return page_html(f"{card.header.title} — Referee card", md_text)


# What Referee writes into a card folder; archiving a previous card moves these and nothing else.
CARD_FILES = ("card.md", "card.html", "card.json", "card.schema.json", "run.json")
MAX_NAME = 80


class OutsideOutputError(RefereeError):
    """A path derived from the input would leave the output folder the user named."""

    exit_code = 2


def check_output_root(root: Path) -> Path:
    """The folder the user named with --out, refused up front when it cannot hold cards."""
    if root.exists() and not root.is_dir():
        raise OutsideOutputError(f"--out {root} is a file, not a folder")
    return root


def folder_name(raw: str) -> str:
    """A single, harmless folder name from an id or a file name: no separators, no '.'/'..', bounded, not empty."""
    name = re.sub(r"[^\w.\-]+", "_", raw, flags=re.ASCII).strip("._-")
    name = re.sub(r"\.{2,}", ".", name)[:MAX_NAME].strip("._-")
    return name or "paper"


def inside(root: Path, path: Path) -> Path:
    """`path`, after checking that it resolves to a place under `root` (links followed)."""
    base, target = root.resolve(), path.resolve()
    if target != base and base not in target.parents:
        raise OutsideOutputError(f"refusing to write {path}: it is outside the output folder {root}")
    return path


def output_dir(card: Card, root: Path) -> Path:
    h = card.header
    name = f"{h.arxiv_id}v{h.version}" if h.arxiv_id and h.version else h.arxiv_id or Path(h.source).stem
    return inside(root, root / folder_name(name))


def _keep_previous(folder: Path) -> Path | None:
    """Move an earlier card out of the way, into previous/<its creation time>/; nothing is overwritten, and
    only the files Referee writes are moved."""
    old = folder / "card.json"
    if not old.is_file():
        return None
    try:
        stamp = json.loads(old.read_text(encoding="utf-8")).get("created_at", "unknown")
    except (OSError, ValueError, AttributeError):
        stamp = "unreadable"
    target = folder / "previous" / folder_name(str(stamp))
    n = 1
    while target.exists():
        n += 1
        target = target.with_name(f"{target.name.split('.')[0]}.{n}")
    target.mkdir(parents=True)
    for name in CARD_FILES:
        item = folder / name
        if item.is_file() and not item.is_symlink():
            shutil.move(str(item), target / name)
    return target


def write_card(card: Card, root: Path, run: dict, formats: tuple[str, ...] = ("md", "html", "json")) -> Path:
    md_text = to_markdown(card)
    validate_markdown(md_text)
    folder = output_dir(card, check_output_root(root))  # checked to resolve under root: a planted link is refused
    folder.mkdir(parents=True, exist_ok=True)
    # Two runs writing the same card folder take turns: each archives the card before it, none is lost.
    locks = root / ".locks"
    locks.mkdir(exist_ok=True)
    with FileLock(locks / f"{folder.name}.lock", timeout=600):
        return _write(card, folder, md_text, run, formats)


def _write(card: Card, folder: Path, md_text: str, run: dict, formats: tuple[str, ...]) -> Path:
    previous = _keep_previous(folder)
    if previous is not None:
        run = {**run, "previous_card": str(previous)}
    if "md" in formats:
        (folder / "card.md").write_text(md_text, encoding="utf-8")
    if "html" in formats:
        (folder / "card.html").write_text(to_html(card, md_text), encoding="utf-8")
    (folder / "card.json").write_text(card.model_dump_json(indent=2), encoding="utf-8")
    (folder / "card.schema.json").write_text(json.dumps(Card.model_json_schema(), indent=2), encoding="utf-8")
    (folder / "run.json").write_text(json.dumps(run, indent=2, default=str), encoding="utf-8")
    return folder
