"""The on-disk cache (diskcache: SQLite-backed, safe for several processes at once).

Versioned PDFs and metadata are kept for good; an unversioned id's metadata expires after
`metadata_ttl` seconds because a new version may appear.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import diskcache


class PaperCache:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._cache = diskcache.Cache(str(directory / "papers"), size_limit=5 * 2**30)

    def get(self, key: str) -> Any:
        return self._cache.get(key)

    def set(self, key: str, value: Any, expire: float | None) -> None:
        self._cache.set(key, value, expire=expire)

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> PaperCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
