"""A synthetic arXiv week on loopback for the weekly-report tests and bench/weekly.py.

The ten corpus papers (real PDFs) get ids 2604.90001-2604.90010 and are listed with their real titles and
authors; fifty made-up listings surround them (keyword hits, negative keywords, misses). The API handler
answers both the category search and the id_list look-ups the deep reviews make; PDFs are served for the
corpus papers only, so a made-up paper that reaches deep review is "ranked on triage only".
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

from loopback import API_PATH, PDF_PATH, atom_entry, listing_feed
from werkzeug import Request, Response

from referee.contract.verdict import band
from referee.tools.sources.topics import Topic, Topics

SLUGS = (
    "allenai-sigtyp2024-libertus",
    "eccco-faithful-counterfactuals-aaai2024",
    "ethnicity-author-disambiguation",
    "kmodes-hospital-resident-init",
    "learned-transform-compression-softvqae",
    "learning-to-pivot-nips2017",
    "minibatch-mh-acceptance-test",
    "srlearn-starai2020",
    "stop-unscientific-agi-claims-icml2024",
    "tudataset-grl2020",
)
TOPICS = Topics(
    keywords=["learning", "data", "model", "models"],
    negative=["survey"],
    topic=[
        Topic(id="methods", name="Methods and theory", keep="new methods with evidence"),
        Topic(id="resources", name="Data and resources", keep="datasets, benchmarks, tools"),
    ],
)
NO_PDF = "2604.90011"  # a top-triaged made-up paper: its PDF is missing, so it is ranked on triage alone


@dataclass
class Week:
    corpus: Path
    entries: dict[str, str] = field(default_factory=dict)  # arxiv id -> <entry>
    pdfs: dict[str, Path] = field(default_factory=dict)  # versioned id -> PDF
    corpus_ids: set[str] = field(default_factory=set)

    def feed(self) -> bytes:
        return listing_feed(list(self.entries.values()))

    def install(self, httpserver) -> None:
        httpserver.expect_request(API_PATH).respond_with_handler(self.api)
        httpserver.expect_request(__import__("re").compile(rf"^{PDF_PATH}/.*")).respond_with_handler(self.pdf)

    def api(self, request: Request) -> Response:
        args = parse_qs(request.query_string.decode())
        if "id_list" in args:
            wanted = [i.split("v")[0] for i in args["id_list"][0].split(",")]
            return Response(listing_feed([self.entries[i] for i in wanted if i in self.entries]))
        return Response(self.feed(), content_type="application/atom+xml")

    def pdf(self, request: Request) -> Response:
        versioned = request.path.rsplit("/", 1)[-1]
        path = self.pdfs.get(versioned)
        if path is None:
            return Response("not found", status=404)
        return Response(path.read_bytes(), content_type="application/pdf")


def _abstract(pdf: Path) -> str:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return " ".join(doc[0].get_text().split())[:900]


def build_week(corpus: Path, extra: int = 50) -> Week:
    week = Week(corpus=corpus)
    for n, slug in enumerate(SLUGS, 1):
        meta = json.loads((corpus / "papers" / slug / "meta.json").read_text(encoding="utf-8"))
        arxiv_id = f"2604.{90000 + n}"
        pdf = corpus / "papers" / slug / "paper.pdf"
        week.entries[arxiv_id] = atom_entry(
            arxiv_id,
            1,
            meta["title"],
            meta["authors"],
            _abstract(pdf) + " We study learning from data.",
            published=f"2026-04-{13 + n % 7:02d}T10:00:00Z",
        )
        week.pdfs[f"{arxiv_id}v1"] = pdf
        week.corpus_ids.add(arxiv_id)
    for n in range(extra):
        arxiv_id = f"2604.{90011 + n}"
        if n % 10 == 9:
            text, title = "A survey of methods for learning on sets.", f"A Survey of Set Learning, Part {n}"
        elif n % 10 == 8:
            text = "We prove a bound on the chromatic number of sparse graphs by a counting argument over cycles."
            title = f"Colouring Sparse Graphs {n}"
        else:  # an abstract says more than its title: a triage reason that names it restates nothing
            text = f"We propose method {n} for learning from noisy data: labels are smoothed by annotator agreement."
            title = f"Learning from Noisy Data {n}"
        cats = ("cs.LG", "cs.AI", "stat.ML") if n % 3 == 0 else ("cs.LG",)
        week.entries[arxiv_id] = atom_entry(
            arxiv_id,
            1,
            title,
            [f"Author {n} A", f"Author {n} B"],
            text,
            categories=cats,
            published=f"2026-04-{13 + n % 7:02d}T09:00:00Z",
        )
    return week


def responder_for(week: Week):
    """Triage: corpus papers and NO_PDF on top; verdicts: a score from the findings (stable across runs)."""
    from fakes import synthesize, triage_scores

    def respond(name: str, schema: dict, prompt: str) -> dict:
        if name == "TriageBatch":
            out = triage_scores(prompt)
            for s in out["scores"]:
                top = s["arxiv_id"] in week.corpus_ids
                if s["arxiv_id"] == NO_PDF:
                    s["relevance"], s["novelty"] = 10, 10
                else:
                    # on top, and told apart (a batch scored all alike is asked again)
                    novelty = 7 + zlib.crc32(s["arxiv_id"].encode()) % 3
                    s["relevance"], s["novelty"] = (10, novelty) if top else (min(s["relevance"], 8), s["novelty"])
                s["primary_topic"] = "resources" if zlib.crc32(s["arxiv_id"].encode()) % 3 == 0 else "methods"
            return out
        args = synthesize(schema, prompt, name=name)
        if name == "Verdict":
            args["score"] = 5.0 + zlib.crc32(prompt.encode()) % 45 / 10
            args["label"] = band(args["score"])
        return args

    return respond
