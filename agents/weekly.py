"""Nodes of the weekly graph: gather -> filter -> triage -> (Send) deep_review per top paper -> report.

The state holds plain JSON-able values only, so that the SQLite checkpointer can keep every finished stage
and every finished deep review; a rerun with the same request resumes after them.
"""

from __future__ import annotations

import hashlib
import operator
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, TypedDict

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime
from langgraph.types import Send
from pydantic import BaseModel

from ..contract.registry import reviewer_names
from ..errors import BadInputError, RefereeError
from ..llm import read_journal
from ..settings import Settings
from ..state import Context
from ..tools.publishing.attention import card_signals
from ..tools.publishing.report import build_report, report_folder, usage_row, write_report
from ..tools.sources.arxiv import ArxivClient, listing_query
from ..tools.sources.cache import PaperCache
from ..tools.sources.listing import Listing, fetch_ids, fetch_listing, read_feed
from ..tools.sources.online import fetch_online
from ..tools.sources.topics import Topics, filter_listings
from .render import run_record
from .triage import TriageResult, TriageScore, triage

# The nested review graph is invoked with durability="exit" (see deep_review); LangGraph warns that durability
# means nothing without a checkpointer, which is the point.
warnings.filterwarnings("ignore", message="`durability` has no effect when no checkpointer", category=UserWarning)


class WeeklyRequest(BaseModel):
    """What a weekly run was asked for; the same request resumes the same run."""

    categories: list[str] = []
    date_from: str | None = None
    date_to: str | None = None
    week: str | None = None  # the label of the report folder; from the listing's dates when None
    feed: str | None = None
    ids: list[str] | None = None
    top: int = 10
    topics: dict[str, Any] = {}


def spend_journal(out_dir: Path, run: str) -> Path:
    """Where every model call of a weekly run is journaled as it happens (all runs of one request, kills too)."""
    return out_dir / "weekly" / ".state" / f"{run}.spent.jsonl"


def request_id(request: WeeklyRequest) -> str:
    """The run's identity: the same request resumes the same run and owns the same report folder."""
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()[:16]


class WeeklyState(TypedDict, total=False):
    request: dict
    week: str
    scanned: int
    listings: dict[str, dict]  # arxiv id -> Listing, deduplicated
    kept: dict[str, str]  # arxiv id -> why the filter kept it
    triage: dict[str, dict]  # arxiv id -> TriageScore
    triage_failed: dict[str, str]
    triage_usage: dict
    selected: list[str]
    reviews: Annotated[list[dict], operator.add]
    report: dict


class ReviewTask(TypedDict):
    listing: dict


@dataclass
class WeeklyContext:
    review: Context  # the deep-review graph's models, budget and output folder
    settings: Settings
    topics: Topics
    review_graph: Any  # the review graph, compiled without a checkpointer of its own
    review_slots: threading.BoundedSemaphore = field(default_factory=lambda: threading.BoundedSemaphore(4))
    triage_workers: int = 1  # triage batches at once (the weekly concurrency)
    # runs one paper's deep review elsewhere (a Ray task) and returns its entry; None: here, in a thread
    run_review: Callable[[Listing], dict] | None = None
    run_triage: Callable[[list[Listing]], TriageResult] | None = None  # one triage batch elsewhere, likewise
    cache_mode: str = "use"  # the review context's (use | refresh | off), for reviews run elsewhere


def week_dates(week: str) -> tuple[str, str]:
    """'2026-W16' -> ('2026-04-13', '2026-04-19'), Monday to Sunday."""
    try:
        year, number = week.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise BadInputError(f"--week {week!r}: write an ISO week such as 2026-W16") from None
    return monday.isoformat(), (monday + timedelta(days=6)).isoformat()


def last_week(today: date) -> str:
    year, number, _ = (today - timedelta(days=7)).isocalendar()
    return f"{year}-W{number:02d}"


def _label_from_listings(listings: list[Listing]) -> str:
    dates = sorted(p.published[:10] for p in listings if p.published)
    if not dates:
        return "listing"
    year, number, _ = date.fromisoformat(dates[-1]).isocalendar()
    return f"{year}-W{number:02d}"


def priority(score: TriageScore | dict) -> float:
    """Which triaged papers get a deep review first: relevance counts more than novelty."""
    s = score if isinstance(score, dict) else score.model_dump()
    return 0.6 * s["relevance"] + 0.4 * s["novelty"]


def gather(state: WeeklyState, runtime: Runtime[WeeklyContext]) -> dict:
    request = WeeklyRequest.model_validate(state["request"])
    settings = runtime.context.settings
    with ArxivClient(settings, PaperCache(settings.cache_dir)) as client:
        if request.feed:
            listings = read_feed(client, request.feed)
        elif request.ids:
            listings = fetch_ids(client, request.ids)
        else:
            query = listing_query(request.categories, request.date_from, request.date_to)
            listings = fetch_listing(client, query)
    if request.categories and (request.feed or request.ids):
        listings = [p for p in listings if set(p.categories) & set(request.categories)]
    week = request.week or _label_from_listings(listings)
    return {
        "week": week,
        "scanned": len(listings),
        "listings": {p.arxiv_id: p.model_dump() for p in listings},
    }


