"""Command line: parses arguments and prints. No business logic lives here."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape as esc
from rich.table import Table
from rich.tree import Tree
from typer.core import TyperGroup

from . import __version__
from .errors import BadInputError, RefereeError, one_line
from .paper import Paper
from .settings import get_settings


class DefaultToReview(TyperGroup):
    """`review <input>` means `review paper <input>`; named commands (extract, ...) keep their names."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["paper", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=DefaultToReview,
    add_completion=False,
    no_args_is_help=True,
    help="Referee reads research papers and writes deep, grounded review cards.",
    pretty_exceptions_enable=False,
)
# Outside a terminal (pipes, CI logs) rich would crop trees at 80 columns.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 160)


def _fail(exc: BaseException) -> None:
    """One line on stderr and the exit code that says what kind of failure it was; never a traceback."""
    message = one_line(exc)  # one line, whatever the message held
    if isinstance(exc, RefereeError):
        err.print(f"[bold red]error:[/] {esc(message)}", highlight=False)
        raise typer.Exit(exc.exit_code)
    if os.environ.get("REFEREE_DEBUG"):
        raise exc
    err.print(
        f"[bold red]error:[/] unexpected {type(exc).__name__}: {esc(message[:300])} (set REFEREE_DEBUG=1 for details)"
    )
    raise typer.Exit(1)


def _warn_hidden(paper: Paper) -> None:
    """Text that addresses reviewers or models, hidden or not: one warning line, details in the output.
    Hidden artefacts (figure tick labels, an embedded figure source) are only listed in the JSON."""
    if paper.alarms:
        kinds = sorted({h.kind for h in paper.alarms})
        pages = sorted({h.page for h in paper.alarms})
        err.print(
            f"[yellow]warning: hidden text found:[/] {len(paper.alarms)} passage(s) ({', '.join(kinds)}) "
            f"on page(s) {', '.join(map(str, pages))}; kept out of what the models read, listed on the card",
            highlight=False,
        )


