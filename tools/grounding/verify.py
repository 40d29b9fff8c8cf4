"""Checks every model-written field of a card against the extracted paper, by the kind its schema declares.

Text on both sides is normalised the same way (ligatures, hyphenation, whitespace, unicode minus and
dashes, quotes, thousands separators, percent forms), so a faithful quote or number matches however
the PDF printed it. A fact keeps only the sentences whose numbers and names the paper prints; a judgement
is marked where it names what the paper does not; a quote the paper does not hold is removed and the claim
says so; a name or number a model copied is kept only when the paper has it. Sentences that could describe
any paper, copy the abstract or repeat the card are dropped. Nothing unsupported is kept silently.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from ...contract.card import Grounding
from ...contract.findings import NOT_CLAIMS, NOT_STATED, Findings, KindName, field_kind
from ...contract.registry import REGISTRY
from ...contract.verdict import Verdict
from ...paper import Paper
from ..extraction.text import clean
from .consistency import baseline_compared, denial, paper_facts
from .ledger import SentenceLedger
from .numbers import NUMBER, normalise, number_forms, numbers_in
from .wording import (
    SAME_SENTENCE,
    content_words,
    english,
    key_words,
    names_in,
    overlap,
    plain_words,
    runs,
    says_only_unstated,
    sentences,
)


class PaperText:
    """The paper's normalised text, whole and by page, and the numbers it prints."""

    def __init__(self, paper: Paper) -> None:
        by_page: dict[int, list[str]] = {}
        by_page.setdefault(paper.abstract_page, []).append(paper.title)
        by_page.setdefault(paper.abstract_page, []).append(paper.abstract)
        for section in paper.sections:
            by_page.setdefault(section.page_start, []).append(section.heading)
            starts = [*section.page_offsets, (len(section.text), None)]
            for (start, page), (end, _) in zip(starts, starts[1:], strict=False):
                by_page.setdefault(page, []).append(section.text[start:end])
            if not section.page_offsets:
                by_page.setdefault(section.page_start, []).append(section.text)
        for table in paper.tables:
            by_page.setdefault(table.page, []).append(table.caption + " " + " ".join(" ".join(r) for r in table.rows))
        for figure in paper.figures:
            by_page.setdefault(figure.page, []).append(figure.caption)
        for ref in paper.references:
            by_page.setdefault(ref.page, []).append(ref.text)
        self.pages = {page: normalise(" ".join(parts)) for page, parts in by_page.items()}
        # a sentence may run across a page break while other sections sit between its halves in by_page
        self.spans = [(s.page_start, s.page_end, normalise(s.text)) for s in paper.sections]
        self.whole = " ".join(self.pages[p] for p in sorted(self.pages))
        self.numbers: set[str] = set()
        for text in self.pages.values():
            for raw in NUMBER.findall(text):
                self.numbers |= number_forms(raw.lstrip("+"))

    def has_quote(self, quote: str, page: int | None) -> bool:
        wanted = normalise(quote).strip(" .,;:\"'")
        if len(wanted) < 8:
            return False
        wanted = wanted.rstrip(".\u2026 ")  # a closing period or ellipsis; the words before must be verbatim
        if page:
            near = [self.pages.get(p, "") for p in (page - 1, page, page + 1)]
            near += [text for start, end, text in self.spans if start - 1 <= page <= end + 1]
        else:
            near = [self.whole]
        return any(wanted in text for text in near)

    def has_number(self, value: str) -> bool:
        return bool(number_forms(value) & self.numbers)

    def has_name(self, name: str) -> bool:
        wanted = normalise(name).strip(" .,;:\"'")
        return bool(wanted) and wanted in self.whole


UNVERIFIED = " (the quote given for this was not found in the paper)"
UNSUPPORTED = " (not in the paper: {})"
# A sentence whose content words overlap this much with one already on the card repeats it (with one on
# another paper's card, it could describe any paper).
REPEAT = SAME_SENTENCE
# A judgement sharing a run of this many words with the abstract copies it.
COPY_WORDS = 12
# A TL;DR sharing less than this share of content words with the abstract does not state the contribution.
TLDR_OVERLAP = 0.15
_QUOTED = re.compile("\u201c[^\u201d]*\u201d")  # the paper's words, copied by code: never filler
# What code copies from the paper into a field: quoted sentences or printed links, each with its page.
COPIED = re.compile(
    r"(?:\u201c[^\u201d]*\u201d|https?://\S+)\s*\((?:printed in the paper, )?p\. \d+\)"
    r"(?:;\s*(?:\u201c[^\u201d]*\u201d|https?://\S+)\s*\((?:printed in the paper, )?p\. \d+\))*"
)
TAG_WORDS = 4  # a tag names a topic in a few words; a longer one is a sentence
_CONTRIBUTION = re.compile(
    r"\b(we (propose|present|introduce|develop|show|describe|study|release|provide)|this (paper|work|article)|"
    r"in this (paper|work)|our (method|approach|framework|model|system))\b",
    re.I,
)


