"""Extraction measured on every corpus paper against its LaTeX source and meta.json.

The corpus grew from the ten papers extraction was tuned on to 22 of many templates. Where the behaviour is
exact (titles, reading order, the appendix boundary, what a paper without an abstract or bibliography gives)
the tests say so exactly; where it is a quality figure, they assert the figure measured on all 22 papers as a
floor. Issue 13 raises these floors to its goals; a change that lowers one fails here.
"""

from __future__ import annotations

import functools

import pytest
from conftest import CORPUS
from latex_gold import (
    abstract_right,
    affiliation_supported,
    author_found,
    captions_attached,
    corpus_papers,
    match_headings,
    unprinted_bibliography,
)

from referee.tools.extraction.pdf import read_pdf_file
from referee.tools.extraction.sections import build_paper
from referee.tools.extraction.text import norm_key

pytestmark = [
    pytest.mark.skipif(not (CORPUS / "papers").is_dir(), reason=f"needs the shared corpus at {CORPUS}/papers"),
    # the first test extracts all 22 papers (about 150 s on 2 cores); the others reuse it
    pytest.mark.timeout(900),
]
# The committed PDF of this paper was compiled without its bibliography: its citations print as
# "[? ]" and no reference list exists to extract (checked below, not assumed).
NO_BIBLIOGRAPHY = {"kmodes-hospital-resident-init"}

# Measured on the 22 corpus papers (2026-11-26); floors, not goals (issue 13 has the goals).
AUTHOR_RECALL_FLOOR = 80 / 80
INVENTED_AFFILIATIONS_CEILING = 0  # a funding line and e-mail addresses were taken for institutions until 11-27
HEADING_PRECISION_FLOOR = 162 / 162
HEADING_RECALL_FLOOR = 162 / 164  # gold also counts a PLOS "Abstract" and an elsarticle \section*{References}
SUBSECTION_PRECISION_FLOOR = 202 / 206
SUBSECTION_RECALL_FLOOR = 202 / 207  # the misses are the source's macros (\OVK) printed expanded
PAPERS_WITH_GOOD_HEADINGS_FLOOR = 22  # precision and recall both at least 0.75 on the paper
ABSTRACTS_FOUND_FLOOR = 21  # of the 21 papers whose source writes an abstract (REVTeX prints its unlabelled)
REFERENCE_LISTS_FOUND_FLOOR = 21  # of the 21 papers whose PDF prints a bibliography
REFERENCE_COUNTS_FLOOR = 21  # lists within 10% of their LaTeX entries, of 21
CAPTIONS_ATTACHED_FLOOR = 191 / 191  # LaTeX captions found on their own numbered table or figure


@functools.cache
def extracted():
    return [(gold, build_paper(read_pdf_file(gold.pdf, max_pages=200), str(gold.pdf))) for gold in corpus_papers()]


def test_every_corpus_paper_is_extracted_whole():
    folders = sorted(p.parent.name for p in (CORPUS / "papers").glob("*/paper.pdf"))
    assert [g.slug for g, _ in extracted()] == folders and len(folders) >= 22
    for gold, paper in extracted():
        assert paper.pages == gold.meta["pdf_pages"], gold.slug


def test_titles_match_on_every_paper():
    misses = [(g.slug, p.title) for g, p in extracted() if norm_key(p.title) != norm_key(g.meta["title"])]
    assert misses == []


def test_authors_found():
    wanted = found = 0
    for gold, paper in extracted():
        names = [a.name for a in paper.authors]
        wanted += len(gold.meta["authors"])
        found += sum(author_found(name, names) for name in gold.meta["authors"])
    assert found / wanted >= AUTHOR_RECALL_FLOOR, f"{found}/{wanted} authors found"


def test_invented_affiliations_do_not_grow():
    invented = []
    for gold, paper in extracted():
        named = paper.affiliations + [a for author in paper.authors for a in author.affiliations]
        invented += [(gold.slug, a) for a in named if not affiliation_supported(a, gold.meta["affiliations"])]
    assert len(invented) <= INVENTED_AFFILIATIONS_CEILING, invented


def test_unknown_affiliation_is_said_not_guessed():
    unknown = [(g, p) for g, p in extracted() if not g.meta["affiliations"]]
    assert unknown
    for _gold, paper in unknown:
        assert paper.affiliations == [] and paper.affiliation_status == "unknown"
        assert all(a.affiliations == [] for a in paper.authors)


