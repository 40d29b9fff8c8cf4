"""The weekly report: ranking, hidden gems and token accounting, written as report.md, report.html, report.json.

Everything here is computed from the weekly graph's saved state, so that a resumed run and an uninterrupted
one write the same report. Paper- and model-supplied text is escaped as on the cards.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from filelock import FileLock
from pydantic import BaseModel

from ...contract.findings import NOT_CLAIMS
from ...contract.usage import Usage, stage_of
from ...contract.verdict import TriageScore
from ..grounding.wording import any_paper
from ..sources.topics import Topics
from .attention import PaperSignals, attention_note, estimate, gem_reason, is_gem
from .charts import Chart, bar_chart, label_rows, most, score_rows
from .export import Reference, to_bibtex, to_ris, verdict_note
from .render import esc, folder_name, inside, page_html

GEM_BADGE = "💎 HIDDEN GEM"


class RankedPaper(BaseModel):
    rank: int
    arxiv_id: str
    title: str
    authors: list[str]
    topic: str
    ranked_on: str  # "deep review" or "triage only"
    score: float
    label: str | None = None
    confidence: int | None = None
    tldr: str = ""
    key_findings: list[str] = []
    applications: list[str] = []
    card: str | None = None  # card.md, relative to the report folder
    grounding: str | None = None
    changes: str | None = None  # a new version of a paper reviewed before: what changed, and the score
    triage: dict
    attention: dict | None = None
    gem: bool = False
    gem_reason: str | None = None
    note: str | None = None
    online_problems: list[str] = []  # online signals that were enabled but could not be fetched
    alarms: list[str] = []  # text in the paper that addresses reviewers or models, hidden or not


class UsageRow(BaseModel):
    stage: str
    model: str
    calls: int = 0
    failed: int = 0
    cached: int = 0
    prompt: int = 0
    completion: int = 0
    total: int = 0
    cost_usd: float = 0.0


class WeeklyReport(BaseModel):
    week: str
    categories: list[str]
    dates: str
    source: str
    counts: dict[str, int]
    topics: list[dict]  # {"name", "papers": [rank, ...]}
    ranked: list[RankedPaper]
    gems: list[dict]
    also_triaged: list[dict]
    triage_failed: dict[str, str]
    usage: list[UsageRow]  # what the work in this report cost, whichever run did it
    spent: list[UsageRow] = []  # what every run of this request sent, by stage, killed runs and failed calls included


def _source(request: dict) -> tuple[str, str]:
    if request.get("feed"):
        return f"listing feed {request['feed']}", "as listed in the feed"
    if request.get("ids"):
        return f"{len(request['ids'])} arXiv ids", "as listed"
    return "arXiv API search", f"{request.get('date_from')} to {request.get('date_to')}"


def usage_row(stage: str, model: str, used: Usage) -> UsageRow:
    return UsageRow(
        stage=stage,
        model=model,
        calls=used.llm_calls,
        failed=used.failed_calls,
        cached=used.cached_calls,
        prompt=used.prompt_tokens,
        completion=used.completion_tokens,
        total=used.total_tokens,
        cost_usd=round(used.cost_usd, 6),
    )


def _usage(state: dict, model_names: dict[str, str]) -> list[UsageRow]:
    rows: dict[tuple[str, str], UsageRow] = {}

    def add(stage: str, model: str, usage: dict) -> None:
        row = rows.setdefault((stage, model), UsageRow(stage=stage, model=model))
        row.calls += usage.get("llm_calls", 0)
        row.failed += usage.get("failed_calls", 0)
        row.cached += usage.get("cached_calls", 0)
        row.prompt += usage.get("prompt_tokens", 0)
        row.completion += usage.get("completion_tokens", 0)
        row.total += usage.get("total_tokens", 0)
        row.cost_usd = round(row.cost_usd + usage.get("cost_usd", 0.0), 6)

    add("triage", model_names.get("triage", "triage model"), state.get("triage_usage") or {})
    for review in sorted(state.get("reviews", []), key=lambda r: r["arxiv_id"]):
        for node, usage in review.get("usage", {}).items():
            add(stage_of(node), usage["model"], usage)
    return list(rows.values())


def build_report(state: dict, topics: Topics, model_names: dict[str, str]) -> WeeklyReport:
    request = state["request"]
    listings, scores = state["listings"], state.get("triage", {})
    names = {t.id: t.name for t in topics.topics}
    config = topics.attention
    reviews = {r["arxiv_id"]: r for r in state.get("reviews", [])}
    entries: list[RankedPaper] = []
    for arxiv_id in state.get("selected", []):
        listing, score = listings[arxiv_id], TriageScore.model_validate(scores[arxiv_id])
        review = reviews.get(arxiv_id, {"ok": False, "error": "the deep review did not run"})
        base = {
            "rank": 0,
            "arxiv_id": arxiv_id,
            "title": listing["title"],
            "authors": listing["authors"],
            "topic": names.get(score.primary_topic, "Other"),
            "triage": score.model_dump(exclude={"arxiv_id"}),
        }
        if not review["ok"] or review.get("score") is None:
            why = review.get("error") or "the verdict is missing"
            entries.append(
                RankedPaper(
                    **base,
                    ranked_on="triage only",
                    score=round((score.relevance + score.novelty) / 2, 1),
                    note=why,
                )
            )
            continue
        attention = estimate(PaperSignals.model_validate(review["signals"]), config)
        gem = is_gem(review["score"], attention, config)
        entries.append(
            RankedPaper(
                **base,
                ranked_on="deep review",
                score=review["score"],
                label=review["label"],
                confidence=review["confidence"],
                tldr=review["tldr"],
                key_findings=review["key_findings"],
                applications=[a for a in review["applications"] if a.strip().lower() not in NOT_CLAIMS],
                card=f"../../{review['card_dir']}/card.md",
                grounding=review.get("grounding"),
                changes=review.get("changes"),
                attention=attention.model_dump(),
                gem=gem,
                gem_reason=gem_reason(review["score"], review["label"], attention) if gem else None,
                note=None if gem else attention_note(attention),
                online_problems=review.get("online_problems", []),
                alarms=review.get("alarms", []),
            )
        )
    # a finding or an application that stands, nearly the same, on another paper's entry describes neither
    common = any_paper({e.arxiv_id: [*e.key_findings, *e.applications] for e in entries})
    for e in entries:
        e.key_findings = [k for k in e.key_findings if k not in common]
        e.applications = [a for a in e.applications if a not in common]
    # deep-reviewed papers rank on the verdict score; papers whose review could not run follow them,
    # ranked on their triage scores alone (the two scales do not compare)
    entries.sort(key=lambda e: (e.ranked_on != "deep review", -e.score, e.arxiv_id))
    for rank, entry in enumerate(entries, 1):
        entry.rank = rank
    by_topic: dict[str, list[int]] = {}
    for entry in entries:
        by_topic.setdefault(entry.topic, []).append(entry.rank)
    gems = sorted((e for e in entries if e.gem), key=lambda e: (-e.score, e.attention["points"], e.rank))
    chosen = set(state.get("selected", []))
    rest = sorted((s for i, s in scores.items() if i not in chosen), key=lambda s: (-s["relevance"], s["arxiv_id"]))
    request_source, dates = _source(request)
    reviewed = sum(1 for e in entries if e.ranked_on == "deep review")
    return WeeklyReport(
        week=state["week"],
        categories=request.get("categories") or [],
        dates=dates,
        source=request_source,
        counts={
            "scanned": state.get("scanned", 0),
            "filtered": len(state.get("kept", {})),
            "triaged": len(scores),
            "triage_failed": len(state.get("triage_failed", {})),
            "reviewed": reviewed,
            "review_failed": len(entries) - reviewed,
        },
        topics=[{"name": name, "papers": ranks} for name, ranks in by_topic.items()],
        ranked=entries,
        gems=[{"rank": e.rank, "arxiv_id": e.arxiv_id, "title": e.title, "reason": e.gem_reason} for e in gems],
        also_triaged=[
            {
                "arxiv_id": s["arxiv_id"],
                "title": listings[s["arxiv_id"]]["title"],
                "relevance": s["relevance"],
                "novelty": s["novelty"],
                "topic": names.get(s["primary_topic"], "Other"),
                "reason": s["reason"],
            }
            for s in rest
        ],
        triage_failed=state.get("triage_failed", {}),
        usage=_usage(state, model_names),
    )


def _paper_md(e: RankedPaper) -> list[str]:
    lines = [f'<a id="paper-{e.rank}"></a>', "", f"### {e.rank}. {esc(e.title)}", ""]
    arxiv = f"[arXiv:{e.arxiv_id}](https://arxiv.org/abs/{e.arxiv_id})"
    authors = ", ".join(esc(a) for a in e.authors[:8]) + (" et al." if len(e.authors) > 8 else "")
    t = e.triage
    triage = f"relevance {t['relevance']}/10, novelty {t['novelty']}/10" + (
        f": {esc(t['reason'])}" if t["reason"] else ""
    )
    if e.ranked_on == "triage only":
        lines += [f"**Ranked on triage only** (mean of relevance and novelty {e.score:.1f}/10) · {arxiv}", ""]
        lines += [f"*Authors:* {authors or 'not listed'} · *Topic:* {esc(e.topic)}", ""]
        lines += [f"*Triage:* {triage}", "", f"*Why no deep review:* {esc(e.note)}", ""]
        return lines
    badge = f" · **{GEM_BADGE}**" if e.gem else ""
    card = f"[card]({e.card}) ([HTML]({e.card[:-3]}.html))"
    lines += [f"**{e.score:.1f}/10 · {e.label} · confidence {e.confidence}/5**{badge} · {card} · {arxiv}", ""]
    lines += [f"*Authors:* {authors or 'not listed'} · *Topic:* {esc(e.topic)}", ""]
    if e.alarms:
        lines += [f"**⚠ Text addressed to reviewers or models:** {esc('; '.join(e.alarms))}", ""]
    lines += [f"**TL;DR:** {esc(e.tldr) or 'none written'}", "", "**Key findings**", ""]
    lines += [f"- {esc(k)}" for k in e.key_findings] or ["- none recorded on the card"]
    lines += ["", "**Practical applications**", ""]
    lines += [f"- {esc(a)}" for a in e.applications] or ["- none named on the card"]
    lines += ["", f"*Triage:* {triage}", ""]
    if e.grounding:
        lines += [f"*Grounding:* {esc(e.grounding)}", ""]
    if e.changes:
        lines += [f"*New version:* {esc(e.changes)}", ""]
    lines += [f"*Hidden gem:* {esc(e.gem_reason)}" if e.gem else f"*Attention:* {esc(e.note)}", ""]
    return lines


def to_markdown(r: WeeklyReport, charts: list[Chart] | None = None) -> str:
    c = r.counts
    lines = [f"# Referee weekly report: {esc(r.week)}", ""]
    cats = ", ".join(esc(x) for x in r.categories) or "all in the listing"
    lines += [f"**Categories:** {cats} · **Source:** {esc(r.source)} · **Dates:** {esc(r.dates)}", ""]
    lines += [
        f"Scanned **{c['scanned']}** papers · **{c['filtered']}** passed your filter · **{c['triaged']}** triaged"
        f" ({c['triage_failed']} without a score) · **{c['reviewed']}** reviewed in depth"
        f" ({c['review_failed']} ranked on triage only)",
        "",
        "## Contents by topic",
        "",
    ]
    titles = {e.rank: e.title for e in r.ranked}
    for topic in r.topics:
        links = "; ".join(f"[{n}. {esc(titles[n])}](#paper-{n})" for n in topic["papers"])
        lines.append(f"- **{esc(topic['name'])}** ({len(topic['papers'])}): {links}")
    if not r.topics:
        lines.append("No paper was reviewed this week.")
    lines += ["", *_charts_md(report_charts(r) if charts is None else charts)]
    lines += ["", "## Hidden gems", ""]
    for gem in r.gems:
        lines.append(f"- **{GEM_BADGE}** [{esc(gem['title'])}](#paper-{gem['rank']}): {esc(gem['reason'])}")
    if not r.gems:
        lines.append("No hidden gem this week: no reviewed paper combined a high score with low expected attention.")
    lines += ["", "## Ranked papers", ""]
    for entry in r.ranked:
        lines += _paper_md(entry)
    lines += ["## Also triaged", ""]
    if r.also_triaged:
        lines += ["| paper | relevance | novelty | topic | triage reason |", "|---|---|---|---|---|"]
        for p in r.also_triaged:
            lines.append(
                f"| [{esc(p['title'])}](https://arxiv.org/abs/{p['arxiv_id']}) | {p['relevance']} | {p['novelty']}"
                f" | {esc(p['topic'])} | {esc(p['reason'])} |"
            )
    else:
        lines.append("Every triaged paper was reviewed in depth.")
    for arxiv_id, why in r.triage_failed.items():
        lines.append(f"\n- arXiv:{arxiv_id} has no triage score: {esc(why)}")
    lines += ["", "## Tokens and cost", ""]
    lines += _usage_table(r.usage)
    if r.spent:
        lines += ["", SPENT_NOTE, ""]
        lines += _usage_table(r.spent)
    return "\n".join(lines) + "\n"


def report_charts(r: WeeklyReport) -> list[Chart]:
    """The score distribution and label mix of the papers reviewed in depth, and the topic mix of the ranked."""
    reviewed = [e for e in r.ranked if e.ranked_on == "deep review"]
    charts = []
    if reviewed:
        n = len(reviewed)
        scores, labels = score_rows(e.score for e in reviewed), label_rows(e.label for e in reviewed if e.label)
        mix = ", ".join(f"{count} {label}" for label, count in labels if count)
        charts.append(bar_chart("scores", "Score distribution", f"Scores of the {n} papers reviewed in depth, in "
                                f"one-point bins: {most(scores)}.", ("score", "papers"), scores))  # fmt: skip
        charts.append(bar_chart("labels", "Label mix", f"Labels of the {n} papers reviewed in depth: {mix}.",
                                ("label", "papers"), labels))  # fmt: skip
    if r.topics:
        topics = [(t["name"], len(t["papers"])) for t in r.topics]
        mix = ", ".join(f"{count} {name}" for name, count in topics)
        charts.append(bar_chart("topics", "Topic mix", f"Ranked papers by topic: {mix}.", ("topic", "papers"),
                                topics))  # fmt: skip
    return charts


def _charts_md(charts: list[Chart]) -> list[str]:
    """Each chart as an image (charts/<name>.svg beside report.md) followed by the table of its numbers."""
    if not charts:
        return []
    lines = ["## Charts", ""]
    for chart in charts:
        lines += [f"### {chart.title}", "", f"![{esc(chart.alt)}](charts/{chart.name}.svg)", ""]
        lines += [f"| {chart.header[0]} | {chart.header[1]} |", "|---|---:|"]
        lines += [f"| {esc(label)} | {value} |" for label, value in chart.rows]
        lines.append("")
    return lines


def _inline_charts(html_text: str, charts: list[Chart]) -> str:
    """report.html: each chart's image replaced by its SVG, inline, with its table beside it."""
    for chart in charts:
        image = rf'<p><img alt="[^"]*" src="charts/{chart.name}\.svg"\s*/?></p>\s*(<table>.*?</table>)'
        figure = f'<div class="chart"><figure>{chart.inline()}</figure>'
        html_text = re.sub(image, lambda m, f=figure: f"{f}{m.group(1)}</div>", html_text, count=1, flags=re.S)
    return html_text


