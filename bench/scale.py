"""Scale-out: deep reviews per minute and triaged papers per minute against the number of workers (1, 2, 4, 8),
in-process threads against Ray tasks (`--executor ray`, a local cluster of as many worker processes), with a
fixed-latency fake model served over HTTP on loopback standing in for a served model; tokens per paper; and what
one week of several categories costs on two hosted models, direct against the Batch API.

The synthetic week of tests/weekly_world.py is widened with copies of its corpus PDFs under new ids, so that
more papers than workers are reviewed; the LLM cache is off, so every call reaches the model and waits
`--latency` seconds. Extraction and rendering run for real (on this machine's cores, which bound the scaling
once the model is fast). Ratios are against one worker of the same executor, measured in the same process.

    python bench/scale.py [--latency 2] [--papers 16] [--workers 1,2,4,8] [--executors local,ray]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from conftest import CORPUS  # noqa: E402
from fake_openai import FakeOpenAI  # noqa: E402
from loopback import API_PATH, PDF_PATH  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402
from weekly_world import SLUGS, TOPICS, build_week, responder_for  # noqa: E402

from referee.agents.weekly import WeeklyRequest  # noqa: E402
from referee.llm import BATCH_PRICE  # noqa: E402
from referee.settings import DEFAULT_PRICES, Settings  # noqa: E402
from referee.weekly import run_weekly, weekly_context  # noqa: E402
from weekly import stage_clock  # noqa: E402  (bench/weekly.py, beside this file)

# Papers a week, by category: the figure for cs.LG; the others are assumptions until counted from a
# listing of a whole week (pass --counts): the corpus holds no such listing.
COUNTS = {"cs.LG": 1500, "cs.AI": 1000, "cs.CL": 600}
MODELS = ("gpt-4o-mini", "gpt-4.1")


class SlowModel(FakeOpenAI):
    """The fake chat server, each answer taking `latency` seconds (requests overlap: the server is threaded)."""

    latency = 2.0

    def answer(self, body: dict) -> dict:
        time.sleep(self.latency)
        return super().answer(body)


def widen(week, papers: int) -> list[str]:
    """Copies of the corpus papers under new ids until `papers` can be reviewed; their ids."""
    ids = sorted(week.corpus_ids)
    for n in range(papers - len(ids)):
        source = ids[n % len(ids)]
        copy = f"2604.{95000 + n}"
        entry = week.entries[source].replace(source, copy)
        week.entries[copy] = entry
        week.pdfs[f"{copy}v1"] = week.pdfs[f"{source}v1"]
        week.corpus_ids.add(copy)
        ids.append(copy)
    return ids[:papers]


def one_run(server: HTTPServer, ids: list[str], executor: str, workers: int, root: Path) -> dict:
    settings = Settings(
        cache_dir=root / "cache", arxiv_api_url=server.url_for(API_PATH), arxiv_pdf_url=server.url_for(PDF_PATH),
        request_interval=0.0, openai_base_url=server.url_for("/v1"), openai_api_key="bench", model="fake-model",
        weekly_concurrency=workers, executor=executor, max_llm_in_flight=64, detect_servers=False,
    )  # fmt: skip
    context = weekly_context(settings, root / "out", "off", TOPICS)
    stages, on_event = stage_clock()
    start = time.perf_counter()

    request = WeeklyRequest(ids=ids, week="2026-W16", top=len(ids))
    request.topics = TOPICS.model_dump(mode="json", by_alias=True)
    outcome = run_weekly(request, context, concurrency=workers, on_event=on_event)
    total = time.perf_counter() - start
    state = outcome.state
    reviewed = sum(1 for r in state["reviews"] if r["ok"])
    usage = [r["usage"] for r in state["reviews"] if r["ok"]]
    tokens = {kind: sum(node[kind] for u in usage for node in u.values()) / max(1, reviewed)
              for kind in ("prompt_tokens", "completion_tokens")}  # fmt: skip
    triaged = len(state["triage"])
    return {
        "executor": executor,
        "workers": workers,
        "reviewed": reviewed,
        "failed": len(state["reviews"]) - reviewed,
        "triage_per_min": triaged / max(1e-9, stages["triage"] - stages["filter"]) * 60,
        "reviews_per_min": reviewed / (total - stages["triage"]) * 60,
        "seconds": total,
        "review_prompt": tokens["prompt_tokens"],
        "review_completion": tokens["completion_tokens"],
        "triage_prompt": state["triage_usage"]["prompt_tokens"] / max(1, triaged),
        "triage_completion": state["triage_usage"]["completion_tokens"] / max(1, triaged),
    }


def cost_table(row: dict, counts: dict[str, int], top_share: float) -> list[str]:
    """Dollars for a week: every paper triaged, `top_share` of them reviewed in depth, at the measured tokens."""
    papers = sum(counts.values())
    reviewed = round(papers * top_share)
    lines = [f"one week of {' + '.join(f'{c} {n}' for c, n in counts.items())} = {papers} papers, "
             f"{reviewed} reviewed in depth ({top_share:.0%}):",
             f"{'model':<14} {'triage $':>9} {'reviews $':>10} {'direct $':>9} {'batch $':>8}"]  # fmt: skip
    for model in MODELS:
        price_in, price_out = DEFAULT_PRICES[model]
        triage = papers * (row["triage_prompt"] * price_in + row["triage_completion"] * price_out) / 1e6
        review = reviewed * (row["review_prompt"] * price_in + row["review_completion"] * price_out) / 1e6
        lines.append(f"{model:<14} {triage:>9.2f} {review:>10.2f} {triage + review:>9.2f} "
                     f"{(triage + review) * BATCH_PRICE:>8.2f}")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds each model call takes")
    parser.add_argument("--papers", type=int, default=16, help="papers reviewed in depth per run")
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--executors", default="local,ray")
    parser.add_argument("--counts", type=json.loads, default=COUNTS, help='papers a week, e.g. {"cs.LG": 1500}')
    parser.add_argument("--top-share", type=float, default=0.02, help="of a week's papers, reviewed in depth")
    args = parser.parse_args()
    if not (CORPUS / "papers").is_dir():
        sys.exit(f"needs the shared corpus at {CORPUS}")
    week = build_week(CORPUS, extra=0)
    ids = widen(week, args.papers)
    server = HTTPServer(threaded=True)
    server.start()
    week.install(server)
    model = SlowModel(responder=responder_for(week))
    model.latency = args.latency
    model.install(server)
    rows = []
    try:
        for executor in args.executors.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                with tempfile.TemporaryDirectory() as tmp:
                    rows.append(one_run(server, ids, executor, workers, Path(tmp)))
                r = rows[-1]
                print(f"  {executor} x{workers}: {r['reviews_per_min']:.1f} reviews/min in {r['seconds']:.0f} s",
                      flush=True)  # fmt: skip
    finally:
        server.stop()
    print(f"\nfake model over HTTP, {args.latency:.1f} s per call; {args.papers} papers reviewed in depth per run "
          f"({len(SLUGS)} corpus PDFs and copies), LLM cache off; {len(model.requests)} model calls")  # fmt: skip
    print(f"{'executor':>8} {'workers':>7} {'reviews/min':>11} {'x':>6} {'triage/min':>10} {'x':>6} {'seconds':>8}")
    for r in rows:
        base = next(b for b in rows if b["executor"] == r["executor"])
        print(f"{r['executor']:>8} {r['workers']:>7} {r['reviews_per_min']:>11.1f} "
              f"{r['reviews_per_min'] / base['reviews_per_min']:>5.1f}x {r['triage_per_min']:>10.0f} "
              f"{r['triage_per_min'] / base['triage_per_min']:>5.1f}x {r['seconds']:>8.1f}")  # fmt: skip
    row = rows[0]
    print(f"\ntokens per paper (the fake counts 4 characters a token): triage {row['triage_prompt']:.0f} prompt + "
          f"{row['triage_completion']:.0f} completion; deep review {row['review_prompt']:.0f} prompt + "
          f"{row['review_completion']:.0f} completion (six reviewers, verdict, consistency check)")  # fmt: skip
    for line in cost_table(row, args.counts, args.top_share):
        print(line)
    if args.counts == COUNTS:
        print("(cs.LG's count is the issue's figure; cs.AI's and cs.CL's are assumptions: pass --counts)")


if __name__ == "__main__":
    main()
