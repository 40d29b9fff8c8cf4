"""The verdict yardstick (issue 14): Referee's verdicts on ICLR 2022 submissions against their human reviewers.

    python bench/iclr.py [--papers N] [--model M] [--base-url URL] [--fake] [--out DIR]

Reviews the first N papers of ../shared/iclr2022 (accepted and rejected alternating, in the order of
ratings.tsv) with the configured backend (the offline default when none is; `--fake` for the tests'
deterministic model), each as the Markdown file a converter made of its PDF; resumable, since every answer is
cached and cards already under --out are read, not rewritten. Beside Referee's pipeline, two naive baselines on
the same backend: a score asked from the abstract alone, and one from the paper's text (the same budgeted digest
the reviewers read) in a single prompt. Then, for each method and for the published LLM reviews of the same
papers in baselines/: decision accuracy (a score of 6 or more, the SOLID band and above, is an accept; the
published reviews' own decisions for them),
balanced accuracy, AUC of the score against the decision, Pearson and Spearman r against the mean human score,
each with a bootstrap 90% interval, and the score distribution (its most common point's share).

A thermometer, not a target: nothing in Referee is tuned to these 40 papers' scores.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from scipy import stats

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from card_audit import write_card  # noqa: E402
from conftest import CORPUS  # noqa: E402
from langchain_core.messages import HumanMessage  # noqa: E402

YARDSTICK = CORPUS.parent / "iclr2022"
ACCEPT_AT = 6.0  # a score in the SOLID band or above reads as an accept


@dataclass(frozen=True)
class Rated:
    paper_id: str
    ratings: tuple[int, ...]
    mean: float
    accepted: bool


def rated_papers(root: Path = YARDSTICK) -> list[Rated]:
    """The yardstick's papers, accepted and rejected alternating (so that any first N is balanced)."""
    with (root / "ratings.tsv").open(encoding="utf-8") as handle:
        rows = [
            Rated(r["paper_id"], tuple(int(x) for x in r["ratings"].split()), float(r["mean_rating"]),
                  r["decision"].lower().startswith("accept"))
            for r in csv.DictReader(handle, delimiter="\t")
        ]  # fmt: skip
    accepted, rejected = [r for r in rows if r.accepted], [r for r in rows if not r.accepted]
    return [r for pair in zip(accepted, rejected, strict=False) for r in pair]


class NaiveScore(BaseModel):
    """What a naive baseline asks of the model: one score."""

    reason: str = Field(max_length=300, description="one sentence")
    score: int = Field(ge=1, le=10, description="1 (reject) to 10 (top paper)")


NAIVE_PROMPT = (
    "You review submissions to a machine-learning conference. Read the paper below and score it from 1 (a clear "
    "reject) to 10 (a top paper); most submissions score between 3 and 6.\n\n<paper>\n{text}\n</paper>"
)


# -- metrics -------------------------------------------------------------------------------------------


def auc(scores: np.ndarray, accepted: np.ndarray) -> float:
    """The probability that an accepted paper outscores a rejected one (ties count half): Mann-Whitney U."""
    if accepted.all() or not accepted.any():
        return float("nan")
    u = stats.mannwhitneyu(scores[accepted], scores[~accepted], alternative="two-sided").statistic
    return float(u / (accepted.sum() * (~accepted).sum()))


def _pearson(scores: np.ndarray, means: np.ndarray) -> float:
    return float(stats.pearsonr(scores, means).statistic) if np.ptp(scores) and np.ptp(means) else float("nan")


def _spearman(scores: np.ndarray, means: np.ndarray) -> float:
    return float(stats.spearmanr(scores, means).statistic) if np.ptp(scores) and np.ptp(means) else float("nan")


def _balanced(said: np.ndarray, accepted: np.ndarray) -> float:
    parts = [np.mean(said[accepted]) if accepted.any() else np.nan]
    parts.append(np.mean(~said[~accepted]) if (~accepted).any() else np.nan)
    return float(np.nanmean(parts))


