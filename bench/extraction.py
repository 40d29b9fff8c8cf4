"""Extraction benchmark on the shared corpus: time per page and top-level heading precision/recall,
side by side with pymupdf4llm's Markdown headings as the baseline (same process, same pages).

pymupdf4llm 2 has two modes, both measured: "legacy" (font-size header detection, as in its 0.x
releases) and "layout" (the pymupdf-layout model). Importing it switches PyMuPDF's layout mode on
globally, so it is switched off again before Referee's own extraction is timed.

    python bench/extraction.py [--repeat 3]

Gold headings are the \\section{} / \\section*{} titles of each paper's LaTeX source; gold reference counts,
table and figure captions come from the same source (bench/latex_gold.py). After the per-paper table, a
row per template family (read from meta.json's venue_or_template) gives its headings, references within
10% of the list, and captions attached to their own table or figure; the last lines count titles, authors (from
meta.json), and abstracts found where the source writes one and reported absent where it writes none.

Time is measured three ways: in-process milliseconds per page (the median of --repeat runs), beside MuPDF's own
text reading of the same pages in the same process (how fast the machine is at that moment: the ratio is what
compares across machines and runs), the page-level
work of every page (each page over 300 ms is listed beside the time MuPDF alone takes to read its text), and
the whole command a user runs, in seconds ("cmd s": `review extract --json` with an empty cache; "4llm":
pymupdf4llm's legacy Markdown of the same PDF, each in a fresh interpreter).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latex_gold import (  # noqa: E402
    CORPUS,
    GoldPaper,
    abstract_right,
    affiliation_supported,
    author_found,
    captions_attached,
    corpus_papers,
    match_headings,
    unprinted_bibliography,
)

from referee.tools.extraction.pdf import (  # noqa: E402
    DICT_FLAGS,
    hidden_spans,
    page_blocks,
    page_lines,
    read_pdf_file,
)
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


def command_seconds(pdf: Path, baseline: bool = False) -> float:
    """Wall time of the whole command a user runs on the paper, interpreter start and imports included:
    `review extract --json` with an empty cache, or (baseline) pymupdf4llm's legacy-mode Markdown of the PDF."""
    with tempfile.TemporaryDirectory() as cache:
        argv = (
            [sys.executable, "-c", f"import pymupdf4llm as m; m.use_layout(False); m.to_markdown({str(pdf)!r})"]
            if baseline
            else [sys.executable, "-m", "referee", "extract", str(pdf), "--json", "--cache-dir", cache]
        )
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=os.environ)
        return time.perf_counter() - start


def mupdf_page_ms(pdf: Path, repeat: int) -> list[float]:
    """Milliseconds MuPDF alone takes to read each page's text as Referee asks for it (`get_text("dict")`,
    images left out; the median of `repeat` readings of the whole PDF). No extraction reads a page faster, so
    a page slower than 300 ms is judged against it, and their mean per paper is the same-process baseline
    that says how fast this machine is at the moment of measuring."""
    import pymupdf

    with pymupdf.open(pdf) as doc:
        readings = []
        for _ in range(repeat):
            times = []
            for page in doc:
                start = time.perf_counter()
                page.get_text("dict", flags=DICT_FLAGS)
                times.append((time.perf_counter() - start) * 1000)
            readings.append(times)
    return [statistics.median(page) for page in zip(*readings, strict=True)]


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


FAMILIES = (  # template families, by the words meta.json uses to name the template
    ("REVTeX", "revtex"), ("JMLR", "jmlr"), ("ACM acmart", "acmart"), ("IEEEtran", "ieeetran"),
    ("Springer LNCS", "llncs"), ("Elsevier", "elsarticle"), ("SIAM", "siam"), ("PLOS", "plos"),
    ("CVPR", "cvpr"), ("IPSJ (Japanese)", "ipsj"), ("NeurIPS/NIPS", "nips"), ("NeurIPS/NIPS", "neurips"),
    ("ICML", "icml"), ("ICLR", "iclr"), ("AAAI", "aaai"), ("ACL", "acl.sty"), ("plain article", "article"),
)  # fmt: skip


def family(gold: GoldPaper) -> str:
    named = gold.meta.get("venue_or_template", "").lower()
    return next((name for name, word in FAMILIES if word in named), "other")


def scores(predicted: list[str], gold: list[str]) -> tuple[int, int, int]:
    return match_headings(predicted, gold), len(predicted), len(gold)