SPENT_NOTE = "Every request the runs of this report sent, killed runs and failed calls included:"


def _usage_table(rows: list[UsageRow]) -> list[str]:
    lines = ["| stage | model | calls | failed | cached | prompt | completion | total | $ |", "|---" * 9 + "|"]
    total = UsageRow(stage="total", model="")
    for u in rows:
        lines.append(
            f"| {u.stage} | {esc(u.model)} | {u.calls} | {u.failed} | {u.cached} | {u.prompt} | {u.completion}"
            f" | {u.total} | {u.cost_usd:.4f} |"
        )
        for key in ("calls", "failed", "cached", "prompt", "completion", "total", "cost_usd"):
            setattr(total, key, getattr(total, key) + getattr(u, key))
    lines.append(
        f"| **total** | | {total.calls} | {total.failed} | {total.cached} | {total.prompt} | {total.completion}"
        f" | {total.total} | {total.cost_usd:.4f} |"
    )
    return lines


OWNER = ".request"  # in a report folder: the id of the request whose report it holds


def report_folder(root: Path, week: str, request_id: str) -> Path:
    """`root/<week>` for the request that first writes it; a different request for the same week gets
    `root/<week>-<its id>`, so that no run overwrites another's report. Claimed under a lock."""
    root.mkdir(parents=True, exist_ok=True)
    name = folder_name(week)
    with FileLock(root / ".folders.lock", timeout=60):
        folder = root / name
        owner = folder / OWNER
        if owner.is_file() and owner.read_text(encoding="utf-8").strip() != request_id:
            folder = root / f"{name}-{request_id[:8]}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / OWNER).write_text(request_id, encoding="utf-8")
    return inside(root, folder)


