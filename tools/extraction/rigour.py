"""The rigour checks the paper's text answers without a model: each detector finds the sentences, table cells or
links that show an item (results, baselines, ablations, variance, statistical tests, ...), and the answer is yes
with pointers to them, or no ("not found in the paper"), or not applicable (experimental checks on a paper
without experiments, the theory's assumptions on a paper without theorems). The answers do not change from run to
run: the panel only adds the cells it pointed at as evidence (agents/rigour.py)."""

from __future__ import annotations

import re

from ...contract.rigour import QUESTIONS, CheckItem, Pointer
from ...paper import Paper
from .facts import limitation_sentences, result_tables, setup_facts
from .units import Units

NOT_FOUND = "not found in the paper"
_COUNT = r"(?<![\d.,])(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[2-9]|[1-9]\d{1,2})"


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


_RUNS = _rx(r"\b(?:runs?|seeds?|trials?|repetitions?|folds?|reported|report|tables?|averag\w*|experiments?)\b")
# Each check's cues: a sentence shows the check when every pattern of one of its cues matches it.
SENTENCE_CUES: dict[str, tuple[tuple[re.Pattern, ...], ...]] = {
    "baselines": (
        (
            _rx(r"\bbaselines?\b|\b(?:prior|previous|existing|competing|other|state[- ]of[- ]the[- ]art) "
                r"(?:methods|models|approaches|systems|algorithms)\b"),
            _rx(r"\bcompar\w*|\boutperform\w*|\bbetter than\b|\bagainst\b|\bimproves? (?:on|over|upon)\b"),
        ),
    ),
    "tuning": (
        (
            _rx(r"\b(?:baselines?|all (?:the )?(?:methods|models)|each (?:method|model)|competing|compared "
                r"(?:methods|models)|other (?:methods|models))\b"),
            _rx(r"\btun(?:ed|e|ing)\b|\b(?:grid|random|hyper-?parameter) search\b|\b(?:same|identical|equal) "
                r"(?:hyper-?parameters?|budgets?|settings?|protocol)\b|\bfair(?:ly)? compar"),
        ),
    ),
    "ablations": ((_rx(r"\bablat\w*"),),),
    "variance": (
        (
            _rx(r"\d\s*\u00b1\s*\d|\berror bars?\b|\bconfidence intervals?\b|\brandom seeds\b|"
                rf"\b(?:mean|average)d? (?:over|across|of) {_COUNT} (?:random |independent |different )?"
                rf"(?:seeds|runs|trials)\b|\b{_COUNT} (?:random |independent |different )(?:seeds|runs|trials)\b"),
        ),
        (_rx(r"\bstandard (?:deviations?|errors?)\b|\bstd\b"), _RUNS),  # of results, not of a model's noise
    ),
    "significance": (
        (
            _rx(r"\bp\s?[<\u2264]\s?0?\.\d|\bp\s?=\s?0?\.0\d|\bp-values?\b|\bt-tests?\b|\bWilcoxon\b|"
                r"\bMann[- ]Whitney\b|\bstatistically significant\w*|\bsignificance (?:tests?|level)\b|\bMcNemar\b|"
                r"\bANOVA\b|\bpaired (?:t|bootstrap)\b|\bbootstrap(?:ped)? (?:confidence|tests?|resampling)\b"),
        ),
    ),
    "datasets": (
        (_rx(rf"\b{_COUNT}\s+(?:[\w-]+\s+){{0,2}}(?:datasets|benchmarks|tasks|environments|corpora)\b"),),
        (_rx(r"\b(?:evaluat|experiment|test|compar|train)\w*\b[^.;]{0,80}\b(?:datasets|benchmarks)\b"),),
    ),
    "assumptions": (
        (
            _rx(r"\bAssumptions?\s+\d|\bwe assume\b|\bassumes? that\b|\bunder (?:the|mild|standard|these|"
                r"following|our)\b[^.;]{0,30}\bassumptions?\b"),
        ),
    ),
}  # fmt: skip
_COMPUTE = _rx(r"\b(?:GPU|TPU|CPU|train\w*|comput\w*)")  # a duration is compute when it is one of these
_THEORY = re.compile(r"\b(?:Theorem|Lemma|Proposition|Corollary)\s+\d")
_EXPERIMENT_HEADING = re.compile(r"experiment|evaluation|results|empirical|benchmark", re.I)
# A venue's checklist (NeurIPS, ICML) restates every item with its guidelines: the authors' self-report, no evidence.
_CHECKLIST = re.compile(r"checklist", re.I)


