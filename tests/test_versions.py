"""A new version of a paper reviewed before: the card and the weekly report say what changed (sections, numbers
in tables, links) and how the score moved, compared from the two cards by code."""

from __future__ import annotations

import json

import pymupdf
from loopback import API_PATH, PDF_PATH, atom_feed
from pdfbuild import FILLER, LEFT, H, W, _paragraph, _text, two_column_paper
from test_cli_extract import review as run_cli
from test_cli_review import env_for
from werkzeug import Request, Response

from referee.contract.card import Card, CardHeader
from referee.contract.verdict import Verdict
from referee.paper import Link
from referee.tools.publishing.versions import changes


def _card(version: int, score: float, outline: list[str], rows: list[list[str]], links: list[str]) -> Card:
    return Card(
        header=CardHeader(title="T", source=f"2604.90001v{version}", arxiv_id="2604.90001", version=version,
                          authors=[]),
        created_at="2026-04-14T10:00:00" if version == 1 else "2026-05-20T10:00:00",
        verdict=Verdict(reasons=["r"], score=score, label="SOLID", confidence=3, tldr="t"),
        outline=outline, tables=[{"label": "Table 1", "caption": "c", "page": 3, "rows": rows}],
        links=[Link(url=u, kind="code", page=1) for u in links],
    )  # fmt: skip


def test_changes_name_sections_numbers_links_and_the_score():
    old = _card(1, 6.4, ["Introduction", "Method", "Results"], [["A", "0.81", "0.75"], ["B", "0.70", "0.69"]],
                ["https://github.com/x/a"])  # fmt: skip
    links = ["https://github.com/x/a", "https://x.org/data"]
    new = _card(2, 7.1, ["Introduction", "Method", "Ablation study", "Results"],
                [["A", "0.83", "0.75"], ["B", "0.70", "0.66"]], links)  # fmt: skip
    found = changes(old, "2604.90001v1", new)
    assert found.sections_added == ["Ablation study"] and found.sections_removed == []
    assert found.tables_changed == ["Table 1: 2 numbers changed"] and found.links_added == ["https://x.org/data"]
    assert found.line(2) == ('v2 of a paper reviewed in week 2026-W16 (2604.90001v1): 6.4 \u2192 7.1, new section '
                             '"Ablation study", Table 1: 2 numbers changed, 1 link added')  # fmt: skip
    same = changes(old, "2604.90001v1", old)
    assert same.line(1).endswith("6.4 \u2192 6.4, no section, table number or link changed")


def test_reviewing_v2_after_v1_puts_the_changes_on_the_card(httpserver, tmp_path):
    v1, v2 = tmp_path / "v1.pdf", tmp_path / "v2.pdf"
    two_column_paper(v1)
    doc = pymupdf.open(v1)
    page = doc.new_page(width=W, height=H)
    _text(page, LEFT, 80, "5 Ablation study", size=12, bold=True)
    _paragraph(page, LEFT, 100, "Removing the sparse prior raises error. The new code is at "
               "https://github.com/example/sparse-tiny-v2 for anyone. " + FILLER)  # fmt: skip
    doc.save(v2)

    def api(request: Request) -> Response:
        wanted = request.args.get("id_list", "")
        version = 2 if wanted.endswith("v2") else 1
        return Response(atom_feed("2604.90001", version, "Sparse Estimators for Tiny Graphs", ["Ada Lovelace"]))

    httpserver.expect_request(API_PATH).respond_with_handler(api)
    httpserver.expect_request(f"{PDF_PATH}/2604.90001v1").respond_with_data(v1.read_bytes())
    httpserver.expect_request(f"{PDF_PATH}/2604.90001v2").respond_with_data(v2.read_bytes())
    _, env = env_for(httpserver, tmp_path)
    env |= {"REFEREE_ARXIV_API_URL": httpserver.url_for(API_PATH),
            "REFEREE_ARXIV_PDF_URL": httpserver.url_for(PDF_PATH), "REFEREE_REQUEST_INTERVAL": "0"}  # fmt: skip
    out = tmp_path / "out"
    for ident in ("2604.90001v1", "2604.90001v2"):
        result = run_cli("paper", ident, "--out", str(out), env=env, timeout=120)
        assert result.returncode == 0, result.stderr
    first = json.loads((out / "2604.90001v1" / "card.json").read_text())
    second = json.loads((out / "2604.90001v2" / "card.json").read_text())
    assert first["changes"] is None and second["changes"]["previous"] == "2604.90001v1"
    assert "Ablation study" in second["changes"]["sections_added"]
    assert "https://github.com/example/sparse-tiny-v2" in second["changes"]["links_added"]
    md = (out / "2604.90001v2" / "card.md").read_text()
    assert "> Changes: v2 of a paper reviewed in week" in md and 'new section \\"Ablation study\\"' in md.replace(
        '"', '\\"'
    )


def test_the_weekly_report_names_a_new_version_and_its_changes():
    from referee.tools.publishing.render import esc
    from referee.tools.publishing.report import RankedPaper, _paper_md

    said = 'v2 of a paper reviewed in week 2026-W16 (2604.90001v1): 6.4 \u2192 7.1, new section "Ablation study"'
    entry = RankedPaper(rank=1, arxiv_id="2604.90001", title="T", authors=["A"], topic="Methods", score=7.1,
                        ranked_on="deep review", label="SOLID", confidence=3, tldr="t", card="../../x/card.md",
                        triage={"relevance": 8, "novelty": 7, "reason": ""}, attention={"points": 2}, changes=said,
                        note="expected attention: 2 points")  # fmt: skip
    assert f"*New version:* {esc(said)}" in _paper_md(entry)
