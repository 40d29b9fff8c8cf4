"""--language: model-written text in the reader's language, every prompt told so (and cached apart); labels stay
in their English capitals, extracted facts stay verbatim, and the checks that do not depend on the language
(numbers, names, repeats) still apply."""

from __future__ import annotations

import json
import re

from fakes import FakeReviewModel, synthesize
from pdfbuild import two_column_paper
from test_cli_extract import review as run_cli
from test_cli_review import env_for

from referee.agents.translate import prose_slots, translate_slots
from referee.contract.verdict import Verdict
from referee.llm import StructuredLLM, language_instruction, structured_llm
from referee.settings import get_settings
from referee.tools.grounding.language import in_language, keeps_facts
from referee.tools.grounding.verify import check_card
from referee.tools.grounding.wording import names_in
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
    # the fake model answers in English, translations included: nothing is translated, and the card says so
    md = (out / "paper" / "card.md").read_text()
    assert "> Check: the model wrote in English: 0 of its" in md and "left in English (their translation" in md
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


def test_the_language_of_model_written_text_is_told_by_script_or_by_langdetect():
    from referee.tools.grounding.language import language_share, script_share

    assert in_language(["该方法在 MUTAG 上将误差降低了 12.5%。"], "zh")
    assert in_language(["The method lowers the error on MUTAG."], "ja") is False
    assert in_language(["Метод снижает ошибку на MUTAG."], "ru")
    assert script_share(["Die Methode ist neu."], "de") is None  # Latin letters: German and English look alike ...
    assert in_language(["Die Methode ist neu und die Ergebnisse sind gut."], "de")  # ... langdetect tells them apart
    assert in_language(["The method is new and the results are good."], "de") is False
    assert language_share(["The method is new."], "tlh") is None  # a language langdetect has no profile of


_LINE = re.compile(r"^\d+\. (.*)$", re.M)


def pseudo_chinese(text: str) -> str:
    """A stand-in translation into Chinese: every word that is not a name becomes a Chinese character; numbers
    and names stay as written."""
    names = names_in(text, capitalised=False)
    word = re.compile(r"https?://\S+|[A-Za-z][A-Za-z'\-]*")  # links stay too
    return word.sub(lambda m: m.group(0) if m.group(0) in names or "://" in m.group(0) else "词", text)


def translator(drop_numbers_on: int | None = None, miscount: bool = False):
    """A fake model's responder that translates with pseudo_chinese (losing the numbers of the line numbered
    `drop_numbers_on` in each prompt; with `miscount`, dropping the last line of a prompt of several), and
    answers everything else as the fake model does."""

    def respond(name, schema, prompt):
        if name != "Translation":
            return synthesize(schema, prompt, name=name)
        lines = [pseudo_chinese(line) for line in _LINE.findall(prompt)]
        lines = lines[:-1] if miscount and len(lines) > 1 else lines
        if drop_numbers_on is not None and len(lines) >= drop_numbers_on:
            lines[drop_numbers_on - 1] = re.sub(r"\d", "", lines[drop_numbers_on - 1])
        return {"lines": lines}

    return respond


def test_english_text_is_translated_afterwards_keeping_numbers_and_names():
    reasons = ["BERT reaches 91.2% on GLUE, above RoBERTa.", "The gain of 3.1 points is small."]
    tldr = "A sparse estimator cuts MUTAG error by 12.5%."
    verdict = Verdict(reasons=reasons, score=6.5, label="SOLID", confidence=3, tldr=tldr)
    slots = prose_slots(verdict)
    assert [slot.text for slot in slots] == [*verdict.reasons, verdict.tldr]  # tags and labels are not prose
    model = StructuredLLM(chat=FakeReviewModel(responder=translator(drop_numbers_on=2)), backend="fake", model="f")
    done = translate_slots(slots, model, "zh")
    assert verdict.reasons[0] == pseudo_chinese("BERT reaches 91.2% on GLUE, above RoBERTa.")
    assert "91.2%" in verdict.reasons[0] and "RoBERTa" in verdict.reasons[0] and "reaches" not in verdict.reasons[0]
    assert verdict.reasons[1] == "The gain of 3.1 points is small."  # its translation lost 3.1: English stays
    assert verdict.label == "SOLID" and "12.5%" in verdict.tldr
    assert (done.translated, done.kept, done.language) == (2, 1, "Chinese")
    assert done.line().startswith("the model wrote in English: 2 of its 3 passages were translated into Chinese")
    assert keeps_facts("BERT at 91.2%", "BERT 达到 91.2%") and not keeps_facts("BERT at 91.2%", "伯特 达到 91.2%")
    assert keeps_facts("trained on nVidia K40 GPUs", "在 NVIDIA K40 GPU 上训练")  # a name's case may change
    # an answer of another count is asked again line by line
    again = Verdict(reasons=reasons, score=6.5, label="SOLID", confidence=3, tldr=tldr)
    fake = FakeReviewModel(responder=translator(miscount=True))
    done = translate_slots(prose_slots(again), StructuredLLM(chat=fake, backend="fake", model="f"), "zh")
    assert len(fake.calls) == 4 and again.reasons[1] == pseudo_chinese(reasons[1]) and done.translated >= 2


def test_a_review_in_chinese_is_translated_where_the_model_wrote_english(httpserver, tmp_path):
    fake, env = env_for(httpserver, tmp_path)
    fake.responder = translator()
    pdf = tmp_path / "paper.pdf"
    two_column_paper(pdf)
    result = run_cli("paper", str(pdf), "--out", str(tmp_path / "out"), "--language", "zh", env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "paper"
    card = json.loads((folder / "card.json").read_text())
    assert in_language(card["verdict"]["reasons"], "zh") and card["verdict"]["label"].isupper()
    md = (folder / "card.md").read_text()
    assert "> Check: the model wrote in English: " in md and "translated into Chinese afterwards" in md
    assert "asked for Chinese" not in md  # the card reads as Chinese now
    run = json.loads((folder / "run.json").read_text())
    assert run["nodes"]["translate"]["llm_calls"] >= 1 and "translate" in run["nodes"]
