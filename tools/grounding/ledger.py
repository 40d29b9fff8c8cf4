"""What earlier cards said: the model-written sentences kept on each paper's card, so that a sentence that
stands, the same or nearly, on the card of another paper is known for what it is: one that could describe any
paper (a template the model fills in for every paper, such as a missing-baselines remark in the same words)."""

from __future__ import annotations

from pathlib import Path

import diskcache

from ...paper import Paper
from ..extraction.text import norm_key
from .wording import key_words


class SentenceLedger:
    """Per paper (by title), the sentences its latest card kept; kept in the cache folder."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._cache = diskcache.Cache(str(directory / "sentences"), size_limit=2**28)

    @staticmethod
    def key(paper: Paper) -> str:
        return norm_key(paper.title) or paper.source

    def elsewhere(self, paper: Paper) -> list[set[str]]:
        """The key words of each sentence kept on the cards of other papers."""
        own = self.key(paper)
        found = []
        for key in self._cache.iterkeys():
            if key != own:
                found += [key_words(s) for s in self._cache.get(key, default=[])]
        return found

    def record(self, paper: Paper, sentences: list[str]) -> None:
        self._cache.set(self.key(paper), list(dict.fromkeys(sentences)))

    def close(self) -> None:
        self._cache.close()
