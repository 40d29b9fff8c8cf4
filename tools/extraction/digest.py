"""The paper as reviewers read it: budgeted, author-blind text of numbered units (deterministic, no LLM).

Every sentence carries its id ([S12]), every table row and cell its own (T2.r3: c0 ... | c1 ...), every
reference entry its id ([R7]): reviewers cite ids, and code copies what they point at (tools/extraction/units.py).
Two layouts: "shared" gives every reviewer the same paper text (a common prompt prefix that llama.cpp reuses and
OpenAI discounts); "routed" gives each reviewer the sections that concern it.
"""

from __future__ import annotations

import re

from ...contract.card import Coverage
from ...contract.registry import Reviewer
from ...paper import Paper, Section
from .injection import redact
from .retrieval import pick, ranked
from .text import WIDE
from .units import PRIVATE, Units, table_lines

# Characters per token, on the safe side: measured on a corpus paper, Qwen2.5's tokenizer gave 6,225 tokens
# for text that characters / 4 put at 4,000 (numbers, symbols and names split into many tokens).
CHARS_PER_TOKEN = 2.6
# Kana, CJK ideographs, Hangul and full-width forms take about one token each (0.9 measured on the Japanese
# paper of the corpus): a budget in characters at the rate above would put three times too many into the prompt.
WIDE_CHAR_TOKENS = 1.0


def chars_per_token(text: str) -> float:
    """Characters per token for `text`: CHARS_PER_TOKEN, less where wide characters make up part of it."""
    wide = len(WIDE.findall(text))
    if not wide:
        return CHARS_PER_TOKEN
    return len(text) / (wide * WIDE_CHAR_TOKENS + (len(text) - wide) / CHARS_PER_TOKEN)


def blind(text: str, paper: Paper) -> str:
    """Remove author names and affiliations: reviews judge the work, not the lab."""
    names = {a.name for a in paper.authors} | set(paper.arxiv.authors if paper.arxiv else [])
    patterns = set()
    for name in names:
        parts = name.split()
        patterns.add(re.escape(name))
        if parts and len(parts[-1]) >= 3:
            patterns.add(re.escape(parts[-1]))
    for pattern in sorted(patterns, key=len, reverse=True):
        text = re.sub(rf"\b{pattern}\b", "[author]", text)
    affiliations = set(paper.affiliations) | {a for author in paper.authors for a in author.affiliations}
    for aff in sorted(affiliations, key=len, reverse=True):
        text = text.replace(aff, "[affiliation]")
    return text


# A section's first sentence is shown whole, even where it overruns the section's share, up to this length.
LONGEST_SENTENCE = 1000


def _numbered(sentences: list, limit: int, longest: int = LONGEST_SENTENCE) -> str:
    """Sentences with their ids, as many as fit in `limit` characters (a cut is marked); the first is shown
    whole up to `longest` characters, even past the limit."""
    out, used = [], 0
    for sentence in sentences:
        line = f"[{sentence.id}] {sentence.text}"
        if out and used + len(line) > limit:
            out.append("[...]")
            break
        if len(line) > max(limit, longest):  # no sentence ends for pages (a table, a run of symbols)
            out += [line[: max(limit, longest)], "[...]"]
            break
        out.append(line)
        used += len(line) + 1
    return " ".join(out)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    stop = head.rfind("\n")
    return (head[:stop] if stop > limit * 0.6 else head) + " [...]"


def select_sections(paper: Paper, reviewer: Reviewer | None) -> list[Section]:
    """The sections a reviewer reads: those whose headings hold a word it is routed (all for the shared text)."""
    usable = [s for s in paper.sections if not PRIVATE.search(s.heading)]
    if reviewer is None:
        return usable
    keys = reviewer.reads
    chosen: list[Section] = []
    parent_hit = False
    for s in usable:
        hit = any(k in s.heading.lower() for k in keys)
        if s.level == 1:
            parent_hit = hit
        if hit or (s.level > 1 and parent_hit):
            chosen.append(s)
    return chosen or usable[:3]


