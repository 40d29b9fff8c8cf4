"""--language: model-written text in the reader's language, every prompt told so (and cached apart); labels stay
in their English capitals, extracted facts stay verbatim, and the checks that do not depend on the language
(numbers, names, repeats) still apply."""

from __future__ import annotations

import json

from pdfbuild import two_column_paper
from test_cli_extract import review as run_cli
from test_cli_review import env_for

from referee.contract.verdict import Verdict
from referee.llm import language_instruction, structured_llm
from referee.settings import get_settings
from referee.tools.grounding.verify import check_card
from referee.tools.sources.ingest import load_paper

GERMAN = "Die Methode senkt den Fehler um 12.5% auf sechs Benchmarks und halbiert den Speicherbedarf."
INVENTED = "Die Methode senkt den Fehler um 37.5% auf jedem Benchmark."
TLDR = "Ein dünner Schätzer für kleine Graphen, der den Fehler um 12.5% senkt."


def test_the_instruction_names_the_language_and_keeps_labels_and_facts():
    said = language_instruction("zh")
    assert "Chinese (zh)" in said and "BREAKTHROUGH" in said and "numbers" in said
    assert language_instruction("en") is None and language_instruction("en-GB") is None
    assert structured_llm("reviewer", get_settings(language="pt-BR", model="m", openai_api_key="k")).instruction
    bad = run_cli("paper", "x.pdf", "--language", "klingon!")
    assert bad.returncode == 2 and "not a language tag" in bad.stderr and "Traceback" not in bad.stderr


def _verdict() -> Verdict:
    return Verdict(reasons=[GERMAN, INVENTED], score=6.5, label="SOLID", confidence=3, tldr=TLDR, tags=[])


def test_numbers_and_names_are_still_checked_in_another_language(tmp_path):
    pdf = tmp_path / "p.pdf"
    two_column_paper(pdf)
    paper = load_paper(str(pdf), get_settings())
    german = _verdict()
    check_card({}, german, paper, language="de")
    assert german.reasons[0] == GERMAN and german.tldr == TLDR  # kept: its number is the paper's
    assert german.reasons[1].endswith("(not in the paper: 37.5%)") and german.label == "SOLID"
    english_rules = _verdict()
    check_card({}, english_rules, paper)  # read as English, the German words match nothing in the paper
    assert GERMAN not in english_rules.reasons and english_rules.tldr.startswith("From the abstract")


def test_a_review_in_chinese_tells_every_prompt_and_keeps_the_card_checked(httpserver, tmp_path):
    fake, env = env_for(httpserver, tmp_path)
    pdf = tmp_path / "paper.pdf"
    two_column_paper(pdf)
    out = tmp_path / "out"
    result = run_cli("paper", str(pdf), "--out", str(out), "--language", "zh", env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    last = [r["messages"][-1]["content"] for r in fake.requests]
    assert last and all("Chinese (zh)" in m for m in last)
    card = json.loads((out / "paper" / "card.json").read_text())
    assert card["verdict"]["label"] in ("BREAKTHROUGH", "SIGNIFICANT", "SOLID", "INCREMENTAL", "FLAWED")
    assert card["grounding"].split(" of ")[0].isdigit()  # the checks ran and counted
    # the fake model answers in English: the card says the language asked for was not written
    md = (out / "paper" / "card.md").read_text()
    assert "> Check: asked for Chinese (zh), the model wrote its text in another language (0% of its letters" in md
    english = run_cli("paper", str(pdf), "--out", str(tmp_path / "en"), env=env, timeout=120)
    assert english.returncode == 0 and all("Chinese" not in r["messages"][-1]["content"]
                                           for r in fake.requests[len(last):])  # fmt: skip


def test_newsletter_sentences_in_another_language_are_held_to_their_numbers_and_names():
    from referee.tools.grounding.provenance import check_sentence

    fields = {"p1.tldr": "GraphSAGE cuts error by 12.5% on MUTAG.", "p1.title": "Sparse Estimators for Tiny Graphs"}
    kept = check_sentence("该方法在 MUTAG 上将误差降低了 12.5%。", ["p1.tldr"], fields, same_language=False)
    assert kept.ok and kept.sources == ["p1.tldr"]
    invented = check_sentence("该方法在 MUTAG 上将误差降低了 40%。", ["p1.tldr"], fields, same_language=False)
    assert invented.problems == ["the number 40% is on no card"]
    assert not check_sentence("Die Methode ist neu und schnell.", [], fields).ok  # read as English: on no card


def test_text_in_another_script_than_the_one_asked_for_is_told():
    from referee.tools.grounding.language import ignored_language, script_share

    assert ignored_language(["该方法在 MUTAG 上将误差降低了 12.5%。"], "zh") is None
    assert ignored_language(["The method lowers the error on MUTAG."], "ja").startswith("asked for Japanese (ja)")
    assert script_share(["Die Methode ist neu."], "de") is None  # Latin letters: German and English look alike
    assert ignored_language(["Метод снижает ошибку на MUTAG."], "ru") is None
