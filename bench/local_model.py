"""The offline default on this machine: prompt and generation speed, then end-to-end review time per
corpus paper with both prompt layouts of bench/tokens.py.

    python bench/local_model.py                 # speeds, then one paper with both layouts
    python bench/local_model.py --papers 10     # every corpus paper (about 5 minutes each per layout)

Nothing is cached: every call reaches the model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latex_gold import corpus_papers  # noqa: E402

from referee.graph import graph  # noqa: E402
from referee.llm import LocalChat, local_model_path  # noqa: E402
from referee.review import review_context  # noqa: E402
from referee.settings import get_settings  # noqa: E402
from referee.tools.extraction.digest import paper_text  # noqa: E402
from referee.tools.extraction.pdf import read_pdf_file  # noqa: E402
from referee.tools.extraction.sections import build_paper  # noqa: E402


def speeds(settings, prompt_text: str) -> tuple[float, float]:
    chat = LocalChat(local_model_path(settings), n_ctx=8192, threads=settings.local_threads, max_tokens=1)

    def measure(llama) -> tuple[float, float]:
        tokens = llama.tokenize(prompt_text.encode())
        llama.reset()
        start = time.perf_counter()
        llama.eval(tokens)
        prompt_rate = len(tokens) / (time.perf_counter() - start)
        llama.reset()
        llama.eval(llama.tokenize(b"Write a long paragraph about graphs."))
        start, produced = time.perf_counter(), 0
        for token in llama.generate([], temp=0.8, reset=False):
            produced += 1
            if produced >= 128 or token == llama.token_eos():
                break
        return prompt_rate, produced / (time.perf_counter() - start)

    return chat.on_model(measure)  # on the model's own thread, as reviews run it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1)
    parser.add_argument("--budget", type=int, default=2500, help="paper tokens per reviewer")
    args = parser.parse_args()
    settings = get_settings(openai_api_key="", openai_base_url="", paper_token_budget=args.budget)
    golds = corpus_papers()[: args.papers] if args.papers < 10 else corpus_papers()
    first = build_paper(read_pdf_file(golds[0].pdf, max_pages=500), str(golds[0].pdf))
    prompt_rate, gen_rate = speeds(settings, paper_text(first, 1000))
    print(
        f"offline default on {settings.local_threads} threads: prompt {prompt_rate:.0f} tokens/s, "
        f"generation {gen_rate:.1f} tokens/s"
    )
    print(
        f"{'paper':40s} {'layout':7s} {'pages':>5s} {'seconds':>8s} {'calls':>5s} {'prompt':>7s} {'compl.':>7s} "
        f"{'missing':s}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for gold in golds:
            for layout in ("shared", "routed"):
                context = review_context(
                    settings, out_dir=Path(tmp) / layout, formats=("md",), layout=layout, cache_mode="off"
                )
                start = time.perf_counter()
                state = graph.invoke({"source": str(gold.pdf)}, context=context)
                seconds = time.perf_counter() - start
                usage = [f.usage for f in state["findings"]] + [state["verdict_usage"]]
                card = state["card"]
                print(
                    f"{gold.slug:40s} {layout:7s} {card.header and state['paper'].pages:5d} {seconds:8.0f} "
                    f"{sum(u.llm_calls for u in usage):5d} {sum(u.prompt_tokens for u in usage):7d} "
                    f"{sum(u.completion_tokens for u in usage):7d} {','.join(card.missing) or '-'}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
