"""Which of a paper's sentences its reviewers' questions concern: BM25 (the bm25s library) over the numbered
sentences, one query per reviewer, every page eligible. A small budget is spent on these rather than on the
head of every section alone."""

from __future__ import annotations

import bm25s

from ..grounding.wording import stem_words
from .units import Sentence


def _tokens(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, stopwords="en", stemmer=stem_words, return_ids=False, show_progress=False)


def ranked(sentences: list[Sentence], queries: list[str]) -> list[list[Sentence]]:
    """For each query, the sentences that share a word with it, the most relevant first (BM25)."""
    if not sentences or not queries:
        return [[] for _ in queries]
    index = bm25s.BM25()
    index.index(_tokens([s.text for s in sentences]), show_progress=False)
    out = []
    for query in _tokens(queries):
        scores = index.get_scores(query) if query else [0.0] * len(sentences)
        order = sorted(range(len(sentences)), key=lambda i: -scores[i])
        out.append([sentences[i] for i in order if scores[i] > 0])
    return out


def pick(rankings: list[list[Sentence]], room: int, size) -> list[Sentence]:
    """Sentences taken in turn from the top of each ranking (each query gets its share) until `room`
    characters are spent; `size(sentence)` is what a sentence costs."""
    chosen: dict[str, Sentence] = {}
    used, positions = 0, [0] * len(rankings)
    while any(p < len(r) for p, r in zip(positions, rankings, strict=True)):
        for n, ranking in enumerate(rankings):
            while positions[n] < len(ranking) and ranking[positions[n]].id in chosen:
                positions[n] += 1
            if positions[n] >= len(ranking):
                continue
            sentence = ranking[positions[n]]
            positions[n] += 1
            if used + size(sentence) > room:
                continue  # a shorter one further down may still fit
            chosen[sentence.id] = sentence
            used += size(sentence)
    return list(chosen.values())
