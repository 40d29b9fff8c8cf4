"""Charts as SVG (matplotlib's SVG backend: no script, text kept as text): bar charts with a title and a one-line
description for screen readers, always shown beside a table of the same numbers."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit: the SVG backend alone
from matplotlib.figure import Figure  # noqa: E402

from ...contract.verdict import BANDS  # noqa: E402

_STYLE = {
    "svg.fonttype": "none",  # text stays text: searchable, readable by screen readers, small
    "svg.hashsalt": "referee",  # the same numbers draw the same file
    "font.family": "DejaVu Sans",
    "font.size": 9,
}
BAR = "#1f3a5a"


@dataclass(frozen=True)
class Chart:
    name: str  # the file's stem, e.g. "scores"
    title: str
    alt: str  # what the chart shows, in one sentence
    header: tuple[str, str]  # the table's two column names
    rows: list[tuple[str, int]]
    svg: str

    def inline(self) -> str:
        """The SVG for an HTML page: role img, its description as the accessible name and as <title>."""
        head = f'<svg role="img" aria-label={quoteattr(self.alt)} '
        body = re.sub(r"^.*?<svg ", head, self.svg, count=1, flags=re.S)
        return re.sub(r"(<svg [^>]*>)", rf"\1<title>{escape(self.alt)}</title>", body, count=1)


def bar_chart(name: str, title: str, alt: str, header: tuple[str, str], rows: list[tuple[str, int]]) -> Chart:
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(6.0, 0.5 + 0.32 * max(len(rows), 3)), layout="constrained")
        ax = fig.subplots()
        labels = [label for label, _ in rows][::-1]
        values = [value for _, value in rows][::-1]
        bars = ax.barh(labels, values, color=BAR, height=0.6)
        ax.bar_label(bars, padding=3)
        ax.set_title(title, loc="left", fontsize=10, fontweight="bold")
        ax.set_xlabel(header[1])
        ax.set_xlim(0, max([*values, 1]) * 1.15)
        ax.xaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": "Referee"})
    return Chart(name=name, title=title, alt=alt, header=header, rows=rows, svg=out.getvalue())


def score_rows(scores: Iterable[float]) -> list[tuple[str, int]]:
    """How many scores fall in each one-point bin, 0–1 to 9–10 (10 in the last)."""
    counts = Counter(min(int(s), 9) for s in scores)
    return [(f"{b}–{b + 1}", counts.get(b, 0)) for b in range(10)]


def label_rows(labels: Iterable[str]) -> list[tuple[str, int]]:
    counts = Counter(labels)
    return [(label, counts.get(label, 0)) for label, _, _ in BANDS]


def most(rows: list[tuple[str, int]]) -> str:
    top = max(rows, key=lambda r: r[1])
    return f"most in {top[0]} ({top[1]})" if top[1] else "none"
