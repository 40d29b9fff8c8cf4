"""The paper as numbered units, so that a model can point where it would otherwise copy (deterministic, no LLM).

Sentences are `S1`, `S2`, ... in reading order (the abstract first, then every section that is not private);
table cells are `T2.r3.c1` (the paper's second extracted table, row 3, cell 1, both counted from 0); reference
entries are `R7` (the entry's position in the bibliography). The paper digest prints these ids, a model cites
them, and code copies the sentence, the cell or the entry into the card: no quote, number or reference text a
model typed reaches a card. An id that does not resolve resolves to nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...paper import Paper, Reference, Section, Table
from ..grounding.numbers import numbers_in

# Headings whose sections carry no review content and may name people (the digest leaves them out).
PRIVATE = re.compile(r"acknowledg|credit author|author contributions?|funding|correspondence", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[])|(?<=[\u3002\uff01\uff1f])\s*")  # and 。！？
_SENTENCE_ID = re.compile(r"\bS\s*(\d{1,5})\b", re.I)
_CELL_ID = re.compile(r"\bT\s*(\d{1,3})\W{0,3}r\s*(\d{1,3})\W{0,3}c\s*(\d{1,3})\b", re.I)
_REFERENCE_ID = re.compile(r"\bR\s*(\d{1,4})\b", re.I)


@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    page: int
    section: int | None  # index in paper.sections; None for the abstract


@dataclass(frozen=True)
class Cell:
    id: str
    table: Table
    row: int
    column: int
    text: str

    @property
    def row_label(self) -> str:
        """The row's first cell, when it is a label rather than a value."""
        first = self.table.rows[self.row][0] if self.table.rows[self.row] else ""
        return "" if self.column == 0 or not is_label(first) else first

    @property
    def column_label(self) -> str:
        """The cells of the header rows (rows of labels) right above the cell's block of values, in its column;
        a header one cell shorter than the row lacks its corner cell and is read one column to the left."""
        cells, found = self.table.rows[self.row], []
        for above in reversed(self.table.rows[: self.row]):
            labels = bool(above) and all(is_label(c) for c in above)
            if not labels:
                if found:
                    break
                continue
            if len(above) == len(cells):
                found.append(above[self.column])
            elif len(above) == len(cells) - 1 and self.column >= 1:
                found.append(above[self.column - 1])
            else:
                break
        return " ".join(reversed(found))


def is_label(cell: str) -> bool:
    return not numbers_in(cell) and bool(cell.strip())


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) for each sentence of `text`, whitespace collapsed."""
    out, start = [], 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = " ".join(text[start:end].split())
        if piece:
            out.append((start, piece))
        if match:
            start = match.end()
    return out


def readable_sections(paper: Paper) -> list[tuple[int, Section]]:
    """(index, section) for every section a reviewer may read: all but acknowledgements, funding and the like."""
    return [(i, s) for i, s in enumerate(paper.sections) if not PRIVATE.search(s.heading)]


class Units:
    """The numbered sentences, table cells and reference entries of one paper."""

    def __init__(self, paper: Paper) -> None:
        self.paper = paper
        self.sentences: list[Sentence] = []
        for _, text in split_sentences(paper.abstract):
            self._add(text, paper.abstract_page, None)
        for index, section in readable_sections(paper):
            for offset, text in split_sentences(section.text):
                self._add(text, section.page_of(offset), index)
        self._by_id = {s.id: s for s in self.sentences}

    def _add(self, text: str, page: int, section: int | None) -> None:
        self.sentences.append(Sentence(f"S{len(self.sentences) + 1}", text, page, section))

    def of_section(self, index: int | None) -> list[Sentence]:
        return [s for s in self.sentences if s.section == index]

    def sentence(self, pointer: str) -> Sentence | None:
        """The sentence the first sentence id in `pointer` names ("S12", "[S12]", "S12, S14")."""
        for match in _SENTENCE_ID.finditer(pointer or ""):
            if found := self._by_id.get(f"S{int(match.group(1))}"):
                return found
        return None

    def cell(self, pointer: str) -> Cell | None:
        """The table cell `pointer` names ("T2.r3.c1"); None unless it exists and holds a number."""
        match = _CELL_ID.search(pointer or "")
        if not match:
            return None
        t, r, c = (int(g) for g in match.groups())
        if not 1 <= t <= len(self.paper.tables):
            return None
        table = self.paper.tables[t - 1]
        if r >= len(table.rows) or c >= len(table.rows[r]) or not numbers_in(table.rows[r][c]):
            return None
        return Cell(f"T{t}.r{r}.c{c}", table, r, c, table.rows[r][c])

    def reference(self, pointer: str) -> Reference | None:
        """The bibliography entry `pointer` names ("R7")."""
        for match in _REFERENCE_ID.finditer(pointer or ""):
            number = int(match.group(1))
            if 1 <= number <= len(self.paper.references):
                return self.paper.references[number - 1]
        return None


def table_lines(paper: Paper, index: int) -> list[str]:
    """One table as the digest prints it: its id and caption, then each row with its id and numbered cells."""
    table = paper.tables[index]
    tid = f"T{index + 1}"
    lines = [f"[{tid}] {table.caption} (p. {table.page})"]
    for r, row in enumerate(table.rows):
        lines.append(f"{tid}.r{r}: " + " | ".join(f"c{c} {cell}" for c, cell in enumerate(row)))
    return lines