def with_mark(text: str, mark: str, limit: int | None) -> str:
    """`text` followed by a verification mark, the whole within `limit` characters."""
    if limit is None or len(text) + len(mark) <= limit:
        return text + mark
    room = max(limit - len(mark) - 1, 0)
    cut = text[:room].rsplit(" ", 1)[0] if " " in text[:room] else text[:room]
    return cut.rstrip(" ,;:") + "\u2026" + mark


class Passages:
    """The paper's sentences (abstract, sections, captions, table rows, references) as sets of content words,
    so that a statement can be matched to the few consecutive sentences that say the same."""

    def __init__(self, paper: Paper) -> None:
        texts = [paper.title, *sentences(paper.abstract)]
        for section in paper.sections:
            texts += sentences(clean(section.text))
        texts += [t.caption for t in paper.tables] + [" ".join(row) for t in paper.tables for row in t.rows]
        texts += [f.caption for f in paper.figures] + [r.text for r in paper.references]
        self.words = [content_words(t) for t in texts]
        self.where: dict[str, list[int]] = {}
        for i, words in enumerate(self.words):
            for word in words:
                self.where.setdefault(word, []).append(i)

    def support(self, words: set[str]) -> float:
        """The largest share of `words` that a run of SUPPORT_WINDOW consecutive sentences holds."""
        if not words:
            return 1.0
        starts = {max(i - SUPPORT_WINDOW + 1, 0) for w in words for i in self.where.get(w, ())}
        best = 0
        for start in starts:
            held = set().union(*self.words[start : start + SUPPORT_WINDOW]) & words
            best = max(best, len(held))
        return best / len(words)


# A statement of fact must find this share of its content words within this many consecutive sentences of the
# paper: a recipe or a setting the paper never states ("the data is divided into training, validation and test
# sets") finds its words scattered or nowhere.
SUPPORT, SUPPORT_WINDOW, SUPPORT_WORDS = 0.6, 3, 3
# A judgement of fewer words than this says nothing ("good").
JUDGEMENT_WORDS = 4


