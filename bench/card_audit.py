"""Card audit (issue 12): writes a card for every corpus paper and audits each one on its own terms, without
the pipeline's checks: does every sentence a model wrote earn its place?

    python bench/card_audit.py [--fake] [--only SLUG ...] [--out DIR] [--audit-only]

Per paper, over the model-written text of the card (the reviewers' fields by their declared kind and the
verdict; quotes, links and table cells are copied by code and not counted as model-written):
  num     numbers not printed anywhere in the paper (text marked unverified by the pipeline counts in `marked`)
  ent     names (CamelCase, acronyms, capitalised words inside a sentence, words with digits) the paper never uses
  contra  statements that contradict what extraction found (a printed code link, stated limitations, tables)
  dup     sentences repeating another sentence of the same card (content words overlapping 80% or more)
  copy    sentences sharing a run of 12 words with the abstract outside a quotation
  echo    sentences sharing a run of 8 words with a prompt
  generic sentences that could describe any paper: most of their content words are absent from the paper, or
          the same sentence stands on the card of another paper
  unfilled fact fields the paper states (by extraction) left empty: code link, optimiser, hardware
  verdict score and label, or "n/a" with the card's reason (not assessed)
Goals with the offline default on the corpus: num, ent, contra, dup = 0 and generic <= 5% of sentences.
`--fake` uses the tests' deterministic model (CI speed); the default is whatever the environment configures
(the offline default when nothing is). Cards already written under --out are audited, not rewritten.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from conftest import CORPUS  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from referee.contract.card import Card  # noqa: E402
from referee.contract.findings import is_copied, kind_of  # noqa: E402
from referee.paper import Paper  # noqa: E402
from referee.prompts import load_prompt, prompt_names  # noqa: E402

# The pipeline's own marks and its abstention words are not model-written content.
PIPELINE_MARKS = re.compile(
    r"\s*\((?:contains a number not found in the paper: [^)]*|the quote given for this was not found in the paper|"
    r"not found in the paper|unsupported: [^)]*|not in the paper: [^)]*)\)"
)
ABSTAIN = {"not stated in the paper", "not assessed", "not reported", "none", "n/a", ""}
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*%?(?![\w])")
ENTITY = re.compile(
    r"\b(?:[A-Za-z]*[a-z][A-Z]\w*|[A-Z]{2,}[\w-]*|[A-Za-z]+-?\d[\w.-]*|\d+[A-Za-z][\w-]*|[A-Z][a-z]+)\b"
)
_COMMON = """The This That These Those We Our It Its In On At For From With Without By As An A And Or But If When While
    However Moreover Also Both Each Every Some Many Most More Less First Second Third Finally Further Then Thus Hence
    Table Figure Section Appendix Eq Equation Fig Tables Figures Sections They Their There Here Such No Not Yes
    What Which Who How Why Where Overall Given Using Based Unlike Like Compared Although Since Because After Before
    Future Further Data Code Model Models Method Methods Paper Papers Results Result Authors Author Work Works
    Limitations Limitation Experiments Experiment Evaluation Approach Training Test Testing Dataset Datasets
    Not Only One Two Three Four Five Six Seven Eight Nine Ten New Other Another Any All Its"""
COMMON = set(_COMMON.split())
_STOP = """the a an and or of to in on for with by from as at is are was were be been being this that these those it
    its their there which who whom what when where how why not no can could may might will would should shall do
    does did has have had paper authors method approach model models results using used use based also more most
    such than then thus into over under between about across each other both all any some only very well new
    proposed propose proposes present presents show shows shown we our they them work"""
STOP = set(_STOP.split())
QUOTED = re.compile('\u201c[^\u201d]*\u201d|"[^"]{8,}"')
PAGE = re.compile(r"\(p\. \d+\)")  # the page the code cites after a quote it copied
_NO = r"\b(no|not|without|lacks?|missing|unavailable|never)\b"
CONTRADICTIONS = (
    ("code", re.compile(_NO + r"[^.;]{0,50}\b(code|implementation|repositor\w*)", re.I)),
    ("limitations", re.compile(r"\b(no|not|without|never)\b[^.;]{0,40}\blimitations?\b", re.I)),
    ("tables", re.compile(r"\b(no|without|lacks?)\s+(any\s+)?(experiments?|experimental results|empirical results)\b|"
                          r"\bdoes not (report|include|present) (any )?(experiments?|results)\b", re.I)),
)  # fmt: skip


def checked_numbers(text: str) -> list[str]:
    """Numbers a reader would check: decimals, percentages and integers of two digits or more."""
    return [n for n in NUMBER.findall(text) if len(re.sub(r"\D", "", n)) >= 2 or "." in n or "%" in n]


def norm(text: str) -> str:
    text = text.replace("\u2212", "-").replace("\u2013", "-").replace("\ufb01", "fi").replace("\ufb02", "fl")
    text = re.sub(r"(\d)\s*[×xX]\s*(?=\d)", r"\1x", text)  # "500 × 500" and "500x500" are one size
    return re.sub(r"\s+", " ", text).lower()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def content(text: str) -> set[str]:
    return {w for w in words(text) if len(w) > 3 and w not in STOP and not w.isdigit()}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"(])", text) if len(s.strip()) > 3]


def shingles(text: str, n: int) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


class PaperFacts:
    """What the audit knows of the paper, read from extraction (never from the card)."""

    def __init__(self, paper: Paper) -> None:
        parts = [paper.title, paper.abstract]
        parts += [s.heading + " " + s.text for s in paper.sections]
        parts += [t.caption + " " + " ".join(" ".join(r) for r in t.rows) for t in paper.tables]
        parts += [f.caption for f in paper.figures] + [r.text for r in paper.references]
        self.text = norm(" ".join(parts))
        self.squashed = re.sub(r"[^a-z0-9]", "", self.text)
        self.numbers = {n.replace(",", "").rstrip("%").lstrip("+") for n in NUMBER.findall(self.text)}
        self.vocabulary = set(words(self.text))
        self.abstract = shingles(paper.abstract, 12)
        self.code_links = [link.url for link in paper.links if link.kind == "code"]
        self.states_limits = any("limitation" in s.heading.lower() for s in paper.sections)
        self.has_tables = bool(paper.tables)
        body = " ".join(s.text for s in paper.sections)
        self.optimiser = re.search(r"\b(AdamW|Adam|SGD|RMSProp|Adagrad|LAMB|Adafactor)\b", body)
        self.hardware = re.search(r"\b(GPUs?|TPUs?|V100|A100|H100|RTX ?\d{3,4}|GTX ?\d{3,4})\b", body)

    def has_number(self, raw: str) -> bool:
        value = raw.replace(",", "").rstrip("%").lstrip("+")
        if value in self.numbers:
            return True
        try:
            number = float(value)
        except ValueError:
            return False
        forms = {f"{number:g}", f"{number / 100:g}", f"{number * 100:g}"}
        return bool(forms & {f"{float(n):g}" for n in self.numbers if _float(n) is not None})

    def has_name(self, name: str) -> bool:
        """The name as the paper prints it, or each of its words in the paper (plural and case aside)."""
        name = norm(name)
        key = re.sub(r"[^a-z0-9]", "", name)
        if key and key in self.squashed:
            return True
        parts = [w[:6] for w in words(name) if len(w) > 2]
        return bool(parts) and all(any(v.startswith(p) for v in self.vocabulary) for p in parts)


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def model_written(card: Card) -> list[tuple[str, str, str]]:
    """(where, kind, text) for every model-written string on the card."""
    found: list[tuple[str, str, str]] = []

    def walk(value: Any, where: str, kind: str | None) -> None:
        if isinstance(value, str):
            if kind in ("fact", "judgement", "entity", "number") and value.strip().lower() not in ABSTAIN:
                found.append((where, kind, value))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]", kind)
        elif isinstance(value, BaseModel):
            for name, info in type(value).model_fields.items():
                if not is_copied(info):  # quotes, cells and entries copied by code from what a model cited
                    walk(getattr(value, name), f"{where}.{name}", kind_of(info) or kind)

    for name, review in card.reviews.items():
        walk(review, name, None)
    if card.verdict:
        walk(card.verdict, "verdict", None)
    return found


@dataclass
class Audit:
    paper: str
    verdict: str = "n/a"
    sentences: int = 0
    numbers: list[str] = field(default_factory=list)
    marked: int = 0
    entities: list[str] = field(default_factory=list)
    contradictions: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    echoes: list[str] = field(default_factory=list)
    generic: list[str] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)
    seconds: float = 0.0
    own: list[str] = field(default_factory=list)  # the card's sentences, for the cross-paper check


def _prompt_shingles() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for name in prompt_names():
        found |= shingles(load_prompt(name), 8)
    return found


PROMPTS = _prompt_shingles()


def audit_card(name: str, card: Card, facts: PaperFacts) -> Audit:
    result = Audit(paper=name)
    if card.verdict:
        result.verdict = f"{card.verdict.score:.1f} {card.verdict.label}"
    seen: list[tuple[str, set[str]]] = []
    verdict_started = False
    for where, kind, raw in model_written(card):
        if where.startswith("verdict") and not verdict_started:
            seen, verdict_started = [], True  # the verdict may restate findings: repeats count within it
        if PIPELINE_MARKS.search(raw):
            result.marked += 1
        text = PIPELINE_MARKS.sub("", raw)
        if kind in ("entity", "number"):
            if kind == "number" and text.strip().lower() not in ABSTAIN:
                written = PAGE.sub(" ", QUOTED.sub(" ", text))  # quotes and their pages are copied by code
                result.numbers += [f"{where}: {n}" for n in checked_numbers(written) if not facts.has_number(n)]
            if kind == "entity" and not facts.has_name(text):
                result.entities.append(f"{where}: {text}")
            continue
        unquoted = PAGE.sub(" ", QUOTED.sub(" ", text))  # a quotation of the paper is copied by code, not written
        for topic, pattern in CONTRADICTIONS:
            known = {"code": facts.code_links, "limitations": facts.states_limits, "tables": facts.has_tables}[topic]
            if known and pattern.search(unquoted):
                result.contradictions.append(f"{where}: {text[:100]}")
        for sentence in sentences(unquoted):
            result.sentences += 1
            result.own.append(sentence)
            result.numbers += [f"{where}: {n}" for n in checked_numbers(sentence) if not facts.has_number(n)]
            for token in ENTITY.findall(sentence):
                first = sentence.split()[0].strip("\"'(") if sentence.split() else ""
                if token in COMMON or token == first or facts.has_name(token):
                    continue
                result.entities.append(f"{where}: {token}")
            words_in = content(sentence)
            if len(words_in) >= 4:
                twin = next((w for w, other in seen if len(words_in & other) / len(words_in | other) >= 0.8), None)
                if twin is not None:
                    result.duplicates.append(f"{where} repeats {twin}: {sentence[:80]}")
                seen.append((where, words_in))
                absent = [w for w in words_in if w not in facts.vocabulary]
                if len(absent) / len(words_in) > 0.5:
                    result.generic.append(f"{where}: {sentence[:100]}")
            if shingles(sentence, 12) & facts.abstract:
                result.copies.append(f"{where}: {sentence[:80]}")
            if shingles(sentence, 8) & PROMPTS:
                result.echoes.append(f"{where}: {sentence[:80]}")
    repro, method = card.review("reproducibility"), card.review("methodology")
    if facts.code_links and repro is not None and not any(url in repro.code for url in facts.code_links):
        result.unfilled.append("reproducibility.code (the paper prints its code link)")
    named = facts.optimiser.group(1) if facts.optimiser else None
    if method is not None and named and named.lower() not in method.training.optimiser.lower():
        result.unfilled.append(f"methodology.training.optimiser (the paper names {facts.optimiser.group(1)})")
    if method is not None and facts.hardware and method.training.hardware.strip().lower() in ABSTAIN:
        result.unfilled.append(f"methodology.training.hardware (the paper names {facts.hardware.group(1)})")
    return result


def cross_paper_generic(audits: list[Audit]) -> None:
    """A sentence that stands, nearly the same, on the cards of two different papers describes neither."""
    owners: dict[str, set[str]] = {}
    for audit in audits:
        for sentence in audit.own:
            owners.setdefault(" ".join(sorted(content(sentence))), set()).add(audit.paper)
    for audit in audits:
        for sentence in audit.own:
            key = " ".join(sorted(content(sentence)))
            already = any(sentence[:100] in g for g in audit.generic)
            if len(content(sentence)) >= 3 and len(owners[key]) > 1 and not already:
                audit.generic.append(f"on {len(owners[key])} papers' cards: {sentence[:100]}")


def write_card(pdf: Path, out: Path, fake: bool, cache_mode: str = "use") -> tuple[Path, float]:
    """Review one paper (a PDF, or a Markdown or text file) into out/<folder>; its card folder and seconds."""
    started = time.perf_counter()
    if fake:
        from fakes import FakeReviewModel

        from referee.graph import graph
        from referee.state import Context

        model = FakeReviewModel()
        context = Context(models={"reviewer": model, "verdict": model}, out_dir=out)
        folder = Path(graph.invoke({"source": str(pdf)}, context=context)["card_dir"])
    else:
        from referee.review import review_paper
        from referee.settings import get_settings

        reviewed = review_paper(
            str(pdf), get_settings(), out_dir=out, formats=("md", "json"), layout="shared", cache_mode=cache_mode
        )
        folder = reviewed.folder
    return folder, time.perf_counter() - started


def row(a: Audit) -> str:
    generic = f"{len(a.generic)}/{a.sentences}"
    return (
        f"{a.paper[:34]:34} {a.verdict:>16} {a.sentences:>4} {len(a.numbers):>4} {a.marked:>4} {len(a.entities):>4} "
        f"{len(a.contradictions):>6} {len(a.duplicates):>4} {len(a.copies):>4} {len(a.echoes):>4} {generic:>8} "
        f"{len(a.unfilled):>8} {a.seconds:>7.0f}"
    )


HEADER = (
    f"{'paper':34} {'verdict':>16} {'sent':>4} {'num':>4} {'mark':>4} {'ent':>4} {'contra':>6} {'dup':>4} "
    f"{'copy':>4} {'echo':>4} {'generic':>8} {'unfilled':>8} {'seconds':>7}"
)


def run(slugs: list[str], out: Path, fake: bool, audit_only: bool = False, log=print) -> list[Audit]:
    from referee.settings import Settings
    from referee.tools.sources.ingest import load_paper

    audits = []
    for slug in slugs:
        pdf = CORPUS / "papers" / slug / "paper.pdf"
        folder, seconds = out / slug, 0.0
        card_json = folder / "card.json"
        if not card_json.exists():
            if audit_only:
                continue
            written, seconds = write_card(pdf, out, fake)
            if written != folder:  # corpus PDFs share one file name: each card moves to its paper's folder
                written.rename(folder)
        card = Card.model_validate_json(card_json.read_text(encoding="utf-8"))
        audit = audit_card(slug, card, PaperFacts(load_paper(str(pdf), Settings())))
        audit.seconds = seconds
        audits.append(audit)
        log(row(audit))
    cross_paper_generic(audits)
    return audits


def totals(audits: list[Audit]) -> dict[str, int]:
    return {
        "papers": len(audits),
        "sentences": sum(a.sentences for a in audits),
        "unsupported numbers": sum(len(a.numbers) for a in audits),
        "marked items": sum(a.marked for a in audits),
        "unsupported names": sum(len(a.entities) for a in audits),
        "contradictions": sum(len(a.contradictions) for a in audits),
        "duplicates": sum(len(a.duplicates) for a in audits),
        "abstract copies": sum(len(a.copies) for a in audits),
        "prompt echoes": sum(len(a.echoes) for a in audits),
        "generic": sum(len(a.generic) for a in audits),
        "unfilled fact fields": sum(len(a.unfilled) for a in audits),
        "not assessed": sum(a.verdict == "n/a" for a in audits),
    }


DETAILS = ("numbers", "entities", "contradictions", "duplicates", "copies", "echoes", "generic", "unfilled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="the tests' deterministic model (CI speed)")
    parser.add_argument("--only", nargs="*", help="corpus paper folders (default: all)")
    parser.add_argument("--out", type=Path, default=Path("outputs/card_audit"))
    parser.add_argument("--audit-only", action="store_true", help="audit the cards already under --out")
    parser.add_argument("--details", action="store_true", help="print every finding, not only the counts")
    args = parser.parse_args()
    slugs = args.only or sorted(p.name for p in (CORPUS / "papers").iterdir() if (p / "paper.pdf").exists())
    args.out.mkdir(parents=True, exist_ok=True)
    print(HEADER, flush=True)
    audits = run(slugs, args.out, args.fake, args.audit_only, log=lambda line: print(line, flush=True))
    total = totals(audits)
    print("\ntotals: " + ", ".join(f"{k} {v}" for k, v in total.items()))
    share = total["generic"] / max(total["sentences"], 1)
    print(f"generic share {share:.1%} (goal <= 5%)")
    seconds = [a.seconds for a in audits if a.seconds]
    if seconds:
        print(f"seconds per card: mean {sum(seconds) / len(seconds):.0f}, max {max(seconds):.0f}")
    if args.details:
        for a in audits:
            for label in DETAILS:
                for item in getattr(a, label):
                    print(f"{a.paper} {label}: {item}")


if __name__ == "__main__":
    main()
