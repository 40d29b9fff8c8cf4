"""Grounding benchmark: claims from a fake reviewer that invents a fixed share of quotes and numbers.

    python bench/grounding.py [--invent 0.25]

Per corpus paper, true claims quote real sentences of the paper (with their page) and report real table
numbers; a fixed share is invented instead (a real sentence with words swapped, a table number altered).
Reports the share of invented claims caught (removed or marked; goal >= 98%) and the share of true
claims wrongly flagged (goal <= 1%).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latex_gold import corpus_papers  # noqa: E402

from referee.tools.extraction.pdf import read_pdf_file  # noqa: E402
from referee.tools.extraction.sections import build_paper  # noqa: E402
from referee.tools.grounding.verify import verify_findings  # noqa: E402

SWAPS = ["significantly", "outperforms", "robust", "novel", "every", "never", "always", "doubles"]


def true_quotes(paper, rng, n):
    pool = []
    for s in paper.sections:
        for m in re.finditer(r"[A-Z][^.!?]{40,160}[.!?]", s.text):
            pool.append((m.group(0), s.page_of(m.start())))
    return rng.sample(pool, min(n, len(pool)))


def invent_quote(sentence, rng):
    words = sentence.split()
    for _ in range(3):
        words[rng.randrange(len(words))] = rng.choice(SWAPS)
    return " ".join(words)


def table_numbers(paper):
    found = []
    for t in paper.tables:
        for row in t.rows:
            name = row[0] if row else ""
            for cell in row[1:]:
                if re.fullmatch(r"\d+\.\d+", cell) and len(name) > 2:
                    found.append((name, cell))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invent", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    invented = caught = true = wrongly = 0
    for gold in corpus_papers():
        paper = build_paper(read_pdf_file(gold.pdf, max_pages=500), str(gold.pdf))
        points, labels = [], []
        for sentence, page in true_quotes(paper, rng, 30):
            fake = rng.random() < args.invent
            quote = invent_quote(sentence, rng) if fake else sentence
            points.append({"claim": f"Point {len(points) + 1} of the paper.", "quote": quote, "page": page})
            labels.append(fake)
        rows, row_labels = [], []
        for name, value in rng.sample(table_numbers(paper), min(10, len(table_numbers(paper)))):
            fake = rng.random() < args.invent
            shown = f"{float(value) + 13.37:.2f}" if fake else value
            rows.append({"dataset": name, "metric": "score", "this_paper": shown})
            row_labels.append(fake)
        setting = dict.fromkeys(("inputs", "outputs", "objective", "evaluation"), "not assessed")
        outputs = {"methodology": {"task_setting": setting, "method_steps": points}, "experiments": {"results": rows}}
        verify_findings(outputs, None, paper)
        kept_rows = {r["this_paper"] for r in outputs["experiments"]["results"]}
        checked = {step["claim"].split(" of the paper")[0]: step for step in outputs["methodology"]["method_steps"]}
        for i, fake in enumerate(labels, 1):
            flagged = checked.get(f"Point {i}", {"quote": ""})["quote"] == ""
            invented, caught = invented + fake, caught + (fake and flagged)
            true, wrongly = true + (not fake), wrongly + ((not fake) and flagged)
        for row, fake in zip(rows, row_labels, strict=True):
            flagged = row["this_paper"] not in kept_rows
            invented, caught = invented + fake, caught + (fake and flagged)
            true, wrongly = true + (not fake), wrongly + ((not fake) and flagged)
    print(f"invented claims caught: {caught}/{invented} = {caught / max(invented, 1):.1%} (goal >= 98%)")
    print(f"true claims wrongly flagged: {wrongly}/{true} = {wrongly / max(true, 1):.1%} (goal <= 1%)")


if __name__ == "__main__":
    main()