class Scrutiny:
    """One card's check against its paper: the paper's index, the tally, and what the card already says."""

    def __init__(self, paper: Paper, elsewhere: list[set[str]] | None = None, language: str = "en") -> None:
        self.paper = paper
        # In another language than the paper's English, words cannot be matched against the paper: numbers and
        # names (language-independent) still are, and sentences are still checked against each other.
        self.same_language = english(language)
        self.elsewhere = elsewhere or []  # key words of the sentences on other papers' cards
        self.written: list[str] = []  # every model-written sentence kept on this card
        self.index = PaperText(paper)
        self.passages = Passages(paper)
        self.facts = paper_facts(paper)
        self.grounding = Grounding()
        self.kept: list[tuple[str, set[str], str]] = []  # (where, content words, text) of each sentence kept
        self.abstract = runs(paper.abstract, COPY_WORDS)
        self.vocabulary = content_words(self.index.whole)
        self.paper_words = plain_words(self.index.whole)
        self.squashed = re.sub(r"[^a-z0-9]", "", self.index.whole)

    def has_token(self, name: str) -> bool:
        key = re.sub(r"[^a-z0-9]", "", normalise(name))
        return bool(key) and key in self.squashed

    def has_entity(self, value: str) -> bool:
        """A name the paper uses: verbatim, or every one of its words (a name the model shortened or reordered)."""
        if self.index.has_name(value):
            return True
        words, names = content_words(value), names_in(value)
        return bool(words | names) and words <= self.vocabulary and all(self.has_token(n) for n in names)

    def unsupported(self, text: str) -> list[str]:
        """Numbers the paper does not print and names it never uses."""
        numbers = [n for n in sorted(numbers_in(text)) if not self.index.has_number(n)]
        return numbers + [n for n in sorted(names_in(text, self.same_language)) if not self.has_token(n)]

    def filler(self, sentence: str, kind: KindName) -> str | None:
        """Why a sentence goes (None when it stays): it denies what extraction found, could describe any paper,
        states as a fact what no passage of the paper states, is a judgement that says nothing, copies the
        abstract or repeats the card."""
        if denied := denial(sentence, self.facts):
            return f"contradicts the paper: {denied}"
        words, plain = content_words(sentence), plain_words(_QUOTED.sub(" ", sentence))
        if not self.same_language:
            return self._repeated(sentence, words)
        if len(words) >= 4 and len(words - self.vocabulary) > len(words) / 2:
            return "could describe any paper: most of its words are not in the paper"
        named = {n.lower() for n in names_in(sentence) if self.has_token(n)}  # its datasets, baselines...
        plain = (plain - plain_words(" ".join(named))) | named
        if len(plain) >= 3 and len(plain - self.paper_words - named) > len(plain) / 2:
            # the words any review may use ("does not report recent baselines") count too: a sentence made of
            # them, in words the paper never uses, is a checklist item, not a reading of this paper
            return "could describe any paper: most of its words are not in the paper"
        said = key_words(sentence)
        if len(said) >= 3 and any(overlap(said, other) >= REPEAT for other in self.elsewhere):
            return "could describe any paper: it stands on the card of another paper"
        quoted_out = content_words(_QUOTED.sub(" ", sentence))
        if kind == "fact" and len(quoted_out) >= SUPPORT_WORDS and self.passages.support(quoted_out) < SUPPORT:
            return "no passage of the paper states it"
        if kind == "judgement" and len(sentence.split()) < JUDGEMENT_WORDS:
            return "says nothing about this paper"
        if runs(_QUOTED.sub(" ", sentence), COPY_WORDS) & self.abstract:
            return "copies the abstract"
        return self._repeated(sentence, words)

    def _repeated(self, sentence: str, words: set[str]) -> str | None:
        same = normalise(sentence).strip(" .")
        for where, other, text in self.kept:
            if same == text or (len(words) >= 3 and overlap(words, other) >= REPEAT):
                return f"repeats {where}"
        return None

    def text(self, value: str, kind: KindName, where: str, limit: int | None) -> str:
        """A model-written field, sentence by sentence: a fact keeps only what the paper supports, a judgement is
        marked where it names what the paper does not; filler goes from both, and from a fact a sentence that
        only says the paper does not state something (the field abstains). '' when nothing is left."""
        if value.strip().lower() in NOT_CLAIMS:
            return NOT_STATED if kind == "fact" else ""  # an abstention, in the card's words
        if COPIED.fullmatch(value.strip()):  # the paper's words or links, copied by code with their page
            self.grounding.record(True, where, value)
            return value
        kept, missing = [], []
        for sentence in sentences(value):
            if kind == "fact" and says_only_unstated(sentence):
                continue  # "does not provide information about X": the field abstains, in the card's words
            absent = self.unsupported(sentence)
            why = f"not in the paper: {', '.join(absent)}" if kind == "fact" and absent else self.filler(sentence, kind)
            if why:
                self.grounding.record(False, where, f"{sentence} ({why})", "removed")
                continue
            self.grounding.record(not absent, where, f"{sentence} (not in the paper: {', '.join(absent)})", "marked")
            missing += absent
            self.kept.append((where, content_words(sentence), normalise(sentence).strip(" .")))
            self.written.append(sentence)
            kept.append(sentence)
        text = " ".join(kept)
        return with_mark(text, UNSUPPORTED.format(", ".join(missing)), limit) if missing and text else text

    def value(self, value: str, kind: KindName, where: str) -> bool:
        """An entity or a number a model copied: True when the paper has it (abstentions pass)."""
        if value.strip().lower() in NOT_CLAIMS:
            return True
        if kind == "number":
            numbers = numbers_in(value)
            ok = bool(numbers) and all(self.index.has_number(n) for n in numbers)
        else:
            ok = self.has_entity(value)
        return self.grounding.record(ok, where, f"{kind} {value!r}", "removed")

    def model(self, model: BaseModel, where: str) -> bool:
        """Check every field of `model` by its kind, in place; False when the item should go: its key name or
        number (the first of each) is not in the paper, or its first statement had nothing left."""
        keep, first_key, first_text = True, set(), True
        for name, info in type(model).model_fields.items():
            kind, limit = field_kind(info)
            value, path = getattr(model, name), f"{where}.{name}"
            if isinstance(value, BaseModel):
                self.model(value, path)
            elif isinstance(value, list):
                setattr(model, name, self.items(value, kind, limit, path))
            elif isinstance(value, str) and kind in ("fact", "judgement"):
                text = self.text(value, kind, path, limit)
                if first_text and value.strip() and not text:
                    keep = False
                first_text = False
                setattr(model, name, text or (NOT_STATED if kind == "fact" else ""))
            elif isinstance(value, str) and kind in ("entity", "number"):
                if not self.value(value, kind, path):
                    keep = keep and kind in first_key
                    setattr(model, name, NOT_STATED)
                first_key.add(kind)
        self.quote(model, where)
        return keep

    def items(self, values: list, kind: KindName | None, limit: int | None, where: str) -> list:
        kept = []
        for i, item in enumerate(values):
            path = f"{where}[{i}]"
            if isinstance(item, BaseModel):
                if self.model(item, path):
                    kept.append(item)
            elif isinstance(item, str) and kind in ("fact", "judgement"):
                if item.strip().lower() in NOT_CLAIMS:
                    continue  # "not reported" is no item of a list
                if text := self.text(item, kind, path, limit):
                    kept.append(text)
            else:
                kept.append(item)
        return kept

    def quote(self, model: BaseModel, where: str) -> None:
        """A quote the paper does not hold is removed, and the statement it was given for says so."""
        fields = type(model).model_fields
        quoted = next((n for n, i in fields.items() if field_kind(i)[0] == "quote"), None)
        if quoted is None or not getattr(model, quoted):
            return
        quote = getattr(model, quoted)
        if self.grounding.record(self.index.has_quote(quote, getattr(model, "page", None)), where, quote, "marked"):
            return
        setattr(model, quoted, "")
        said = next((n for n, i in fields.items() if field_kind(i)[0] in ("fact", "judgement")), None)
        if said is not None:
            setattr(model, said, with_mark(getattr(model, said), UNVERIFIED, field_kind(fields[said])[1]))