def test_top_level_headings_precision_and_recall():
    matched = predicted = expected = good = 0
    for gold, paper in extracted():
        headings = paper.top_level_headings()
        m = match_headings(headings, gold.sections)
        matched, predicted, expected = matched + m, predicted + len(headings), expected + len(gold.sections)
        good += m / max(len(headings), 1) >= 0.75 and m / max(len(gold.sections), 1) >= 0.75
    assert matched / predicted >= HEADING_PRECISION_FLOOR, (matched, predicted)
    assert matched / expected >= HEADING_RECALL_FLOOR, (matched, expected)
    assert good >= PAPERS_WITH_GOOD_HEADINGS_FLOOR, good


def test_subsections_precision_and_recall():
    """Levels count: a subsection reported at the top level (or a section at the second) is a miss."""
    matched = predicted = expected = 0
    for gold, paper in extracted():
        found = [s.heading for s in paper.sections if s.level == 2 and s.printed]
        matched += match_headings(found, gold.subsections)
        predicted, expected = predicted + len(found), expected + len(gold.subsections)
    assert matched / predicted >= SUBSECTION_PRECISION_FLOOR, (matched, predicted)
    assert matched / expected >= SUBSECTION_RECALL_FLOOR, (matched, expected)


def test_abstracts():
    found = 0
    for gold, paper in extracted():
        if gold.has_abstract:
            found += abstract_right(gold, paper)
        else:  # a paper without an abstract gets none, not its first paragraph
            assert abstract_right(gold, paper), gold.slug
    assert found >= ABSTRACTS_FOUND_FLOOR, found


def test_references():
    found = within = 0
    for gold, paper in extracted():
        if gold.slug in NO_BIBLIOGRAPHY:
            text = " ".join(s.text for s in paper.sections)
            assert "[? ]" in text and paper.references == [] and unprinted_bibliography(paper)
        else:
            found += len(paper.references) >= 5
            within += abs(len(paper.references) - gold.references) <= 0.1 * gold.references
    assert found >= REFERENCE_LISTS_FOUND_FLOOR, found
    assert within >= REFERENCE_COUNTS_FLOOR, within


def test_captions_are_attached_to_their_own_table_or_figure():
    attached = expected = 0
    for gold, paper in extracted():
        attached += captions_attached(gold.tables, paper.tables) + captions_attached(gold.figures, paper.figures)
        expected += len(gold.tables) + len(gold.figures)
    assert attached / expected >= CAPTIONS_ATTACHED_FLOOR, (attached, expected)


def test_sections_are_in_reading_order_with_pages():
    for gold, paper in extracted():
        starts = [s.page_start for s in paper.sections]
        assert starts == sorted(starts), gold.slug
        for s in paper.sections:
            assert 1 <= s.page_start <= s.page_end <= paper.pages
            assert all(s.page_start <= page <= s.page_end for _, page in s.page_offsets)


def test_appendix_boundary():
    with_appendix = {g.slug: p for g, p in extracted() if p.appendix}
    # the corpus README lists exactly these papers as having an appendix in the PDF
    assert set(with_appendix) == {
        "tudataset-grl2020",
        "stop-unscientific-agi-claims-icml2024",
        "minibatch-mh-acceptance-test",
        "allenai-sigtyp2024-libertus",
        "learned-transform-compression-softvqae",
        "orff-operator-valued-kernels-jmlr",
        "kaverages-clustering-plos",
        "catastrophic-goodhart-neurips2024",
    }
    for paper in with_appendix.values():
        index = paper.appendix.section_index
        assert all(s.appendix for s in paper.sections[index:]) and not any(s.appendix for s in paper.sections[:index])


def test_two_column_text_reads_in_order():
    """In two-column papers a sentence broken at the foot of a column continues at the head of the next."""
    paper = dict((g.slug, p) for g, p in extracted())["tudataset-grl2020"]
    intro = paper.sections[0]
    assert intro.heading == "Introduction"
    assert "Present work." in intro.text
    assert intro.text.index("However, most papers") < intro.text.index("Present work.")


def test_tables_figures_and_links():
    papers = {g.slug: p for g, p in extracted()}
    libertus = papers["allenai-sigtyp2024-libertus"]
    assert {t.label for t in libertus.tables} >= {"Table 1", "Table 2"}
    table1 = next(t for t in libertus.tables if t.label == "Table 1")
    cells = {c for row in table1.rows for c in row}
    assert {"CHU", "Old Church Slavonic"} <= cells
    assert any(
        link.url == "https://github.com/ljvmiranda921/LiBERTus" and link.kind == "code" for link in libertus.links
    )
    assert any(link.kind == "model" and "huggingface.co/ljvmiranda921" in link.url for link in libertus.links)
    tud = papers["tudataset-grl2020"]
    assert any("github.com/chrsmrrs/tudataset" in link.url and link.kind == "code" for link in tud.links)
    for gold, paper in extracted():
        for item in paper.tables + paper.figures:
            assert 1 <= item.page <= paper.pages and item.caption, gold.slug
