"""Extraction benchmark on the shared corpus: time per page and top-level heading precision/recall,
side by side with pymupdf4llm's Markdown headings as the baseline (same process, same pages).

pymupdf4llm 2 has two modes, both measured: "legacy" (font-size header detection, as in its 0.x
releases) and "layout" (the pymupdf-layout model). Importing it switches PyMuPDF's layout mode on
globally, so it is switched off again before Referee's own extraction is timed.

    python bench/extraction.py [--repeat 3]

Gold headings are the \\section{} / \\section*{} titles of each paper's LaTeX source.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latex_gold import (  # noqa: E402
    CORPUS,
    affiliation_supported,
    author_found,
    corpus_papers,
    match_headings,
)

from referee.tools.extraction.pdf import hidden_spans, page_blocks, page_lines, read_pdf_file  # noqa: E402
from referee.tools.extraction.sections import build_paper  # noqa: E402
from referee.tools.extraction.text import norm_key  # noqa: E402

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*|[A-H](?:\.\d+)*)\.?\s+")


def baseline_headings(pdf: Path, layout: bool) -> dict[int, list[str]]:
    """pymupdf4llm's Markdown headings, by number of '#'."""
    import pymupdf4llm

    pymupdf4llm.use_layout(layout)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            markdown = pymupdf4llm.to_markdown(str(pdf), show_progress=False)
    finally:
        pymupdf4llm.use_layout(False)
    levels: dict[int, list[str]] = {}
    for line in markdown.splitlines():
        match = _MD_HEADING.match(line.strip())
        if match:
            text = re.sub(r"[*_`]", "", match.group(2)).strip()
            levels.setdefault(len(match.group(1)), []).append(_NUMBER.sub("", text))
    return levels


def page_times(pdf: Path) -> list[float]:
    """Milliseconds per page of the page-level work (text, layout, the hidden-text scan), page by page."""
    import pymupdf

    times = []
    with pymupdf.open(pdf) as doc:
        for index, page in enumerate(doc):
            start = time.perf_counter()
            blocks, listed = page_blocks(page)
            page_lines(blocks, index + 1, hidden_spans(page, index + 1, blocks, listed))
            times.append((time.perf_counter() - start) * 1000)
    return times


def scores(predicted: list[str], gold: list[str]) -> tuple[int, int, int]:
    return match_headings(predicted, gold), len(predicted), len(gold)


def prf(t: tuple[int, int, int]) -> str:
    m, p, g = t
    return f"P {m / p if p else 0:.2f}  R {m / g if g else 0:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions (the median is kept)")
    args = parser.parse_args()
    papers = corpus_papers()
    if not papers:
        sys.exit(f"no corpus at {CORPUS}")
    modes = ("legacy", "layout")
    ours_ms: list[float] = []
    base_ms: dict[str, list[float]] = {m: [] for m in modes}
    ours_tot = [0, 0, 0]
    base_tot = {m: [0, 0, 0] for m in modes}
    best_tot = {m: [0, 0, 0] for m in modes}
    titles = authors_found = authors_total = invented = slow_pages = all_pages = 0
    worst_pages: list[tuple[float, str]] = []
    sub_tot = [0, 0, 0]
    header = (
        f"{'paper':40s} {'pages':>5s} {'ours ms/p':>9s} {'legacy':>7s} {'layout':>7s}  "
        f"{'ours P/R':15s} {'legacy P/R':15s} {'layout P/R':15s}"
    )
    print(header)
    print("-" * len(header))
    for gold in papers:
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            paper = build_paper(read_pdf_file(gold.pdf, max_pages=500), str(gold.pdf))
            runs.append(time.perf_counter() - start)
        pages = paper.pages
        ours_ms.append(statistics.median(runs) * 1000 / pages)
        per_page = page_times(gold.pdf)
        worst_pages.append((max(per_page), gold.slug))
        slow_pages += sum(t > 300 for t in per_page)
        all_pages += len(per_page)
        ours = scores(paper.top_level_headings(), gold.sections)
        subs = [x.heading for x in paper.sections if x.level == 2 and x.printed]
        for i, v in enumerate(scores(subs, gold.subsections)):
            sub_tot[i] += v
        for i in range(3):
            ours_tot[i] += ours[i]
        row = {}
        for mode in modes:
            brun = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                levels = baseline_headings(gold.pdf, layout=mode == "layout")
                brun.append(time.perf_counter() - start)
            base_ms[mode].append(statistics.median(brun) * 1000 / pages)
            every = scores([h for hs in levels.values() for h in hs], gold.sections)
            per_level = [scores(hs, gold.sections) for hs in levels.values()] or [(0, 0, len(gold.sections))]
            best = max(per_level, key=lambda t: 2 * t[0] / (t[1] + t[2]) if t[1] + t[2] else 0)
            for i in range(3):
                base_tot[mode][i] += every[i]
                best_tot[mode][i] += best[i]
            row[mode] = every
        titles += norm_key(paper.title) == norm_key(gold.meta["title"])
        authors_total += len(gold.meta["authors"])
        authors_found += sum(author_found(a, [x.name for x in paper.authors]) for a in gold.meta["authors"])
        invented += sum(not affiliation_supported(a, gold.meta["affiliations"]) for a in paper.affiliations)
        print(
            f"{gold.slug:40s} {pages:5d} {ours_ms[-1]:9.1f} {base_ms['legacy'][-1]:7.1f} "
            f"{base_ms['layout'][-1]:7.1f}  {prf(ours):15s} {prf(row['legacy']):15s} {prf(row['layout']):15s}"
        )

    print("-" * len(header))
    med = statistics.median(ours_ms)
    print(
        f"median ms/page: referee {med:.1f}; "
        + "; ".join(
            f"pymupdf4llm {m} {t:.1f} ({t / med:.1f}x referee)"
            for m, t in ((m, statistics.median(base_ms[m])) for m in modes)
        )
    )
    worst, where = max(worst_pages)
    print(f"page-level work: slowest page {worst:.0f} ms ({where}); pages over 300 ms: {slow_pages}/{all_pages}")
    print(f"top-level headings, corpus micro-average: referee {prf(tuple(ours_tot))}")
    print(f"subsections (level 2), corpus micro-average: referee {prf(tuple(sub_tot))}")
    for mode in modes:
        print(
            f"  pymupdf4llm {mode}: every Markdown heading {prf(tuple(base_tot[mode]))}; "
            f"best single '#' level per paper {prf(tuple(best_tot[mode]))}"
        )
    print(f"titles {titles}/{len(papers)}, authors {authors_found}/{authors_total}, invented affiliations {invented}")


if __name__ == "__main__":
    main()
