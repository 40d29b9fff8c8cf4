"""Command line: parses arguments and prints. No business logic lives here."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape as esc
from rich.table import Table
from rich.tree import Tree
from typer.core import TyperGroup

from . import __version__
from .errors import BadInputError, RefereeError
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
    if isinstance(exc, RefereeError):
        err.print(f"[bold red]error:[/] {esc(str(exc))}", highlight=False)
        raise typer.Exit(exc.exit_code)
    if os.environ.get("REFEREE_DEBUG"):
        raise exc
    err.print(f"[bold red]error:[/] unexpected {type(exc).__name__}: {esc(str(exc))} (set REFEREE_DEBUG=1 for details)")
    raise typer.Exit(1)


def _warn_hidden(paper: Paper) -> None:
    """Text a reader cannot see, or that instructs reviewers: one warning line, details in the output."""
    if paper.hidden_text:
        kinds = sorted({h.kind for h in paper.hidden_text})
        pages = sorted({h.page for h in paper.hidden_text})
        err.print(
            f"[yellow]warning: hidden text found:[/] {len(paper.hidden_text)} passage(s) ({', '.join(kinds)}) "
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
    from .tools.ingest import load_paper

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
        int | None, typer.Option(help="Paper tokens each reviewer reads (default 4000; 2500 offline).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model for every role (env REFEREE_MODEL).")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL (env OPENAI_BASE_URL).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the LLM cache.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Ask the model again, then update the cache.")] = False,
) -> None:
    """Review one paper and write its card (the default command: `review <input>`)."""
    try:
        from .graph import graph
        from .llm import announce
        from .review import review_context
        from .state import REVIEWERS
        from .tools.arxiv import resolve

        chosen = tuple(_csv(formats, ("md", "html", "json"), "format") or ())
        reviewers = _csv(sections, REVIEWERS, "reviewer")
        if layout not in ("shared", "routed"):
            raise BadInputError(f"unknown layout {layout!r}; choose shared or routed")
        resolve(source)  # a bad id or path fails here, before any model is set up
        settings = get_settings(model=model, openai_base_url=base_url, paper_token_budget=budget)
        note = announce(settings)
        if note:
            err.print(f"[cyan]{esc(note)}[/]", highlight=False)
        cache_mode = "off" if no_cache else "refresh" if refresh else "use"
        context = review_context(settings, out_dir=out, formats=chosen, layout=layout, cache_mode=cache_mode)
        final = _run_with_progress(graph, {"source": source, "reviewers": reviewers}, context)
    except (RefereeError, Exception) as exc:  # noqa: BLE001 - _fail decides what the user sees
        _fail(exc)
        return
    card = final["card"]
    if as_json:
        sys.stdout.write(card.model_dump_json(indent=2) + "\n")
    folder = Path(final["card_dir"])
    err.print(f"card: {esc(str(folder / 'card.md'))}", highlight=False)
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
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    err.print(usage_table(run))


def usage_table(run: dict) -> Table:
    """Tokens and dollars per model, as run.json records them (cached calls cost nothing)."""
    table = Table(title="LLM usage", title_justify="left")
    for column in ("model", "calls", "cached", "prompt", "completion", "total", "$", "seconds"):
        table.add_column(column, justify="left" if column == "model" else "right")
    per_model: dict[str, dict] = {}
    for node in run["nodes"].values():
        if "model" not in node:
            continue
        row = per_model.setdefault(
            node["model"],
            dict.fromkeys(
                (
                    "llm_calls",
                    "cached_calls",
                    "prompt_tokens",
                    "completion_tokens",
                    "total_tokens",
                    "cost_usd",
                    "seconds",
                ),
                0,
            ),
        )
        for key in row:
            row[key] += node.get(key, 0)
    for name, row in per_model.items():
        table.add_row(
            esc(name),
            str(row["llm_calls"]),
            str(row["cached_calls"]),
            str(row["prompt_tokens"]),
            str(row["completion_tokens"]),
            str(row["total_tokens"]),
            f"${row['cost_usd']:.4f}",
            f"{row['seconds']:.1f}",
        )
    return table


def _run_with_progress(graph, inputs: dict, context) -> dict:
    """Stream the graph, printing each node as it finishes; returns the final state values."""
    final: dict = {}
    start = time.perf_counter()
    with err.status("resolving input...") as status:
        for update in graph.stream(inputs, context=context, stream_mode="updates"):
            for node, values in update.items():
                if not isinstance(values, dict):
                    continue
                final.update(values)
                note = ""
                if node.startswith("review_"):
                    finding = values["findings"][0]
                    note = "" if finding.ok else f" [yellow](failed: {esc(finding.error or '')[:120]})[/]"
                elif node == "extract":
                    paper = values["paper"]
                    note = f" [dim]{esc(paper.title[:70])}, {paper.pages} pages[/]"
                    status.update("reviewers at work...")
                    for check in paper.checks:
                        err.print(f"[yellow]warning:[/] {esc(check)}", highlight=False)
                    _warn_hidden(paper)
                elif node == "write_verdict":
                    status.update("writing the card...")
                err.print(f"[green]✓[/] {node} [dim]{time.perf_counter() - start:6.1f}s[/]{note}", highlight=False)
    return final


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
    if paper.hidden_text:
        tree.add(f"[red]hidden text found: {len(paper.hidden_text)} spans[/]")
    return tree


def main() -> None:
    app()
