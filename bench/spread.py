"""Run-to-run spread of the verdict (issue 14, item 4): one paper reviewed N times with sampling on and the
cache off, beside the same number of scores from a bare prompt (the paper's text and one question) on the same
backend.

    python bench/spread.py [SOURCE] [--runs 3] [--temperature 0.7] [--out DIR] [--fake]

SOURCE is a PDF, a Markdown or text file, or an arXiv id (default: the first paper of ../shared/iclr2022). For
each run it prints the card's score, the chair's own score (with its readings, with sampling on) and the rigour
checklist's; then the spread (largest minus smallest) of each, and of the bare prompt's, and their ratio. The
goal: the card's score moves by 0.7 or less (the best published pipeline's spread; a bare prompt's was 2.8).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from iclr import NAIVE_PROMPT, YARDSTICK, NaiveScore, rated_papers  # noqa: E402
from langchain_core.messages import HumanMessage  # noqa: E402


def spread(values: list[float]) -> float:
    return max(values) - min(values) if values else float("nan")


def pipeline_runs(source: str, runs: int, out: Path, fake: bool) -> list[dict]:
    """The card of each run: its score, the chair's, the checklist's, and the seconds it took."""
    from card_audit import write_card

    from referee.contract.rigour import Checklist

    found = []
    for run in range(1, runs + 1):
        folder, seconds = write_card(Path(source), out / f"run{run}", fake=fake, cache_mode="off")
        card = json.loads((Path(folder) / "card.json").read_text(encoding="utf-8"))
        verdict = card.get("verdict") or {}
        checklist = Checklist.model_validate(card["checklist"]) if card.get("checklist") else None
        readings = next((n.split(": ", 1)[1] for n in card.get("verdict_notes", []) if "its readings" in n), "")
        found.append(
            {
                "score": verdict.get("score"),
                "chair": verdict.get("chair_score"),
                "checklist": checklist.score() if checklist is not None else None,
                "seconds": seconds,
            }
        )
        chair = f"{found[-1]['chair']}" + (f" ({readings})" if readings else "")
        print(f"  run {run}: score {found[-1]['score']}, chair {chair}, checklist {found[-1]['checklist']} "
              f"({found[-1]['seconds']:.0f} s)", flush=True)  # fmt: skip
    return found


def bare_prompt_runs(source: str, runs: int, fake: bool) -> list[float]:
    """Scores from the paper's text (the budgeted digest a reviewer reads) and one question, `runs` times."""
    from referee.llm import StructuredLLM, structured_llm
    from referee.review import OFFLINE_BUDGET, reviewer_budget
    from referee.settings import get_settings
    from referee.tools.extraction.digest import paper_text
    from referee.tools.sources.ingest import load_paper

    settings = get_settings()
    if fake:
        from fakes import FakeReviewModel

        model, budget = StructuredLLM(chat=FakeReviewModel(), backend="fake", model="fake"), OFFLINE_BUDGET
    else:
        budget = reviewer_budget(settings)
        model = structured_llm("reviewer", settings, "off", n_ctx=budget + 4096)
    prompt = NAIVE_PROMPT.format(text=paper_text(load_paper(source, settings), budget))
    scores = []
    for run in range(1, runs + 1):
        answer, _ = model.invoke(NaiveScore, [HumanMessage(prompt)], node="spread")
        scores.append(float(answer.score))
        print(f"  bare prompt, run {run}: {scores[-1]:.1f}", flush=True)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", help="a PDF, Markdown or text file, or an arXiv id")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--out", type=Path, default=Path("outputs/spread"))
    parser.add_argument("--fake", action="store_true", help="the tests' deterministic model (no spread)")
    args = parser.parse_args()
    source = args.source
    if source is None:
        if not (YARDSTICK / "ratings.tsv").exists():
            sys.exit(f"no SOURCE given and the yardstick is not at {YARDSTICK}")
        source = str(YARDSTICK / "papers" / f"{rated_papers()[0].paper_id}.md")
    os.environ["REFEREE_TEMPERATURE"] = str(args.temperature)
    print(f"{source}: {args.runs} runs at temperature {args.temperature}, cache off", flush=True)
    cards = pipeline_runs(source, args.runs, args.out, args.fake)
    bare = bare_prompt_runs(source, args.runs, args.fake)
    rows = {
        "card score (chair + checklist)": [c["score"] for c in cards if c["score"] is not None],
        "chair's own score": [c["chair"] for c in cards if c["chair"] is not None],
        "rigour checklist": [c["checklist"] for c in cards if c["checklist"] is not None],
        "bare prompt": bare,
    }
    print(f"\n{'':32} {'scores':28} spread")
    for name, values in rows.items():
        print(f"{name:32} {' '.join(f'{v:4.1f}' for v in values):28} {spread(values):5.1f}")
    if spread(bare) > 0:
        print(f"\ncard score spread / bare prompt spread: {spread(rows[next(iter(rows))]) / spread(bare):.2f}")


if __name__ == "__main__":
    main()