def experimental(paper: Paper) -> bool:
    """True when the paper reports experiments: a table of numbers, or a section named for them."""
    return bool(result_tables(paper)) or any(_EXPERIMENT_HEADING.search(s.heading) for s in paper.sections)


def item(key: str, answer: str, by: str = "text", evidence: list[Pointer] | None = None, note: str = "") -> CheckItem:
    return CheckItem(key=key, question=QUESTIONS[key], answer=answer, by=by, evidence=evidence or [], note=note)


def found(key: str, evidence: list[Pointer], applies: bool = True, why_not: str = "") -> CheckItem:
    """Yes with the pointers found; else no (not found in the paper), or not applicable with `why_not`."""
    if not applies:
        return item(key, "not applicable", note=why_not)
    return item(key, "yes", evidence=evidence[:3]) if evidence else item(key, "no", note=NOT_FOUND)


def text_checks(paper: Paper) -> dict[str, CheckItem]:
    """The checks the paper's text answers, by key (the panel's own checks are made in agents/rigour.py)."""
    units = Units(paper)
    cited: dict[str, list[Pointer]] = {key: [] for key in SENTENCE_CUES}
    template = {i for i, section in enumerate(paper.sections) if _CHECKLIST.search(section.heading)}
    for sentence in (s for s in units.sentences if s.section not in template):
        for key, cues in SENTENCE_CUES.items():
            if len(cited[key]) < 2 and any(all(p.search(sentence.text) for p in cue) for cue in cues):
                cited[key].append(Pointer(id=sentence.id, text=sentence.text[:400], page=sentence.page))
    for i, table in enumerate(paper.tables, 1):
        spread = [(r, c, cell) for r, row in enumerate(table.rows) for c, cell in enumerate(row) if "\u00b1" in cell]
        if spread and len(cited["variance"]) < 3:
            r, c, cell = spread[0]
            cited["variance"].append(
                Pointer(id=f"T{i}.r{r}.c{c}", text=f"{table.label}: {cell}"[:400], page=table.page)
            )
    cited["ablations"] = _sections_named(paper, r"ablat")[:1] + cited["ablations"]
    runs = experimental(paper)
    no_runs = "the paper reports no experiments"
    checks = {key: found(key, cited[key], runs, no_runs) for key in ("baselines", "tuning", "ablations", "variance",
                                                                     "significance", "datasets")}  # fmt: skip
    measured = [_table(paper, t) for t in result_tables(paper)]
    checks["results"] = (
        found("results", measured, runs, no_runs) if not runs or paper.tables
        else item("results", "not applicable", note="no table was found in the paper")
    )  # fmt: skip
    theory = any(_THEORY.search(s.text) for s in paper.sections)
    checks["assumptions"] = found("assumptions", cited["assumptions"], theory, "the paper states no theorem")
    stated = [f for f in setup_facts(paper) if not _CHECKLIST.search(f.section)]
    compute = [f for f in stated if f.kind == "hardware" or f.kind == "training time" and _COMPUTE.search(f.text)]
    checks["compute"] = found("compute", [_fact(units, f) for f in compute], runs, no_runs)
    checks["code"] = found("code", [_link(link) for link in paper.links if link.kind == "code"])
    checks["data"] = found("data", [_link(link) for link in paper.links if link.kind in ("data", "model")])
    limits = _sections_named(paper, r"limitation|threats to validity")
    admitted = [f for f in limitation_sentences(paper, 4) if not _CHECKLIST.search(f.section)][:2]
    checks["limitations"] = found("limitations", limits + [_fact(units, f) for f in admitted])
    return checks


def _sections_named(paper: Paper, words: str) -> list[Pointer]:
    """The sections whose headings hold one of `words` (a pattern), each pointed at by its number or name."""
    return [
        Pointer(id=f"section {s.number or s.heading}", text=s.heading, page=s.page_start)
        for s in paper.sections
        if re.search(words, s.heading, re.I)
    ]


def _fact(units: Units, fact) -> Pointer:
    """A sentence extraction copied, pointed at by its id where the numbered sentences hold it."""
    start = " ".join(fact.text.split())[:60]
    same = next((s for s in units.sentences if start in s.text), None)
    return Pointer(id=same.id if same else f"p. {fact.page}", text=fact.text[:400], page=fact.page)


def _table(paper: Paper, table) -> Pointer:
    number = next(i for i, t in enumerate(paper.tables, 1) if t is table)
    return Pointer(id=f"T{number}", text=(table.caption or table.label)[:400], page=table.page)


def _link(link) -> Pointer:
    return Pointer(id=link.url[:300], text=link.url[:400], page=link.page)
