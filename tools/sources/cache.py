"""The on-disk cache (diskcache: SQLite-backed, safe for several processes at once).

Versioned PDFs and metadata are kept for good; an unversioned id's metadata expires after
`metadata_ttl` seconds because a new version may appear.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import diskcache


class PaperCache:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._cache = diskcache.Cache(str(directory / "papers"), size_limit=5 * 2**30)

    @property
    def size_bytes(self) -> int:
        return self._cache.volume()

    def get(self, key: str) -> Any:
        return self._cache.get(key)

    def set(self, key: str, value: Any, expire: float | None) -> None:
        self._cache.set(key, value, expire=expire)

    def papers(self) -> dict[str, list[str]]:
        """Cached ids (as stored, versioned or not) and what is kept for each: meta, pdf."""
        found: dict[str, list[str]] = {}
        for key in self._cache.iterkeys():
            kind, _, paper = str(key).partition(":")
            found.setdefault(paper, []).append(kind)
        return dict(sorted(found.items()))

    def forget(self, arxiv_id: str) -> int:
        """Remove every entry of one paper (all its versions); returns how many were removed."""
        base = re.sub(r"v\d+$", "", arxiv_id)
        keys = [k for k in self._cache.iterkeys() if re.sub(r"v\d+$", "", str(k).partition(":")[2]) == base]
        for key in keys:
            self._cache.delete(key)
        return len(keys)

    def clear(self) -> int:
        return self._cache.clear()

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> PaperCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