def _version(value: bool) -> None:
    if value:
        out.print(f"referee {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Referee reads research papers and writes deep, grounded review cards."""


@app.command()
def extract(
    source: Annotated[str, typer.Argument(help="arXiv id, arxiv.org URL, or path to a PDF.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of an outline.")] = False,
    cache_dir: Annotated[Path | None, typer.Option(help="Cache directory (env REFEREE_CACHE_DIR).")] = None,
) -> None:
    """Print the structure Referee extracts from a paper: what its reviewers will read."""
    from .tools.sources.ingest import load_paper

    try:
        settings = get_settings(cache_dir=cache_dir)
        paper = load_paper(source, settings)
    except (RefereeError, Exception) as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    for check in paper.checks:
        err.print(f"[yellow]warning:[/] {esc(check)}", highlight=False)
    _warn_hidden(paper)
    if as_json:
        sys.stdout.write(paper.model_dump_json(indent=2) + "\n")
    else:
        out.print(outline(paper))


cache_app = typer.Typer(help="Look at or empty the cache of papers and model answers.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
CacheDir = Annotated[Path | None, typer.Option(help="Cache directory (env REFEREE_CACHE_DIR).")]
Language = Annotated[
    str | None, typer.Option("--language", help="Language of model-written text, e.g. zh (env REFEREE_LANGUAGE).")
]
Batch = Annotated[
    bool, typer.Option("--batch", help="Send model calls through the OpenAI Batch API: half price, within 24 h.")
]
NoDetect = Annotated[
    bool, typer.Option("--no-detect", help="Do not look for a model server on localhost (env REFEREE_DETECT_SERVERS).")
]


@cache_app.command("info")
def cache_info(cache_dir: CacheDir = None) -> None:
    """Where the cache is, what it holds and its size."""
    from .llm import llm_cache
    from .tools.sources.cache import PaperCache

    try:
        settings = get_settings(cache_dir=cache_dir)
        with PaperCache(settings.cache_dir) as papers:
            held, paper_bytes = papers.papers(), papers.size_bytes
        answers, answer_bytes = llm_cache(settings).stats()
    except Exception as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    out.print(f"cache: {esc(str(settings.cache_dir))}", highlight=False)
    out.print(f"papers: {len(held)} ({paper_bytes / 1e6:.1f} MB)", highlight=False)
    for paper, kinds in held.items():
        out.print(f"  {esc(paper)}: {', '.join(sorted(kinds))}", highlight=False)
    out.print(f"model answers: {answers} ({answer_bytes / 1e6:.1f} MB)", highlight=False)


@cache_app.command("clear")
def cache_clear(
    paper: Annotated[str | None, typer.Argument(help="An arXiv id: forget only this paper (all versions).")] = None,
    cache_dir: CacheDir = None,
) -> None:
    """Empty the cache, or forget one paper's metadata and PDF."""
    from .llm import llm_cache
    from .tools.sources.arxiv import ArxivRef, resolve
    from .tools.sources.cache import PaperCache

    try:
        settings = get_settings(cache_dir=cache_dir)
        if paper is not None:
            ref = resolve(paper)
            if not isinstance(ref, ArxivRef):
                raise BadInputError(f"{paper!r} is not an arXiv id; `review cache clear` without an id empties all")
            with PaperCache(settings.cache_dir) as papers:
                removed = papers.forget(ref.arxiv_id)
            out.print(f"removed {removed} cached item(s) of {ref.arxiv_id}", highlight=False)
            return
        with PaperCache(settings.cache_dir) as papers:
            removed = papers.clear()
        answers = llm_cache(settings).clear()
    except Exception as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    out.print(f"removed {removed} paper item(s) and {answers} model answer(s)", highlight=False)


@app.command("config")
def show_config() -> None:
    """Print the effective settings and where each value came from (keys masked)."""
    from .settings import config_files, describe

    table = Table(title="Referee settings", title_justify="left")
    for column in ("setting", "value", "from"):
        table.add_column(column)
    try:
        rows = describe()
    except Exception as exc:  # noqa: BLE001 - a malformed config file or variable: say which
        _fail(exc)
        return
    for name, value, source in rows:
        table.add_row(name, esc(value), esc(source))
    out.print(table)
    out.print("config files looked for: " + ", ".join(esc(str(p)) for p in config_files()), highlight=False)
    from .local_servers import detect
    from .settings import get_settings as effective

    settings = effective()
    if not settings.detect_servers:
        server = "not looked for (REFEREE_DETECT_SERVERS=false)"
    elif settings.openai_api_key or settings.openai_base_url or settings.local_model:
        server = "not looked for: a key, base URL or local model is configured"
    else:
        found = detect(settings)
        server = f"{found.name} at {found.base_url}, model {found.model}" if found else "none running"
    out.print(f"local model server: {esc(server)}", highlight=False)


def _detected(settings):
    """The settings pointed at a model server found running on localhost, saying so (local_servers.py)."""
    from .local_servers import with_detected

    settings, found = with_detected(settings)
    if found is not None:
        err.print(f"[cyan]{esc(found.line())}[/]", highlight=False)
    return settings


def _csv(value: str | None, allowed: tuple[str, ...], what: str) -> list[str] | None:
    if value is None:
        return None
    items = [x.strip() for x in value.split(",") if x.strip()]
    unknown = [x for x in items if x not in allowed]
    if unknown or not items:
        named = ", ".join(unknown) if unknown else repr(value)
        raise BadInputError(f"unknown {what}: {named}; choose from {', '.join(allowed)}")
    return items


@app.command("paper")
def review_paper(
    source: Annotated[str, typer.Argument(help="arXiv id, arxiv.org URL, or path to a PDF.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for cards.")] = Path("outputs"),
    formats: Annotated[str, typer.Option("--format", help="Any of md,html,json (card.json is always kept).")] = (
        "md,html,json"
    ),
    sections: Annotated[
        str | None, typer.Option("--sections", help="Reviewers to run, e.g. methodology,experiments.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the card as JSON on stdout.")] = False,
    layout: Annotated[str, typer.Option(help="Prompt layout: shared (one paper prefix) or routed.")] = "shared",
    budget: Annotated[
        int | None, typer.Option(help="Paper tokens each reviewer reads (default: the window's; 2500 offline).")
    ] = None,
    read: Annotated[
        str | None,
        typer.Option(help="excerpts, or all: as much as the window holds, offline too (slow; env REFEREE_READ)."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model for every role (env REFEREE_MODEL).")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL (env OPENAI_BASE_URL).")] = None,
    language: Language = None,
    no_detect: NoDetect = False,
    batch: Batch = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the LLM cache.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Ask the model again, then update the cache.")] = False,
) -> None:
    """Review one paper and write its card (the default command: `review <input>`)."""
    try:
        from .contract.registry import reviewer_names
        from .llm import announce
        from .review import review_paper

        chosen = tuple(_csv(formats, ("md", "html", "json"), "format") or ())
        reviewers = _csv(sections, reviewer_names(), "reviewer")
        if layout not in ("shared", "routed"):
            raise BadInputError(f"unknown layout {layout!r}; choose shared or routed")
        settings = _detected(get_settings(
            model=model, openai_base_url=base_url, paper_token_budget=budget, read=read, language=language,
            detect_servers=False if no_detect else None, batch=batch or None,
        ))  # fmt: skip
        note = announce(settings)
        if note:
            err.print(f"[cyan]{esc(note)}[/]", highlight=False)
        cache_mode = "off" if no_cache else "refresh" if refresh else "use"
        with err.status("resolving input...") as status:
            reviewed = review_paper(
                source,
                settings,
                out_dir=out,
                formats=chosen,
                layout=layout,
                cache_mode=cache_mode,
                reviewers=reviewers,
                on_step=lambda step: _show_step(step, status),
            )
    except (RefereeError, Exception) as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    card = reviewed.card
    if as_json:
        sys.stdout.write(card.model_dump_json(indent=2) + "\n")
    err.print(f"card: {esc(str(reviewed.folder / 'card.md'))}", highlight=False)
    if card.verdict:
        v = card.verdict
        err.print(
            f"[bold]{v.label}[/] {v.score:.1f}/10 (confidence {v.confidence}/5): {esc(v.tldr)}",
            highlight=False,
        )
    else:
        err.print(f"[yellow]no verdict[/]: {esc(card.missing.get('verdict', 'unknown reason'))}", highlight=False)
    for name, why in card.missing.items():
        if name != "verdict":
            err.print(f"[yellow]missing section[/] {name}: {esc(why)}", highlight=False)
    err.print(usage_table(reviewed.run))
    if not card.assessed:
        err.print("[bold red]error:[/] every model call failed: the card says the paper was not assessed")
        raise typer.Exit(3)


@app.command("weekly")
def review_weekly(
    categories: Annotated[
        str | None, typer.Option("--categories", help="arXiv categories, e.g. cs.LG,cs.AI (API search).")
    ] = None,
    week: Annotated[str | None, typer.Option("--week", help="ISO week, e.g. 2026-W16 (default: last week).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First submission date, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last submission date, YYYY-MM-DD.")] = None,
    feed: Annotated[
        str | None, typer.Option("--feed", help="An arXiv API or RSS/Atom listing (file or URL) instead.")
    ] = None,
    ids: Annotated[Path | None, typer.Option("--ids", help="A file of arXiv ids, one per line, instead.")] = None,
    topics_file: Annotated[
        Path | None, typer.Option("--topics", help="topics.toml: keywords, authors, topic registry.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="Papers reviewed in depth.")] = 10,
    out: Annotated[Path, typer.Option("--out", help="Output folder (cards and weekly/<week>/).")] = Path("outputs"),
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, help="Deep reviews at once (env REFEREE_WEEKLY_CONCURRENCY).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model for every role (env REFEREE_MODEL).")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL (env OPENAI_BASE_URL).")] = None,
    language: Language = None,
    no_detect: NoDetect = False,
    batch: Batch = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the LLM cache.")] = False,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Forget a saved run with these arguments; start over.")
    ] = False,
    executor: Annotated[
        str | None,
        typer.Option("--executor", help="local (threads here) or ray (Ray tasks; pip install 'referee[ray]')."),
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option("--ray-address", help="A Ray cluster (default: a local one of --concurrency workers).")
    ] = None,
    cache_url: Annotated[
        str | None, typer.Option("--cache-url", help="redis://host:port/db: the LLM cache every worker shares.")
    ] = None,
) -> None:
    """Triage a week of arXiv against your topics, review the best in depth, and flag hidden gems."""
    try:
        from .agents.weekly import last_week, week_dates
        from .llm import announce
        from .tools.sources.arxiv import listing_query
        from .tools.sources.topics import Topics, load_topics
        from .weekly import run_weekly, weekly_context

        request = _weekly_request(categories, week, date_from, date_to, feed, ids, top)
        if request.date_from is None and not (request.feed or request.ids):
            request.week = request.week or last_week(date.today())
            request.date_from, request.date_to = week_dates(request.week)
        if request.categories and request.date_from:
            listing_query(request.categories, request.date_from, request.date_to)  # checks the categories
        topics = load_topics(topics_file) if topics_file else Topics()
        request.topics = topics.model_dump(mode="json", by_alias=True)
        settings = _detected(get_settings(
            model=model, openai_base_url=base_url, weekly_concurrency=concurrency, language=language,
            detect_servers=False if no_detect else None, executor=executor, ray_address=ray_address,
            cache_url=cache_url, batch=batch or None,
        ))  # fmt: skip
        note = announce(settings)
        if note:
            err.print(f"[cyan]{esc(note)}[/]", highlight=False)
        context = weekly_context(settings, out, "off" if no_cache else "use", topics)
        with WeeklyProgress(err) as progress:
            outcome = run_weekly(
                request, context, concurrency=settings.weekly_concurrency, fresh=fresh, on_event=progress.event
            )
    except KeyboardInterrupt:
        err.print("interrupted: finished stages and reviews are saved; the same command continues from them")
        raise typer.Exit(130) from None
    except (RefereeError, Exception) as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    report = json.loads((outcome.folder / "report.json").read_text(encoding="utf-8"))
    c = report["counts"]
    if outcome.status == "resumed":
        err.print("[cyan]resumed: a saved run with these arguments was continued[/]", highlight=False)
    elif outcome.status == "complete":
        err.print(
            "[cyan]complete: this run had finished; its report was written again from the saved run "
            "(--fresh starts over)[/]",
            highlight=False,
        )
    err.print(
        f"scanned {c['scanned']}, filtered {c['filtered']}, triaged {c['triaged']}, reviewed {c['reviewed']}"
        f" ({c['review_failed']} on triage only), hidden gems {len(report['gems'])}",
        highlight=False,
    )
    for gem in report["gems"]:
        err.print(f"  💎 {esc(gem['title'])}: {esc(gem['reason'])}", highlight=False)
    err.print(f"report: {esc(str(outcome.folder / 'report.md'))}", highlight=False)
    err.print(spent_table(outcome.spent))


@app.command("site")
def review_site(
    out: Annotated[Path, typer.Option("--out", help="The output folder to publish.")] = Path("outputs"),
    site_url: Annotated[
        str | None, typer.Option("--site-url", help="Where --out is published (env REFEREE_SITE_URL); for feeds.")
    ] = None,
) -> None:
    """Build a static site of everything under the output folder: home page, weeks, months, topics, search, feeds."""
    try:
        from .website import build_site

        settings = get_settings(site_url=site_url)
        built = build_site(out, settings.site_url)
    except (RefereeError, Exception) as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    err.print(
        f"site: {built.cards} cards, {built.weeks} weekly reports, {built.issues} issues, {built.topics} topics; "
        f"{built.written} files written, {built.unchanged} unchanged, {built.removed} removed; "
        f"{len(built.feeds)} Atom feeds",
        highlight=False,
    )
    for path in built.skipped:
        err.print(f"[yellow]note:[/] skipped {esc(path)}: not a file Referee can read", highlight=False)
    for note in built.notes:
        err.print(f"[yellow]note:[/] {esc(note)}", highlight=False)
    err.print(f"open {esc(str(built.home))}", highlight=False)


@app.command("calibration")
def review_calibration(
    weeks: Annotated[int | None, typer.Option("--weeks", min=1, help="Only the last N weeks (default: all).")] = None,
    cache_dir: CacheDir = None,
) -> None:
    """How the verdicts' scores spread, per week and per model; warns where they cluster."""
    try:
        from .tools.publishing.calibration import CLUSTERED, FILE, logged, spreads

        settings = get_settings(cache_dir=cache_dir)
        rows = logged(settings.cache_dir, weeks)
    except (RefereeError, Exception) as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    if not rows:
        err.print(f"no verdict logged yet in {esc(str(settings.cache_dir / FILE))}: review papers first")
        return
    bars = " ▁▂▃▄▅▆▇█"
    for key, title in (("week", "per week"), ("model", "per model")):
        out.print(f"[bold]Scores {title}[/] (bins 0–1 … 9–10)", highlight=False)
        for s in spreads(rows, key):
            top = max(n for _, n in s.bins)
            drawn = "".join(bars[round(8 * n / top)] if n else "·" for _, n in s.bins)
            line = (f"  {esc(s.group):<28} {drawn}  n={s.n:<4} mean {s.mean:4.1f}  range {s.low:.1f}–{s.high:.1f}"
                    f"  {s.densest:.0%} within one point")  # fmt: skip
            out.print(line, highlight=False)
            if s.clustered:
                err.print(
                    f"[yellow]warning:[/] {esc(s.group)}: {s.densest:.0%} of {s.n} scores lie within one point (over "
                    f"{CLUSTERED:.0%}): the model is not telling these papers apart",
                    highlight=False,
                )


@app.command("newsletter")
def review_newsletter(
    weekly: Annotated[
        Path | None, typer.Option("--weekly", help="A weekly report folder, e.g. outputs/weekly/2026-W16.")
    ] = None,
    cards: Annotated[str | None, typer.Option("--cards", help="A folder of cards, or a glob of card folders.")] = None,
    title: Annotated[str, typer.Option("--title", help="The newsletter's name.")] = "Referee Weekly",
    issue: Annotated[int | None, typer.Option("--issue", min=1, help="Issue number (default: the next one).")] = None,
    style: Annotated[str, typer.Option("--style", help="weekly (ranked) or digest (ideas first).")] = "weekly",
    out: Annotated[Path, typer.Option("--out", help="Output folder; issues go to <out>/newsletter/.")] = Path(
        "outputs"
    ),
    model: Annotated[str | None, typer.Option(help="Model for every role (env REFEREE_MODEL).")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL (env OPENAI_BASE_URL).")] = None,
    language: Language = None,
    no_detect: NoDetect = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the LLM cache.")] = False,
    send: Annotated[
        bool, typer.Option("--send", help="Email the issue (SMTP settings: env REFEREE_SMTP_HOST, ...).")
    ] = False,
    to: Annotated[str | None, typer.Option("--to", help="Recipients of --send, e.g. a@x.org,b@y.org.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --send: build the email and save issue.eml, send nothing.")
    ] = False,
    site_url: Annotated[
        str | None, typer.Option("--site-url", help="Where --out is published (env REFEREE_SITE_URL).")
    ] = None,
) -> None:
    """Draft a newsletter issue from saved cards; every sentence is checked against the cards. With --send,
    email it (or, with --issue N alone, email issue N as written before)."""
    try:
        from .llm import announce, structured_llm
        from .newsletter import draft_issue, mail_issue, saved_issue
        from .tools.publishing.attention import AttentionConfig
        from .tools.publishing.mail import recipients, site_base, smtp_settings
        from .tools.publishing.newsletter import cards_from_paths, cards_from_weekly

        resend = send and issue is not None and not weekly and not cards
        if bool(weekly) == bool(cards) and not resend:
            raise BadInputError(
                "give one of --weekly <report folder> or --cards <folder or glob> (or --issue N --send to email "
                "an issue written before)"
            )
        if dry_run and not send:
            raise BadInputError("--dry-run goes with --send")
        if style not in ("weekly", "digest"):
            raise BadInputError(f"unknown style {style!r}; choose weekly or digest")
        settings = get_settings(model=model, openai_base_url=base_url, site_url=site_url, language=language,
                                detect_servers=False if no_detect else None)  # fmt: skip
        if send:  # checked before any model time is spent
            mailing = (recipients(to), smtp_settings(settings, dry_run), site_base(settings.site_url))
        if resend:
            drafted, folder = saved_issue(out, issue)
        else:
            sources, described = cards_from_weekly(weekly) if weekly else cards_from_paths(cards, AttentionConfig())
            settings = _detected(settings)
            note = announce(settings)
            if note:
                err.print(f"[cyan]{esc(note)}[/]", highlight=False)
            writer = structured_llm("writer", settings, "off" if no_cache else "use", n_ctx=8192)
            with err.status(f"drafting from {len(sources)} cards..."):
                drafted, folder = draft_issue(
                    sources, described, writer, out=out, title=title, style=style, number=issue,
                    language=settings.language,
                )  # fmt: skip
            _drafted(drafted, folder, out)
        if send:
            recipients_, smtp, base = mailing
            sent = mail_issue(drafted, folder, out, to=recipients_, smtp=smtp, base=base, dry_run=dry_run)
    except (RefereeError, Exception) as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    if send:
        took = [a for a in sent.to if a not in sent.refused]
        what = f"sent to {', '.join(took)} via {sent.server}" if sent.sent else (
            f"dry run: not sent; it would go to {', '.join(sent.to)} via {sent.server}")  # fmt: skip
        err.print(f"email of issue {drafted.number}: {esc(what)}; saved as {esc(str(sent.saved))}", highlight=False)
        if sent.refused:
            err.print(f"[yellow]note:[/] the server refused {esc(', '.join(sent.refused))}", highlight=False)


def _drafted(drafted, folder: Path, out: Path) -> None:
    pv = drafted.provenance
    err.print(
        f"issue {drafted.number}: {len(drafted.papers)} papers, {len(drafted.concepts)} concepts; provenance: "
        f"{pv.sentences} sentences checked, {pv.flagged} flagged, {pv.rewritten} rewritten, {pv.removed} removed",
        highlight=False,
    )
    for n in drafted.notes:
        err.print(f"[yellow]note:[/] {esc(n)}", highlight=False)
    err.print(f"issue: {esc(str(folder / 'issue.md'))} (archive: {esc(str(out / 'newsletter' / 'index.html'))})")


def _weekly_request(categories, week, date_from, date_to, feed, ids, top):
    from .agents.weekly import WeeklyRequest, week_dates
    from .tools.sources.listing import read_ids

    if week and (date_from or date_to):
        raise BadInputError("give either --week or --from/--to, not both")
    if bool(date_from) != bool(date_to):
        raise BadInputError("--from and --to go together")
    if feed and ids:
        raise BadInputError("give either --feed or --ids, not both")
    cats = [c.strip() for c in (categories or "").split(",") if c.strip()]
    if not (cats or feed or ids):
        raise BadInputError("say what to read: --categories cs.LG,... (with --week or --from/--to), --feed or --ids")
    for day in (date_from, date_to):
        if day:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise BadInputError(f"{day!r} is not a date; write YYYY-MM-DD") from None
    if date_from and date_from > date_to:
        raise BadInputError(f"--from {date_from} is after --to {date_to}")
    request = WeeklyRequest(categories=cats, week=week, date_from=date_from, date_to=date_to, top=top)
    if week:
        request.date_from, request.date_to = week_dates(week)
    elif date_from:
        request.week = f"{date_from}_{date_to}"
    request.feed = feed
    request.ids = read_ids(ids) if ids else None
    return request


class WeeklyProgress:
    """Progress bars for the weekly stages, fed by the graph's stream."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> WeeklyProgress:
        self.progress.start()
        self.tasks["listing"] = self.progress.add_task("listing", total=None)
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def _set(self, name: str, done: int, total: int | None) -> None:
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(name, total=total)
        self.progress.update(self.tasks[name], completed=done, total=total)

    def event(self, mode: str, chunk) -> None:
        if mode == "custom" and isinstance(chunk, dict) and chunk.get("stage") == "triage":
            self._set("triage", chunk["done"], chunk["total"])
            return
        if mode != "updates" or not isinstance(chunk, dict):
            return
        for node, values in chunk.items():
            values = values if isinstance(values, dict) else {}
            if node == "gather":
                self._set("listing", values.get("scanned", 0), values.get("scanned", 0))
            elif node == "filter":
                kept = len(values.get("kept", {}))
                self._set("filter", kept, kept)
            elif node == "triage":
                self._set("deep review", 0, len(values.get("selected", [])))
            elif node == "deep_review" and "deep review" in self.tasks:
                self.progress.advance(self.tasks["deep review"])
                for review in values.get("reviews", []):
                    if not review.get("ok"):
                        err.print(f"[yellow]{review['arxiv_id']}: on triage only ({esc(review['error'])[:160]})[/]")


def _usage_rows(title: str, key: str, rows: dict, seconds: bool = False) -> Table:
    """One row of calls, tokens and dollars per key (a model or a stage)."""
    table = Table(title=title, title_justify="left")
    columns = (key, "calls", "failed", "cached", "prompt", "completion", "total", "$")
    columns += ("seconds",) if seconds else ()
    for column in columns:
        table.add_column(column, justify="left" if column == key else "right")
    for name, used in rows.items():
        cells = [used.llm_calls, used.failed_calls, used.cached_calls, used.prompt_tokens, used.completion_tokens]
        cells.append(used.total_tokens)
        extra = [f"{used.seconds:.1f}"] if seconds else []
        table.add_row(esc(name), *map(str, cells), f"${used.cost_usd:.4f}", *extra)
    return table


def spent_table(spent: dict) -> Table:
    """What this process spent, by stage (cached calls and resumed work cost nothing)."""
    return _usage_rows("LLM usage in this run", "stage", dict(sorted(spent.items())))


def usage_table(run: dict) -> Table:
    """Tokens and dollars per model, as run.json records them (cached calls cost nothing)."""
    from .contract.usage import Usage

    per_model: dict[str, Usage] = {}
    for node in run["nodes"].values():
        if "model" in node:
            per_model[node["model"]] = per_model.get(node["model"], Usage()) + Usage.model_validate(node)
    return _usage_rows("LLM usage", "model", per_model, seconds=True)


def _show_step(step, status) -> None:
    """One line per finished step of a review (warnings about the paper after its extraction)."""
    note = f" [yellow](failed: {esc(step.failed)[:120]})[/]" if step.failed else ""
    if step.paper is not None:
        note = f" [dim]{esc(step.paper.title[:70])}, {step.paper.pages} pages[/]"
        for check in step.paper.checks:
            err.print(f"[yellow]warning:[/] {esc(check)}", highlight=False)
        _warn_hidden(step.paper)
    if step.next:
        status.update(step.next)
    err.print(f"[green]✓[/] {step.node} [dim]{step.seconds:6.1f}s[/]{note}", highlight=False)


def outline(paper: Paper) -> Tree:
    tree = Tree(f"[bold]{esc(paper.title)}[/]  ({esc(paper.source)}, {paper.pages} pages)", highlight=False)
    people = tree.add("authors")
    for author in paper.authors:
        where = esc("; ".join(author.affiliations)) or "affiliation unknown (not stated on the first page)"
        people.add(f"{esc(author.name)} — {where}", highlight=False)
    more = "…" if len(paper.abstract) > 200 else ""
    tree.add(f"abstract (p. {paper.abstract_page}): {esc(paper.abstract[:200])}{more}", highlight=False)
    sections = tree.add("sections")
    parents = {0: sections}
    for section in paper.sections:
        parent = parents.get(section.level - 1, sections)
        label = esc(f"{section.number + ' ' if section.number else ''}{section.heading}")
        pages = f"p. {section.page_start}" + (f"–{section.page_end}" if section.page_end != section.page_start else "")
        tag = " [dim](appendix)[/]" if section.appendix else ""
        parents[section.level] = parent.add(f"{label}  [dim]{pages}, {len(section.text.split())} words[/]{tag}")
    tree.add(f"references: {len(paper.references)}")
    tables = tree.add(f"tables: {len(paper.tables)}")
    for table in paper.tables:
        tables.add(f"{esc(table.caption[:100])} [dim](p. {table.page}, {len(table.rows)} rows)[/]", highlight=False)
    figures = tree.add(f"figures: {len(paper.figures)}")
    for figure in paper.figures:
        figures.add(f"{esc(figure.caption[:100])} [dim](p. {figure.page})[/]", highlight=False)
    links = tree.add(f"links: {len(paper.links)}")
    for link in paper.links:
        links.add(f"{link.kind}: {esc(link.url)} [dim](p. {link.page})[/]", highlight=False)
    if paper.alarms:
        tree.add(f"[red]hidden text found: {len(paper.alarms)} spans[/]")
    if len(paper.hidden_text) > len(paper.alarms):
        tree.add(f"hidden artefacts (figure labels and the like): {len(paper.hidden_text) - len(paper.alarms)}")
    return tree


def main() -> None:
    app()