def write_report(report: WeeklyReport, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    charts = report_charts(report)
    md_text = to_markdown(report, charts)
    if charts:
        (folder / "charts").mkdir(exist_ok=True)
    for chart in charts:
        (folder / "charts" / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")
    (folder / "report.md").write_text(md_text, encoding="utf-8")
    html_text = page_html(f"Referee weekly report {report.week}", md_text.replace("/card.md)", "/card.html)"))
    (folder / "report.html").write_text(_inline_charts(html_text, charts), encoding="utf-8")
    (folder / "report.json").write_text(json.dumps(report.model_dump(), indent=2, ensure_ascii=False), "utf-8")
    picks = report_references(report)
    (folder / "picks.bib").write_text(to_bibtex(picks), encoding="utf-8")
    (folder / "picks.ris").write_text(to_ris(picks), encoding="utf-8")
    return folder


def report_references(report: WeeklyReport) -> list[Reference]:
    """The week's ranked papers as references, in rank order, each noting its score and label."""
    first = re.search(r"\d{4}-\d{2}-\d{2}", report.dates)
    refs = []
    for e in report.ranked:
        where = f"weekly report {report.week}, rank {e.rank}"
        note = verdict_note(e.score, e.label, where) if e.ranked_on == "deep review" else f"Referee ({where}, triage)"
        refs.append(Reference(title=e.title, authors=list(e.authors), arxiv_id=e.arxiv_id,
                              year=first.group(0)[:4] if first else None, url=f"https://arxiv.org/abs/{e.arxiv_id}",
                              note=note))  # fmt: skip
    return refs
