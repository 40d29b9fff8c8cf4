"""Hidden gems: the attention estimate names its signals; a gem is high quality with low attention; a strong
paper from a prominent lab is a top paper, not a gem. Ranking and reasons from known scores and signals."""

from __future__ import annotations

from referee.tools.publishing.attention import AttentionConfig, PaperSignals, estimate, is_gem
from referee.tools.publishing.report import build_report, to_markdown
from referee.tools.sources.topics import Topic, Topics

CONFIG = AttentionConfig()


def signals(**kw) -> PaperSignals:
    base = {
        "title": "Sparse Recovery with Side Information",
        "authors": ["A. One", "B. Two"],
        "categories": ["math.ST"],
    }
    return PaperSignals(**{**base, **kw})


def test_each_signal_is_counted_and_named():
    quiet = estimate(signals(institutions=["University of Tartu"]), CONFIG)
    assert quiet.points == 0 and quiet.level == "low" and quiet.raised_by == []
    assert quiet.quiet == [
        "no lab on the prominent list",
        "2 authors",
        "a plain title",
        "listed in 1 category",
        "no project page or demo",
    ]
    loud = estimate(
        signals(
            title="Scaling Law Agents Are All You Need",
            authors=[f"Author {i}" for i in range(14)],
            institutions=["Google DeepMind, London"],
            categories=["cs.LG", "cs.AI", "cs.CL"],
            link_urls=["https://agents.github.io/demo"],
        ),
        CONFIG,
    )
    assert loud.points == 3 + 2 + 2 + 1 + 1 and loud.level == "high"
    assert loud.raised_by == [
        "prominent lab (DeepMind, Google)",
        "14 authors",
        'title words "All You Need", "Scaling Law"',
        "cross-listed in 3 categories",
        "a project page or demo",
    ]


def test_a_word_listed_twice_counts_once():
    config = AttentionConfig(brand_words=["LLaMA", "Llama"], hype_words=[])
    est = estimate(signals(title="Tuning LLaMA for Sparse Recovery"), config)
    assert est.points == 1 and est.raised_by == ['title words "LLaMA"']


def test_the_attention_lists_are_configurable():
    config = AttentionConfig(prominent_labs=["University of Tartu"], gem_max_attention=0)
    est = estimate(signals(institutions=["University of Tartu"]), config)
    assert est.raised_by == ["prominent lab (University of Tartu)"] and est.points == 3
    assert not is_gem(9.0, est, config)


def review(arxiv_id: str, score: float, label: str, **signal_kw) -> dict:
    return {
        "arxiv_id": arxiv_id,
        "ok": True,
        "card_dir": f"{arxiv_id}v1",
        "score": score,
        "label": label,
        "confidence": 4,
        "tldr": f"TL;DR of {arxiv_id}",
        "key_findings": ["finding"],
        "applications": ["use"],
        "grounding": None,
        "missing": {},
        "signals": signals(**signal_kw).model_dump(),
        "usage": {},
    }


def week_state(reviews: list[dict]) -> dict:
    ids = [r["arxiv_id"] for r in reviews]
    return {
        "request": {"categories": ["cs.LG"], "date_from": "2026-04-13", "date_to": "2026-04-19"},
        "week": "2026-W16",
        "scanned": 40,
        "listings": {i: {"title": f"Paper {i}", "authors": ["X"]} for i in ids},
        "kept": dict.fromkeys(ids, "keyword"),
        "triage": {
            i: {"arxiv_id": i, "relevance": 8, "novelty": 7, "primary_topic": "t", "matched_topics": [], "reason": ""}
            for i in ids
        },
        "triage_failed": {},
        "triage_usage": {},
        "selected": ids,
        "reviews": reviews,
    }


