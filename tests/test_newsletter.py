"""`review newsletter`: a draft from a weekly run's cards, issue numbering and the archive, provenance of every
sentence, and the email page in a real browser at 600 px."""

from __future__ import annotations

import email
import json
import re
import subprocess
from email import policy

import bibtexparser
import pymupdf
import pytest
import rispy
from fakes import FakeReviewModel, synthesize
from pdfbuild import two_column_paper
from test_cli_extract import review as run_cli
from test_render import CHROMIUM, review
from test_weekly import WEEK_ARGS, world

from referee.llm import StructuredLLM
from referee.newsletter import draft_issue
from referee.tools.publishing.attention import AttentionConfig
from referee.tools.publishing.newsletter import cards_from_paths

INVENTED = "The method cuts the error by 37.5% on every benchmark."


def sentences_of(issue: dict) -> list[dict]:
    found = issue["at_a_glance"] + issue["reading_guide"]
    found += [s for c in issue["concepts"] for s in c["sentences"]]
    found += [p["headline"] for p in issue["papers"]]
    found += [s for p in issue["papers"] for s in p["key_findings"] + p["applications"]]
    return found


def test_draft_from_a_weekly_run_numbers_issues_and_links_the_archive(httpserver, tmp_path):
    _, fake, env = world(httpserver, tmp_path)
    out = tmp_path / "out"
    result = run_cli(*WEEK_ARGS[:-1], "4", "--out", str(out), env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    weekly = out / "weekly" / "2026-W16"
    report = json.loads((weekly / "report.json").read_text())
    reviewed = [e for e in report["ranked"] if e["ranked_on"] == "deep review"]

    for number in (1, 2):
        result = run_cli("newsletter", "--weekly", str(weekly), "--out", str(out), env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        folder = out / "newsletter" / f"issue-{number:03d}"
        assert {"issue.md", "issue.html", "issue.json"} <= {p.name for p in folder.iterdir()}
        assert f"issue {number}:" in result.stderr
    issue = json.loads((out / "newsletter" / "issue-001" / "issue.json").read_text())
    assert [p["title"] for p in issue["papers"]] == [e["title"] for e in reviewed]
    assert [p["score"] for p in issue["papers"]] == [e["score"] for e in reviewed]
    for paper in issue["papers"]:
        assert (out / "newsletter" / "issue-001" / paper["card"]).resolve().is_file()
        assert 1 <= len(paper["key_findings"]) <= 3
    # every sentence of the draft maps to card fields that exist
    for sentence in sentences_of(issue):
        assert sentence["sources"] and set(sentence["sources"]) <= set(issue["fields"]), sentence
    assert issue["provenance"]["sentences"] > 0
    # the archive lists both issues; previous/next links point at files that exist
    index = (out / "newsletter" / "index.html").read_text()
    assert 'href="issue-001/issue.html"' in index and 'href="issue-002/issue.html"' in index
    first = (out / "newsletter" / "issue-001" / "issue.html").read_text()
    second = (out / "newsletter" / "issue-002" / "issue.html").read_text()
    assert 'href="../issue-002/issue.html"' in first and "&larr; previous" not in first
    assert 'href="../issue-001/issue.html"' in second and "next &rarr;" not in second
    for page, target in ((first, "../issue-002/issue.html"), (second, "../index.html")):
        assert target in page and (out / "newsletter" / "issue-001" / target).resolve().is_file()
    # the week's picks and the issue's papers as BibTeX and RIS, read back
    picks = bibtexparser.parse_string((weekly / "picks.bib").read_text())
    assert not picks.failed_blocks and [e["eprint"] for e in picks.entries] == [e["arxiv_id"] for e in report["ranked"]]
    assert len(rispy.loads((weekly / "picks.ris").read_text())) == len(report["ranked"])
    cited = bibtexparser.parse_string((out / "newsletter" / "issue-001" / "issue.bib").read_text()).entries
    assert [e["title"].strip("{}") for e in cited] == [p["title"] for p in issue["papers"]]
    assert all(e["author"] and e["note"].startswith("Referee: ") for e in cited)
    ris = rispy.loads((out / "newsletter" / "issue-001" / "issue.ris").read_text())
    assert [r["title"] for r in ris] == [p["title"] for p in issue["papers"]] and all(r["authors"] for r in ris)
    # --issue overrides the numbering
    result = run_cli("newsletter", "--weekly", str(weekly), "--issue", "7", "--out", str(out), env=env, timeout=120)
    assert result.returncode == 0 and (out / "newsletter" / "issue-007" / "issue.md").is_file()
    # drafted and emailed in one command (a dry run: the message is built and kept, not sent)
    site = "https://papers.example.org/"
    mail = {**env, "REFEREE_SMTP_FROM": "news@example.org", "REFEREE_SITE_URL": site}
    result = run_cli("newsletter", "--weekly", str(weekly), "--out", str(out), "--send", "--dry-run", "--to",
                     "a@example.org", env=mail, timeout=120)  # fmt: skip
    assert result.returncode == 0 and "issue 8:" in result.stderr and "dry run: not sent" in result.stderr
    saved = (out / "newsletter" / "issue-008" / "issue.eml").read_bytes()
    sent = email.message_from_bytes(saved, policy=policy.default)
    cards = re.findall(rf'href="{site}([^"]+/card\.html)"', sent.get_body(("html",)).get_content())
    assert len(cards) == len(reviewed) and all((out / card).is_file() for card in cards)


def make_cards(tmp_path, titles: list[str]):
    for n, title in enumerate(titles):
        pdf = tmp_path / f"paper{n}.pdf"
        two_column_paper(pdf, title=title)
        review(pdf, tmp_path / "cards")
    return cards_from_paths(str(tmp_path / "cards"), AttentionConfig())


def writer(responder) -> StructuredLLM:
    return StructuredLLM(chat=FakeReviewModel(responder=responder), backend="fake", model="fake", role="writer")


@pytest.mark.parametrize("rewrite_supported", [False, True])
def test_an_invented_number_is_flagged_then_rewritten_or_removed(tmp_path, rewrite_supported):
    cards, source = make_cards(tmp_path, ["Graph Kernels Revisited", "Sparse Message Passing"])
    supported = cards[0].fields["p1.tldr"]

    def responder(name, schema, prompt):
        if name == "NewsletterDraft":
            return {
                "at_a_glance": [
                    {"text": f"{supported} {INVENTED}", "sources": ["p1.tldr"]},
                    {"text": "Read the first paper next, as it", "sources": ["p1.tldr"]},  # cut off mid-sentence
                ],
                "concepts": [
                    {"name": cards[0].card.header.title, "sentences": [{"text": supported, "sources": ["p1.tldr"]}]}
                ],
                "reading_guide": [],
                "headlines": [],
            }
        if name == "Rewrites":
            index = int(re.search(r"^(\d+)\. ", prompt, re.M).group(1))
            text = f"{cards[0].card.header.title} is reviewed here." if rewrite_supported else INVENTED
            return {"items": [{"index": index, "text": text, "sources": ["p1.tldr"]}]}
        return synthesize(schema, prompt, name=name)

    issue, folder = draft_issue(cards, source, writer(responder), out=tmp_path, title="T", style="weekly")
    pv = issue.provenance
    # three overview sentences (one cut off), a concept's name and its sentence
    assert (pv.sentences, pv.flagged) == (5, 2)
    assert pv.flags[1]["problems"] == ["an unfinished sentence"] and pv.flags[1]["outcome"] == "removed"
    # both synthetic papers share their abstract, so the TL;DR (the abstract's sentence) supports the concept twice
    assert [c.papers for c in issue.concepts] == [["p1", "p2"]]
    assert pv.flags[0]["text"] == INVENTED and "the number 37.5% is on no card" in pv.flags[0]["problems"]
    md = (folder / "issue.md").read_text()
    assert "37.5" not in md and "37.5" not in (folder / "issue.html").read_text()
    if rewrite_supported:
        assert (pv.rewritten, pv.removed) == (1, 1) and len(issue.at_a_glance) == 2
    else:
        assert (pv.rewritten, pv.removed) == (0, 2) and [s.text for s in issue.at_a_glance] == [supported]
    assert issue.at_a_glance[0].sources[0] == "p1.tldr"  # the cited field first, then the closest others


PLANTED = "<img src=x onerror=alert(1)> Graphs"
LONG_TITLE = "Weekly" + "W" * 80  # one unbreakable word far wider than 600 px


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package chromium) for the rendering test")
def test_issue_html_in_chromium_at_600px(tmp_path):
    cards, source = make_cards(tmp_path, [PLANTED, "Sparse Message Passing"])
    _, folder = draft_issue(
        cards, source, writer(lambda n, s, p: synthesize(s, p, name=n)), out=tmp_path, title=LONG_TITLE, style="digest"
    )
    page = (folder / "issue.html").read_text()
    # email-safe: no scripts, no stylesheet or image to fetch, inline styles only, the planted tag is text
    assert not re.search(r"<(script|img|link|iframe|object|style)\b", page, re.I)
    assert not re.search(r"<[^>]*\bsrc=|url\(|@import", page) and "&lt;img src=x" in page
    flags = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'p'}",
    ]
    dom = subprocess.run(
        [*flags, "--dump-dom", folder.joinpath("issue.html").as_uri()], capture_output=True, text=True, timeout=60
    ).stdout
    assert f"<title>{LONG_TITLE} — issue 1</title>" in dom and "&lt;img src=x onerror=alert(1)&gt;" in dom
    shot = tmp_path / "issue.png"
    subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=600,1400", folder.joinpath("issue.html").as_uri()],
        capture_output=True,
        timeout=60,
    )
    pix = pymupdf.Pixmap(str(shot))
    assert pix.width == 600
    # the layout holds: on every row the beige margins stay on both sides, and on the rows through the sheet
    # (however long the issue) the white sheet sits inside them, so nothing (not even an 86-letter word in the
    # title) pushed it past 600 px
    beige, white = (0xF3, 0xF1, 0xEC), (0xFF, 0xFF, 0xFF)
    rows = [[pix.pixel(x, y)[:3] for x in range(pix.width)] for y in range(300, min(pix.height, 1300), 100)]
    assert sum(white in row for row in rows) >= 3 and all(row[2] == beige and row[-3] == beige for row in rows)