def _facts(paper: Paper, reviewer: Reviewer | None, budget: int) -> str:
    def wanted(extract: str) -> bool:
        return reviewer is None or extract in reviewer.extracts

    parts = []
    if paper.tables and wanted("tables"):
        rows = [line for i in range(len(paper.tables)) for line in table_lines(paper, i)[:13]]
        parts.append("TABLES (cite a cell as T<table>.r<row>.c<cell>)\n" + _cut("\n".join(rows), budget // 3))
    if wanted("links"):
        links = "\n".join(f"{link.kind}: {link.url} (p. {link.page})" for link in paper.links) or "none found"
        parts.append("LINKS PRINTED IN THE PAPER\n" + links)
    if paper.references and wanted("references"):
        refs = "\n".join(f"[R{r.index}] {r.text[:160]}" for r in paper.references[:60])
        parts.append("REFERENCES\n" + _cut(refs, budget // 6))
    return "\n\n".join(parts)


def _excerpt(sentences: list, shown: dict[str, int]) -> str:
    """The sentences whose ids are `shown` (each cut to the length it maps to), with their ids, in the paper's
    order; a gap is marked [...]."""
    out, gap = [], False
    for sentence in sentences:
        if sentence.id not in shown:
            gap = True
            continue
        out += ["[...]"] if gap else []
        limit = shown[sentence.id]
        text = sentence.text if len(sentence.text) <= limit else sentence.text[:limit] + " [...]"
        out.append(f"[{sentence.id}] {text}")
        gap = False
    return " ".join(out + (["[...]"] if gap else []))


def _cost(sentence, limit: int = LONGEST_SENTENCE) -> int:
    return min(len(sentence.text), limit) + len(sentence.id) + 10  # its id, brackets, a gap mark


WORDS = 8  # a shorter sentence (a run-in heading, a notice) says too little to be retrieved for a question


def _retrieved(lists: list[list], room: int, floor: int, queries: list[str]) -> list[str]:
    """Each section's opening (its first sentences, up to `floor` characters, the first cut there if longer),
    then the sentences the queries concern most, taken in turn for each query from anywhere in the paper,
    until `room` is spent."""
    shown: dict[str, int] = {}
    spent = 0
    for sentences in lists:
        used = 0
        for sentence in sentences:
            if used and used + _cost(sentence) > floor:
                break
            shown[sentence.id] = max(floor - len(sentence.id) - 4, 40) if not used else LONGEST_SENTENCE
            used += _cost(sentence, shown[sentence.id])
        spent += used
    eligible = [s for sentences in lists for s in sentences if s.id not in shown and len(s.text.split()) >= WORDS]
    for sentence in pick(ranked(eligible, queries), room - spent, _cost):
        shown[sentence.id] = LONGEST_SENTENCE
    return [_excerpt(sentences, shown) for sentences in lists]


def paper_text(
    paper: Paper, token_budget: int, reviewer: Reviewer | None = None, queries: list[str] | None = None
) -> str:
    """Title, the abstract and the selected sections as numbered sentences (cut to the budget), and extracted
    facts: tables, printed links, references. Where the sections do not fit and `queries` are given (the
    reviewers' questions), each section shows its opening and the rest of the room goes to the sentences the
    queries concern (retrieval.py); otherwise each section shows its head, in proportion to its size."""
    units = Units(paper)
    sample = paper.abstract + " ".join(s.text for s in paper.sections)
    budget = int(token_budget * chars_per_token(sample))
    head = f"TITLE: {paper.title}\n\nABSTRACT: {_numbered(units.of_section(None), budget)}"
    facts = _facts(paper, reviewer, budget)
    chosen = {id(s) for s in select_sections(paper, reviewer)}
    sections = [(i, s) for i, s in enumerate(paper.sections) if id(s) in chosen]
    titles = [
        f"SECTION {s.number + ' ' if s.number else ''}{s.heading} (pp. {s.page_start}-{s.page_end})"
        for _, s in sections
    ]
    room = max(budget - len(head) - len(facts) - sum(len(t) + 10 for t in titles), 1000)  # title, cut mark
    lists = [units.of_section(i) for i, _ in sections]
    sizes = [sum(len(u.text) + len(u.id) + 4 for u in units_) for units_ in lists]
    total = sum(sizes) or 1
    # every section gets a floor (its opening), the rest of the room goes by size; with many sections (a
    # 71-page paper has sixty) the floor shrinks so that the whole never outgrows the budget
    floor = min(300, room // max(len(sections), 1))
    spare = max(room - floor * len(sections), 0)
    if queries and total > room:
        excerpts = _retrieved(lists, room, floor, queries)
    else:
        shares = [size if total <= room else floor + int(spare * size / total) for size in sizes]
        excerpts = [
            _numbered(sents, share, longest=min(LONGEST_SENTENCE, share))
            for sents, share in zip(lists, shares, strict=True)
        ]
    body = [f"{title}\n{excerpt}" for title, excerpt in zip(titles, excerpts, strict=True)]
    text = "\n\n".join([head, *body, facts] if facts else [head, *body])
    return blind(redact(text, paper.hidden_text), paper)


def coverage(paper: Paper, text: str) -> Coverage:
    """How much of the paper's readable text (the abstract and sections a reviewer may read, by characters)
    the digest `text` holds, and from which pages: counted by the sentence ids it carries."""
    units = Units(paper)
    shown = {f"S{n}" for n in re.findall(r"\[S(\d+)\]", text)}
    read = [s for s in units.sentences if s.id in shown]
    total = sum(len(s.text) for s in units.sentences)
    share = sum(len(s.text) for s in read) / total if total else 0.0
    return Coverage(
        pages=paper.pages,
        pages_read=sorted({s.page for s in read}),
        share=round(share, 3),
        sections=len({s.section for s in units.sentences if s.section is not None}),
        sections_read=len({s.section for s in read if s.section is not None}),
    )


def estimate_tokens(text: str) -> int:
    return max(1, int(len(text) / chars_per_token(text)))