def contribution_sentence(paper: Paper) -> str:
    """The abstract's sentence that states what the paper contributes ('' without an abstract)."""
    found = [s for s in sentences(clean(paper.abstract)) if 30 <= len(s) <= 360]
    return next((s for s in found if _CONTRIBUTION.search(s)), found[0] if found else "")


def topical(tags: list[str], paper: Paper) -> list[str]:
    """Tags that name the paper's topic (their words are in its title or abstract), never a section heading; each
    once."""
    about = content_words(paper.title + " " + paper.abstract)
    headings = {normalise(s.heading) for s in paper.sections}
    kept: dict[str, str] = {}
    for tag in tags:
        words = content_words(tag)
        if words and words <= about and len(tag.split()) <= TAG_WORDS and normalise(tag) not in headings:
            kept.setdefault(normalise(tag), tag)
    return list(kept.values())


def check_verdict(verdict: Verdict, s: Scrutiny) -> None:
    """The verdict's statements, by the same rules (reasons may restate findings: that is how they cite them).
    A TL;DR that does not state the contribution gives way to the abstract's own sentence, quoted. The reasons
    are checked first: a TL;DR that only repeats a reason gives way too, not the reason the score rests on (a
    small model writes one sentence as its TL;DR and as every reason)."""
    card_wide, s.kept = s.kept, []
    verdict.reasons = s.items(list(verdict.reasons), "judgement", 400, "verdict.reasons")
    verdict.disagreements = s.items(list(verdict.disagreements), "judgement", 400, "verdict.disagreements")
    written = len(s.written)
    tldr = s.text(verdict.tldr, "fact", "verdict.tldr", 400)
    if not tldr or s.same_language and overlap(content_words(tldr), content_words(s.paper.abstract)) < TLDR_OVERLAP:
        del s.written[written:]
        sentence = contribution_sentence(s.paper)
        tldr = f"From the abstract: \u201c{sentence[:360]}\u201d" if sentence else tldr
    verdict.tldr = tldr
    verdict.tags = topical(list(verdict.tags), s.paper)
    s.kept = card_wide


def check_card(
    reviews: dict[str, Findings],
    verdict: Verdict | None,
    paper: Paper,
    ledger: SentenceLedger | None = None,
    language: str = "en",
) -> Grounding:
    """Check (and fix in place) every model-written field of every review and of the verdict; the tally. With a
    ledger, a sentence that stands on another paper's card goes, and the sentences this card keeps are recorded.
    `language`: the one the model wrote in."""
    s = Scrutiny(paper, ledger.elsewhere(paper) if ledger else None, language)
    results = [r.model_dump() for r in getattr(reviews.get("experiments"), "results", [])]
    s.facts["baselines"] = baseline_compared(results)
    for name, review in reviews.items():
        s.model(review, name)
    if verdict is not None:
        check_verdict(verdict, s)
    if ledger is not None:
        ledger.record(paper, s.written)
    return s.grounding


def verify_findings(
    outputs: dict[str, dict], verdict: dict | None, paper: Paper, ledger: SentenceLedger | None = None
) -> Grounding:
    """`check_card` over JSON outputs (reviewer name -> output, the verdict's fields), rewritten in place."""
    reviews = {name: REGISTRY[name].schema.model_validate(out) for name, out in outputs.items()}
    typed = Verdict.model_validate(verdict) if verdict else None
    grounding = check_card(reviews, typed, paper, ledger)
    for name, review in reviews.items():
        outputs[name].clear()
        outputs[name].update(review.model_dump(mode="json"))
    if verdict and typed is not None:
        verdict.clear()
        verdict.update(typed.model_dump(mode="json"))
    return grounding
