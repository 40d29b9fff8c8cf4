"""BibTeX and RIS of a week's picks and of a newsletter issue: they parse back (bibtexparser, rispy) into the
same papers, and a title cannot break out of its field."""

from __future__ import annotations

import bibtexparser
import rispy

from referee.tools.publishing.export import Reference, to_bibtex, to_ris

REFS = [
    Reference(title="Sparse {Graph} Kernels & 100% Recall", authors=["Ana Müller", "Li, Wei"], arxiv_id="2604.00001",
              version=2, year="2026", date="2026-04-14", category="cs.LG", url="https://arxiv.org/abs/2604.00001v2",
              note="Referee: 7.2/10 SOLID (weekly report 2026-W16, rank 1)", keywords=["graphs"]),
    Reference(title="Closing }} early @misc{evil, title={owned}}{{", authors=["Ana Müller"], arxiv_id="2604.00002",
              year="2026"),
]  # fmt: skip


def test_bibtex_parses_back_into_the_same_papers_and_a_title_cannot_break_out():
    library = bibtexparser.parse_string(to_bibtex(REFS))
    assert not library.failed_blocks and len(library.entries) == 2
    first, second = library.entries
    assert first.key == "muller2026sparse" and second.key == "muller2026closing"
    assert first["eprint"] == "2604.00001v2" and first["archivePrefix"] == "arXiv" and first["primaryClass"] == "cs.LG"
    assert first["author"] == "Ana Müller and Li, Wei" and first["title"] == r"{Sparse {Graph} Kernels \& 100\% Recall}"
    assert "evil" not in [e.key for e in library.entries] and "owned" in second["title"]


def test_ris_parses_back_with_rispy():
    records = rispy.loads(to_ris(REFS))
    assert [r["title"] for r in records] == [REFS[0].title, REFS[1].title]
    assert records[0]["authors"] == ["Ana Müller", "Li, Wei"] and records[0]["urls"] == [REFS[0].url]
    assert records[0]["type_of_reference"] == "UNPB" and records[0]["number"] == "arXiv:2604.00001v2"
    assert records[0]["notes"] == [REFS[0].note] and records[1]["number"] == "arXiv:2604.00002"