# each metric of (scores, accepted by the humans, mean human score, accepted by the method)
METRICS = {
    "accuracy": lambda s, a, m, said: float(np.mean(said == a)),
    "balanced": lambda s, a, m, said: _balanced(said, a),
    "AUC": lambda s, a, m, said: auc(s, a),
    "Pearson r": lambda s, a, m, said: _pearson(s, m),
    "Spearman r": lambda s, a, m, said: _spearman(s, m),
}


def measure(
    scores: list[float], papers: list[Rated], decisions: list[bool] | None = None, rounds: int = 2000, seed: int = 0
) -> dict[str, tuple]:
    """Each metric as (point, low, high): the point on all papers, a 90% percentile bootstrap interval. The
    method's accept decisions are its own where it gives them (the published reviews), else a score of
    ACCEPT_AT or more."""
    s = np.array(scores, dtype=float)
    a = np.array([p.accepted for p in papers])
    m = np.array([p.mean for p in papers])
    d = np.array(decisions) if decisions is not None else s >= ACCEPT_AT
    rng = np.random.default_rng(seed)
    out = {}
    for name, metric in METRICS.items():
        point = metric(s, a, m, d)
        draws = []
        for _ in range(rounds):
            pick = rng.integers(0, len(s), len(s))
            value = metric(s[pick], a[pick], m[pick], d[pick])
            if not np.isnan(value):
                draws.append(value)
        low, high = np.percentile(draws, [5, 95]) if draws else (np.nan, np.nan)
        out[name] = (point, float(low), float(high))
    return out


def spread(scores: list[float]) -> str:
    """Scores counted at their nearest whole point, halves rounded up (Python's round() sends 6.5 and 5.5
    alike to 6, piling a point's neighbours onto it)."""
    counts = Counter(math.floor(x + 0.5) for x in scores)
    top, n = counts.most_common(1)[0] if counts else (None, 0)
    shown = " ".join(f"{k}:{counts[k]}" for k in sorted(counts))
    return f"{shown} (most common {top}: {n / max(1, len(scores)):.0%})"


def table(rows: dict[str, tuple]) -> str:
    """One line per method: rows map a method to (scores, papers) or (scores, papers, its accept decisions)."""
    lines = [f"{'method':58} {'n':>3} " + " ".join(f"{k:>19}" for k in METRICS)]
    for method, (scores, papers, *decisions) in rows.items():
        got = measure(scores, papers, *decisions)
        cells = " ".join(f"{p:5.2f} [{lo:5.2f},{hi:5.2f}]" for p, lo, hi in got.values())
        lines.append(f"{method[:58]:58} {len(scores):>3} {cells}")
    return "\n".join(lines)


# -- scores ----------------------------------------------------------------------------------------------