def prf(t: tuple[int, int, int]) -> str:
    m, p, g = t
    return f"P {m / p if p else 0:.2f}  R {m / g if g else 0:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions (the median is kept)")
    parser.add_argument("--ours-only", action="store_true", help="skip the pymupdf4llm baseline (quicker)")
    args = parser.parse_args()
    papers = corpus_papers()
    if not papers:
        sys.exit(f"no corpus at {CORPUS}")
    modes = () if args.ours_only else ("legacy", "layout")
    families: dict[str, dict[str, list[int]]] = {}
    ours_ms: list[float] = []
    floor_ms: list[float] = []  # MuPDF's own text reading of the same pages, per paper
    commands: list[float] = []
    base_commands: list[float] = []
    base_ms: dict[str, list[float]] = {m: [] for m in modes}
    ours_tot = [0, 0, 0]
    base_tot = {m: [0, 0, 0] for m in modes}
    best_tot = {m: [0, 0, 0] for m in modes}
    titles = authors_found = authors_total = invented = slow_pages = all_pages = 0
    abstracts = {True: [0, 0], False: [0, 0]}  # source writes an abstract -> [extracted right, papers]
    worst_pages: list[tuple[float, str, int]] = []
    slow: list[str] = []
    sub_tot = [0, 0, 0]
    header = (
        f"{'paper':40s} {'pages':>5s} {'ours ms/p':>9s} {'legacy':>7s} {'layout':>7s} {'cmd s':>5s} {'4llm':>5s}  "
        f"{'ours P/R':15s} {'legacy P/R':15s} {'layout P/R':15s} {'refs':>7s} {'tables':>6s} {'figs':>5s}"
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
        floors = mupdf_page_ms(gold.pdf, args.repeat)
        floor_ms.append(statistics.fmean(floors))
        per_page = page_times(gold.pdf)
        worst_pages.append((max(per_page), gold.slug, per_page.index(max(per_page))))
        slow_pages += sum(t > 300 for t in per_page)
        slow += [
            f"{gold.slug} p.{i + 1}: {t:.0f} ms (MuPDF's own text reading {floors[i]:.0f} ms)"
            for i, t in enumerate(per_page)
            if t > 300
        ]
        command = command_seconds(gold.pdf)
        base_command = command_seconds(gold.pdf, baseline=True) if modes else None
        commands.append(command)
        base_commands += [base_command] if base_command else []
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
        abstracts[gold.has_abstract][0] += abstract_right(gold, paper)
        abstracts[gold.has_abstract][1] += 1
        authors_total += len(gold.meta["authors"])
        authors_found += sum(author_found(a, [x.name for x in paper.authors]) for a in gold.meta["authors"])
        invented += sum(not affiliation_supported(a, gold.meta["affiliations"]) for a in paper.affiliations)
        printed = gold.references is not None and not unprinted_bibliography(paper)
        refs_ok = printed and abs(len(paper.references) - gold.references) <= 0.1 * gold.references
        tables = captions_attached(gold.tables, paper.tables)
        figures = captions_attached(gold.figures, paper.figures)
        tally = families.setdefault(family(gold), {k: [0, 0] for k in ("headings", "refs", "captions")})
        for key, got, out_of in (
            ("headings", ours[0], max(ours[1], ours[2])),
            ("refs", int(refs_ok), int(printed)),
            ("captions", tables + figures, len(gold.tables) + len(gold.figures)),
        ):
            tally[key][0] += got
            tally[key][1] += out_of
        base = {m: (f"{base_ms[m][-1]:7.1f}", prf(row[m])) for m in modes}
        legacy, layout = base.get("legacy", ("-", "-")), base.get("layout", ("-", "-"))
        print(
            f"{gold.slug:40s} {pages:5d} {ours_ms[-1]:9.1f} {legacy[0]:>7s} {layout[0]:>7s} {command:5.1f} "
            f"{f'{base_command:5.1f}' if base_command else '    -'}  {prf(ours):15s} "
            f"{legacy[1]:15s} {layout[1]:15s} {len(paper.references):>3d}/{gold.references if printed else '-':<3} "
            f"{tables:>2d}/{len(gold.tables):<3d} {figures:>2d}/{len(gold.figures):<2d}"
        )

    print("-" * len(header))
    print(f"{'template family':24s} {'papers':>6s} {'headings':>9s} {'refs ±10%':>9s} {'captions':>9s}")
    for name, tally in sorted(families.items()):
        count = sum(1 for g in papers if family(g) == name)
        cells = [f"{got}/{out_of}" for got, out_of in tally.values()]
        print(f"{name:24s} {count:>6d} {cells[0]:>9s} {cells[1]:>9s} {cells[2]:>9s}")
    print("-" * len(header))
    med = statistics.median(ours_ms)
    floor = statistics.median(floor_ms)
    print(
        f"median ms/page: referee {med:.1f}; MuPDF's own text reading {floor:.1f} (referee {med / floor:.1f}x it, "
        f"per paper {statistics.median(o / f for o, f in zip(ours_ms, floor_ms, strict=True)):.1f}x); "
        + "; ".join(
            f"pymupdf4llm {m} {t:.1f} ({t / med:.1f}x referee)"
            for m, t in ((m, statistics.median(base_ms[m])) for m in modes)
        )
    )
    whole = f"whole command, median s/paper: referee {statistics.median(commands):.2f}"
    if base_commands:
        whole += f"; pymupdf4llm legacy {statistics.median(base_commands):.2f}"
    print(whole)
    totals = {k: [sum(t[k][i] for t in families.values()) for i in (0, 1)] for k in ("refs", "captions")}
    print(
        f"reference lists within 10% of the cited entries: {totals['refs'][0]}/{totals['refs'][1]}; "
        f"captions attached to their own table or figure: {totals['captions'][0]}/{totals['captions'][1]}"
    )
    worst, where, index = max(worst_pages)
    print(
        f"page-level work: slowest page {worst:.0f} ms ({where} p.{index + 1}); pages over 300 ms: "
        f"{slow_pages}/{all_pages}"
    )
    for line in slow:
        print(f"  {line}")
    print(f"top-level headings, corpus micro-average: referee {prf(tuple(ours_tot))}")
    print(f"subsections (level 2), corpus micro-average: referee {prf(tuple(sub_tot))}")
    for mode in modes:
        print(
            f"  pymupdf4llm {mode}: every Markdown heading {prf(tuple(base_tot[mode]))}; "
            f"best single '#' level per paper {prf(tuple(best_tot[mode]))}"
        )
    print(f"titles {titles}/{len(papers)}, authors {authors_found}/{authors_total}, invented affiliations {invented}")
    (found, written), (empty, unwritten) = abstracts[True], abstracts[False]
    print(f"abstracts found {found}/{written}; reported absent where the source writes none {empty}/{unwritten}")


if __name__ == "__main__":
    main()