def filter_papers(state: WeeklyState, runtime: Runtime[WeeklyContext]) -> dict:
    listings = [Listing.model_validate(p) for p in state["listings"].values()]
    return {"kept": {p.arxiv_id: why for p, why in filter_listings(listings, runtime.context.topics)}}


def triage_papers(state: WeeklyState, runtime: Runtime[WeeklyContext]) -> dict:
    context = runtime.context
    papers = [Listing.model_validate(state["listings"][i]) for i in state["kept"]]
    write = get_stream_writer()
    write({"stage": "triage", "done": 0, "total": len(papers)})
    result = triage(
        papers,
        context.topics,
        context.review.model("triage"),
        batch_size=context.settings.triage_batch_size,
        progress=lambda done: write({"stage": "triage", "done": done, "total": len(papers)}),
        workers=context.triage_workers,
        run_batch=context.run_triage,
    )
    ranked = sorted(result.scores.values(), key=lambda s: (-priority(s), s.arxiv_id))
    top = WeeklyRequest.model_validate(state["request"]).top
    return {
        "triage": {i: s.model_dump() for i, s in result.scores.items()},
        "triage_failed": result.failed,
        "triage_usage": result.usage.model_dump(),
        "selected": [s.arxiv_id for s in ranked[:top]],
    }


def route_reviews(state: WeeklyState) -> list[Send] | str:
    if not state.get("selected"):
        return "report"
    return [Send("deep_review", {"listing": state["listings"][i]}) for i in state["selected"]]


def deep_review(task: ReviewTask, runtime: Runtime[WeeklyContext]) -> dict:
    """One paper through the review graph (here, or as a task of the context's executor)."""
    context = runtime.context
    listing = Listing.model_validate(task["listing"])
    if context.run_review is not None:
        return {"reviews": [context.run_review(listing)]}
    with context.review_slots:  # the weekly concurrency limit counts papers under review
        return {"reviews": [review_entry(listing, context.review, context.review_graph)]}


def review_entry(listing: Listing, review: Context, review_graph: Any) -> dict:
    """What the report keeps of one paper's deep review; a paper that cannot be had is kept, ranked on its
    triage alone."""
    try:
        # the review graph keeps no checkpoints of its own inside a weekly run (the LLM cache covers a paper
        # interrupted half-way); its six reviewers get their own concurrency
        final = review_graph.invoke(
            {"source": listing.versioned_id},
            {"max_concurrency": len(reviewer_names())},
            context=review,
            durability="exit",  # inherited "sync" would look for the checkpoint writer it does not have
        )
    except RefereeError as exc:
        return {"arxiv_id": listing.arxiv_id, "ok": False, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one paper's failure must not stop the week
        return {"arxiv_id": listing.arxiv_id, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    card = final["card"]
    record = run_record(final, review)
    online = None
    settings = review.settings
    if settings.online_signals:
        online = fetch_online(listing.arxiv_id, card.header.code_urls, settings)
    verdict = card.verdict
    return {
        "arxiv_id": listing.arxiv_id,
        "ok": True,
        "card_dir": str(Path(final["card_dir"]).resolve().relative_to(review.out_dir.resolve())),
        "score": verdict.score if verdict else None,
        "label": verdict.label if verdict else None,
        "confidence": verdict.confidence if verdict else None,
        "tldr": verdict.tldr if verdict else "",
        "key_findings": card.key_findings(),
        "applications": list(impact.applications) if (impact := card.review("impact")) else [],
        "grounding": card.grounding,
        "changes": card.changes.line(card.header.version) if card.changes else None,
        "missing": card.missing,
        "signals": card_signals(
            card,
            title=listing.title,
            authors=listing.authors,
            categories=listing.categories,
            abstract=listing.abstract,
            citations=online.citations if online else None,
            stars=online.stars if online else None,
        ).model_dump(),
        "online_problems": online.problems if online else [],
        "alarms": [f"p. {h.page} ({h.kind}): {h.text[:120]}" for h in card.alarms],
        "usage": {name: node for name, node in record["nodes"].items() if "model" in node},
    }


def report(state: WeeklyState, runtime: Runtime[WeeklyContext]) -> dict:
    context = runtime.context
    built = build_report(state, context.topics, context.review.model_names)
    request = WeeklyRequest.model_validate(state["request"])
    run = request_id(request)
    spent = read_journal(spend_journal(context.review.out_dir, run))
    built.spent = [usage_row(stage, "all models", used) for stage, used in sorted(spent.items())]
    folder = write_report(built, report_folder(context.review.out_dir / "weekly", state["week"], run))
    return {"report": {"folder": str(folder)}}