def published(papers: list[Rated], root: Path = YARDSTICK) -> dict[str, tuple[list[float], list[Rated]]]:
    """The published LLM reviews' Overall scores and decisions on `papers`, one row per configuration."""
    out = {}
    for path in sorted((root / "baselines").glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            reviews = {r["paper_id"]: r for r in csv.DictReader(handle)}
        kept = [p for p in papers if reviews.get(p.paper_id, {}).get("Overall") not in (None, "")]
        scores = [float(reviews[p.paper_id]["Overall"]) for p in kept]
        said = [reviews[p.paper_id]["Decision"].lower().startswith("accept") for p in kept]
        out[f"published: {path.stem}"] = (scores, kept, said)
    return out


def referee_scores(papers: list[Rated], out: Path, fake: bool, root: Path = YARDSTICK) -> dict[str, list]:
    """Per method (Referee, the two naive baselines): (paper, score) for every paper with a score; a verdict
    shown as not assessed has none, and is counted apart."""
    from referee.tools.extraction.digest import paper_text
    from referee.tools.sources.ingest import load_paper

    settings, models = _backend(fake)
    found: dict[str, list] = {"Referee (pipeline)": [], "naive: abstract only": [], "naive: paper, one prompt": []}
    for paper in papers:
        source = root / "papers" / f"{paper.paper_id}.md"
        verdict = _card_score(source, out, fake)
        if verdict is not None:
            found["Referee (pipeline)"].append((paper, verdict))
        read = load_paper(str(source), settings)
        for method, text in (
            ("naive: abstract only", f"TITLE: {read.title}\n\nABSTRACT: {read.abstract}"),
            ("naive: paper, one prompt", paper_text(read, models["budget"])),
        ):
            answer, _ = models["model"].invoke(
                NaiveScore, [HumanMessage(NAIVE_PROMPT.format(text=text))], node="yardstick"
            )
            found[method].append((paper, float(answer.score)))
        print(f"  {paper.paper_id}: human {paper.mean:.2f} ({'accept' if paper.accepted else 'reject'}); "
              f"Referee {verdict if verdict is not None else 'not assessed'}; naive "
              f"{found['naive: abstract only'][-1][1]:.0f} / {found['naive: paper, one prompt'][-1][1]:.0f}",
              flush=True)  # fmt: skip
    return found


def _backend(fake: bool):
    """The settings, and the reviewer model with the paper budget Referee's own reviewers get on it."""
    from referee.llm import StructuredLLM, structured_llm
    from referee.review import OFFLINE_BUDGET, reviewer_budget
    from referee.settings import get_settings

    settings = get_settings()
    if fake:
        from fakes import FakeReviewModel

        chat = StructuredLLM(chat=FakeReviewModel(), backend="fake", model="fake")
        return settings, {"model": chat, "budget": OFFLINE_BUDGET}
    budget = reviewer_budget(settings)
    return settings, {"model": structured_llm("reviewer", settings, "use", n_ctx=budget + 4096), "budget": budget}


def _card_score(source: Path, out: Path, fake: bool) -> float | None:
    """The verdict's score on the card of `source` under `out`, reviewing it first where no card is there."""
    from referee.tools.publishing.render import folder_name

    card = out / folder_name(source.stem) / "card.json"  # an id may end in "-", which a folder name drops
    if not card.exists():
        write_card(source, out, fake)
    verdict = json.loads(card.read_text(encoding="utf-8")).get("verdict") or {}
    return verdict.get("score")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=40)
    parser.add_argument("--model", help="the model (sets REFEREE_MODEL)")
    parser.add_argument("--base-url", help="an OpenAI-compatible server (sets OPENAI_BASE_URL)")
    parser.add_argument("--fake", action="store_true", help="the tests' deterministic model (CI speed)")
    parser.add_argument("--out", type=Path, default=Path("outputs/iclr"))
    args = parser.parse_args()
    if not (YARDSTICK / "ratings.tsv").exists():
        sys.exit(f"the yardstick is not at {YARDSTICK}: put ../shared/iclr2022 beside the checkout")
    if args.model:
        os.environ["REFEREE_MODEL"] = args.model
    if args.base_url:
        os.environ["OPENAI_BASE_URL"] = args.base_url
    papers = rated_papers()[: args.papers]
    print(f"{len(papers)} papers: {sum(p.accepted for p in papers)} accepted, {sum(not p.accepted for p in papers)} "
          "rejected", flush=True)  # fmt: skip
    found = referee_scores(papers, args.out, args.fake)
    rows = {method: ([s for _, s in pairs], [p for p, _ in pairs]) for method, pairs in found.items()}
    rows.update(published(papers))
    print(table(rows))
    print("\nscore distributions (rounded):")
    for method, (scores, *_) in rows.items():
        print(f"  {method[:58]:58} {spread(scores)}")
    unassessed = len(papers) - len(found["Referee (pipeline)"])
    print(f"\nReferee verdicts not assessed: {unassessed} of {len(papers)} (left out of its row)")


if __name__ == "__main__":
    main()
