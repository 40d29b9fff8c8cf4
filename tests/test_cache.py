from __future__ import annotations

import subprocess
import sys
import time

from referee.tools.sources.cache import PaperCache

WRITER = """
import sys
from pathlib import Path
from referee.tools.sources.cache import PaperCache
cache = PaperCache(Path(sys.argv[1]))
for i in range(150):
    cache.set(f"pdf:{sys.argv[2]}-{i}", b"%PDF-" + bytes(2000), expire=None)
    assert cache.get(f"pdf:{sys.argv[2]}-{i}")[:5] == b"%PDF-"
cache.close()
"""


def test_two_processes_share_one_cache(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), name]) for name in ("a", "b")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    with PaperCache(tmp_path) as cache:
        assert all(cache.get(f"pdf:{n}-{i}") is not None for n in ("a", "b") for i in range(150))


def test_expiry(tmp_path):
    with PaperCache(tmp_path) as cache:
        cache.set("meta:2604.14702", {"title": "T"}, expire=0.1)
        cache.set("meta:2604.14702v1", {"title": "T"}, expire=None)
        assert cache.get("meta:2604.14702") == {"title": "T"}
        time.sleep(0.2)
        assert cache.get("meta:2604.14702") is None
        assert cache.get("meta:2604.14702v1") == {"title": "T"}