def test_gems_and_top_papers_from_known_scores_and_signals():
    reviews = [
        # a prominent lab's strong, loud paper: first in the ranking, not a gem
        review(
            "2604.00001",
            9.2,
            "BREAKTHROUGH",
            institutions=["OpenAI"],
            authors=[f"A{i}" for i in range(12)],
            title="GPT Agents at Scale",
        ),
        # high score, quiet: gems, the higher score first
        review("2604.00002", 7.8, "SIGNIFICANT", institutions=["Universidad de Chile"]),
        review("2604.00003", 8.6, "SIGNIFICANT", institutions=["Tallinn University of Technology"]),
        # quiet but not good enough
        review("2604.00004", 7.4, "SOLID", institutions=["Universidad de Chile"]),
        # good but cross-listed widely with a project page: moderate attention, not a gem
        review(
            "2604.00005",
            8.0,
            "SIGNIFICANT",
            categories=["cs.LG", "cs.CV", "cs.RO"],
            link_kinds=["project"],
        ),
    ]
    topics = Topics(topic=[Topic(id="t", name="Topic T")])
    report = build_report(week_state(reviews), topics, {"triage": "m"})
    assert [e.arxiv_id for e in report.ranked] == ["2604.00001", "2604.00003", "2604.00005", "2604.00002", "2604.00004"]
    assert [g["arxiv_id"] for g in report.gems] == ["2604.00003", "2604.00002"]
    top = report.ranked[0]
    assert not top.gem and top.note.startswith("expected attention high (prominent lab (OpenAI); 12 authors")
    gem = report.ranked[1]
    assert gem.gem_reason == (
        "Reviewed at 8.6/10 (SIGNIFICANT) yet likely to be missed: no lab on the prominent list, 2 authors, "
        "a plain title, listed in 1 category, no project page or demo."
    )
    loud = report.ranked[2]
    assert not loud.gem and loud.attention["points"] == 2
    md = to_markdown(report)
    assert md.count("💎 HIDDEN GEM") == 2 + 2  # the gems section and each gem's entry
    assert "[Paper 2604.00003](#paper-2)" in md and md.index("## Hidden gems") < md.index("## Ranked papers")


def test_paper_supplied_text_is_escaped_in_the_report():
    r = review("2604.00009", 8.0, "SIGNIFICANT")
    r["tldr"] = '<img src=x onerror="alert(1)"> **bold**'
    state = week_state([r])
    state["listings"]["2604.00009"]["title"] = "<script>alert(1)</script>"
    md = to_markdown(build_report(state, Topics(), {}))
    assert "<script>" not in md and "<img" not in md and "&lt;script&gt;" in md


def test_online_signals_from_loopback_servers(httpserver, settings):
    from referee.tools.sources.online import fetch_online, github_repo

    httpserver.expect_request("/s2/paper/arXiv:2604.00001").respond_with_json({"paperId": "x", "citationCount": 64})
    httpserver.expect_request("/gh/repos/lab/tool").respond_with_json({"stargazers_count": 150})
    on = settings.model_copy(
        update={"semantic_scholar_url": httpserver.url_for("/s2"), "github_api_url": httpserver.url_for("/gh")}
    )
    found = fetch_online("2604.00001", ["https://example.org/x", "https://github.com/lab/tool/tree/main"], on)
    assert (found.citations, found.stars, found.problems) == (64, 150, [])
    est = estimate(signals(citations=found.citations, stars=found.stars), CONFIG)
    assert est.points == 2 + 1 and est.raised_by == ["64 citations", "150 stars on its code"]
    quiet = estimate(signals(citations=3, stars=12), CONFIG)
    assert quiet.points == 0 and quiet.quiet[-2:] == ["3 citations", "12 stars on its code"]
    # a signal that cannot be had is left out, with the reason, and nothing fails
    missing = fetch_online("2604.00002", ["https://github.com/lab/gone.git"], on)
    assert missing.citations is None and missing.stars is None
    assert [p.split(":")[0] for p in missing.problems] == ["citations", "stars"]
    assert (
        github_repo("https://github.com/lab/gone.git") == "lab/gone" and github_repo("https://gitlab.com/a/b") is None
    )
