"""Tokens a review sends, and tokens a backend must actually process, for two prompt layouts.

    python bench/tokens.py [--budget 4000]

For each corpus paper the review graph runs with a counting fake model (no LLM). Per layout it reports:
  sent      the input tokens of all reviewer calls (what a backend without any cache processes),
  llama.cpp the tokens left after reusing the longest prefix shared with the previous call (llama.cpp
            keeps the evaluated prefix of its last prompt; calls are serialised on a local model),
  openai    the tokens billed at full price when cached prefixes (>= 1024 tokens, 128-token steps)
            are charged at 50%.
Both layouts are printed against "whole paper to every node" (every reviewer gets the whole extracted
paper, nothing cached), and against the paper's budgeted text (the goal: uncached <= 1.5x of it).
Token counts are estimated as characters / 4; the verdict call is listed apart (it reads findings).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from fakes import FakeReviewModel  # noqa: E402
from latex_gold import corpus_papers  # noqa: E402

from referee.contract.registry import reviewer_names  # noqa: E402
from referee.graph import graph  # noqa: E402
from referee.state import Context  # noqa: E402
from referee.tools.extraction.digest import estimate_tokens, paper_text  # noqa: E402
from referee.tools.extraction.pdf import read_pdf_file  # noqa: E402
from referee.tools.extraction.sections import build_paper  # noqa: E402


def common_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


def llama_uncached(prompts: list[str]) -> int:
    total, previous = 0, ""
    for prompt in prompts:
        total += estimate_tokens(prompt[common_prefix(prompt, previous) :])
        previous = prompt
    return total


def openai_billed(prompts: list[str]) -> float:
    total, seen = 0.0, []
    for prompt in prompts:
        tokens = estimate_tokens(prompt)
        best = max((common_prefix(prompt, p) for p in seen), default=0)
        cached = estimate_tokens(prompt[:best]) if best else 0
        cached = (cached // 128) * 128 if cached >= 1024 else 0
        total += (tokens - cached) + 0.5 * cached
        seen.append(prompt)
    return total


def run_layout(pdf: Path, layout: str, budget: int, out: Path) -> tuple[list[str], str]:
    model = FakeReviewModel()
    context = Context(models={"reviewer": model}, out_dir=out, layout=layout, paper_token_budget=budget)
    graph.invoke({"source": str(pdf)}, context=context)
    reviewer = [p for name, p in zip(model.calls, model.prompts, strict=True) if name != "Verdict"]
    verdict = next(p for name, p in zip(model.calls, model.prompts, strict=True) if name == "Verdict")
    return reviewer, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=4000, help="paper tokens per reviewer")
    args = parser.parse_args()
    rows = []
    head = (
        f"{'paper':38s} {'whole':>7s} {'budget':>7s} | {'shared sent':>11s} {'llama':>6s} {'openai':>7s} | "
        f"{'routed sent':>11s} {'llama':>6s} {'openai':>7s} | {'verdict':>7s}"
    )
    print(head)
    print("-" * len(head))
    with tempfile.TemporaryDirectory() as tmp:
        for gold in corpus_papers():
            paper = build_paper(read_pdf_file(gold.pdf, max_pages=500), str(gold.pdf))
            whole = len(reviewer_names()) * estimate_tokens(paper_text(paper, token_budget=10**7))
            budgeted = estimate_tokens(paper_text(paper, args.budget))
            result = {"slug": gold.slug, "whole": whole, "budgeted": budgeted}
            for layout in ("shared", "routed"):
                prompts, verdict = run_layout(gold.pdf, layout, args.budget, Path(tmp) / layout)
                result[layout] = (
                    sum(estimate_tokens(p) for p in prompts),
                    llama_uncached(prompts),
                    openai_billed(prompts),
                )
                result["verdict"] = estimate_tokens(verdict)
            rows.append(result)
            s, r = result["shared"], result["routed"]
            print(
                f"{gold.slug:38s} {whole:7d} {budgeted:7d} | {s[0]:11d} {s[1]:6d} {s[2]:7.0f} | "
                f"{r[0]:11d} {r[1]:6d} {r[2]:7.0f} | {result['verdict']:7d}"
            )
    print("-" * len(head))
    for layout in ("shared", "routed"):
        sent = statistics.median(x[layout][0] / x["whole"] for x in rows)
        llama = statistics.median(x[layout][1] / x["budgeted"] for x in rows)
        billed = statistics.median(x[layout][2] / x["whole"] for x in rows)
        print(
            f"{layout:7s} median: sent {sent:.2f}x of whole-paper-to-every-node; "
            f"llama.cpp uncached {llama:.2f}x of the budgeted paper text (goal <= 1.5x); "
            f"OpenAI billed {billed:.2f}x of whole-paper-to-every-node"
        )
    best = min(("shared", "routed"), key=lambda k: statistics.median(x[k][1] for x in rows))
    print(f"fewest uncached tokens: {best} layout (the default)")


if __name__ == "__main__":
    main()