def test_bad_newsletter_arguments_fail_cleanly(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad" / "x").mkdir(parents=True)
    (tmp_path / "bad" / "x" / "card.json").write_text("{not json")
    env = {"OPENAI_API_KEY": "k", "REFEREE_MODEL": "m"}
    for args, message in [
        (("newsletter",), "give one of --weekly"),
        (("newsletter", "--weekly", str(tmp_path)), "no report.json"),
        (("newsletter", "--cards", str(tmp_path / "empty")), "no card.json found"),
        (("newsletter", "--cards", str(tmp_path / "bad")), "not a Referee card.json"),
        (("newsletter", "--cards", str(tmp_path), "--style", "poem"), "unknown style"),
    ]:
        result = run_cli(*args, "--out", str(tmp_path / "o"), env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)


def test_a_writer_that_never_answers_still_leaves_an_issue_of_the_cards_own_text(tmp_path):
    cards, source = make_cards(tmp_path, ["Graph Kernels Revisited", "Sparse Message Passing"])
    chat = FakeReviewModel(fail_tools={"NewsletterDraft"})
    llm = StructuredLLM(chat=chat, backend="fake", model="fake", role="writer", max_tries=2)
    issue, folder = draft_issue(cards, source, llm, out=tmp_path, title="T", style="weekly")
    assert issue.notes and issue.notes[0].startswith("the writer model gave no draft")
    assert [p.headline.text for p in issue.papers] == [p.title for p in issue.papers] and issue.at_a_glance == []
    md = (folder / "issue.md").read_text()
    assert "No overview: the writer gave none" in md and "Note: the writer model gave no draft" in md


def test_a_concept_only_one_paper_supports_is_left_out(tmp_path):
    cards, source = make_cards(tmp_path, ["Graph Kernels Revisited", "Sparse Message Passing"])
    title = cards[0].card.header.title

    def responder(name, schema, prompt):
        if name == "NewsletterDraft":
            said = [{"text": f"{title} is reviewed here.", "sources": ["p1.title"]}]
            concept = {"name": "Kernels", "sentences": said}
            glance = [{"text": f"{title} leads this issue.", "sources": ["p1.title"]}]
            return {"at_a_glance": glance, "concepts": [concept], "reading_guide": [], "headlines": []}
        return synthesize(schema, prompt, name=name)

    issue, _ = draft_issue(cards, source, writer(responder), out=tmp_path, title="T", style="weekly")
    assert issue.concepts == [] and issue.at_a_glance
    assert any("left out: the fields of only one paper support it" in n for n in issue.notes)
