"""The calibration log: every verdict Referee writes (paper, version, model, score, label, date, run) in a SQLite
table under the cache directory, and how the scores spread per ISO week and per model. Scores that cluster (more
than CLUSTERED of them within one point of each other) are the sign of a model that does not discriminate."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .charts import score_rows

FILE = "calibration.sqlite"
CLUSTERED = 0.6  # of a group's scores within one point: the group is flagged
_SCHEMA = """
CREATE TABLE IF NOT EXISTS verdicts (
    id INTEGER PRIMARY KEY,
    paper TEXT NOT NULL,
    version INTEGER,
    model TEXT NOT NULL,
    score REAL NOT NULL,
    label TEXT NOT NULL,
    day TEXT NOT NULL,
    run TEXT NOT NULL,
    UNIQUE (paper, version, model, run)
)
"""


@dataclass(frozen=True)
class Logged:
    paper: str
    version: int | None
    model: str
    score: float
    label: str
    day: str  # YYYY-MM-DD
    run: str  # when the card was made: one review

    @property
    def week(self) -> str:
        year, week, _ = date.fromisoformat(self.day).isocalendar()
        return f"{year}-W{week:02d}"


def _open(cache_dir: Path) -> sqlite3.Connection:
    cache_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(cache_dir / FILE, timeout=30)
    db.execute(_SCHEMA)
    return db


def record(cache_dir: Path, row: Logged) -> None:
    """Keep one verdict (a run writing the same card twice keeps it once)."""
    with closing(_open(cache_dir)) as db, db:
        db.execute(
            "INSERT OR IGNORE INTO verdicts (paper, version, model, score, label, day, run) VALUES (?,?,?,?,?,?,?)",
            (row.paper, row.version, row.model, row.score, row.label, row.day, row.run),
        )


def logged(cache_dir: Path, weeks: int | None = None, today: date | None = None) -> list[Logged]:
    """The verdicts kept, oldest first; with `weeks`, those of the last N ISO weeks (this one included)."""
    if not (cache_dir / FILE).is_file():
        return []
    since = "0000-00-00"
    if weeks:
        monday = (today or date.today()) - timedelta(days=(today or date.today()).weekday())
        since = (monday - timedelta(weeks=weeks - 1)).isoformat()
    with closing(_open(cache_dir)) as db:
        rows = db.execute(
            "SELECT paper, version, model, score, label, day, run FROM verdicts WHERE day >= ? ORDER BY day, id",
            (since,),
        ).fetchall()
    return [Logged(*row) for row in rows]


@dataclass(frozen=True)
class Spread:
    """How one group's scores spread."""

    group: str
    n: int
    mean: float
    low: float
    high: float
    bins: list[tuple[str, int]]  # one-point bins, 0–1 to 9–10
    densest: float  # the largest share of scores within one point of each other

    @property
    def clustered(self) -> bool:
        return self.n >= 3 and self.densest > CLUSTERED


def densest(scores: list[float]) -> float:
    """The largest share of `scores` that one window of one point holds."""
    ordered = sorted(scores)
    best, start = 0, 0
    for end, high in enumerate(ordered):
        while high - ordered[start] > 1.0 + 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best / len(ordered) if ordered else 0.0


def spreads(rows: list[Logged], key: str) -> list[Spread]:
    """Per week (`key` "week") or per model ("model"), in order."""
    groups: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row.score)
    return [
        Spread(group=g, n=len(s), mean=sum(s) / len(s), low=min(s), high=max(s), bins=score_rows(s), densest=densest(s))
        for g, s in sorted(groups.items())
    ]
