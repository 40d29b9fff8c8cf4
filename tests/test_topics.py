from __future__ import annotations

import pytest
from conftest import corpus_path

from referee.errors import BadInputError
from referee.tools.sources.listing import Listing, parse_listing
from referee.tools.sources.topics import filter_listings, keep, load_topics

TOPICS = """
keywords = ["attention", "mixture-of-experts"]
negative = ["survey"]
authors = ["Jane Doe"]

[[topic]]
id = "arch"
name = "Architectures"
keep = "new attention or routing mechanisms"
filter = "benchmarks of existing models only"
"""


def test_load_and_filter(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text(TOPICS)
    topics = load_topics(path)
    assert topics.topics[0].id == "arch" and topics.negative == ["survey"]
    listings, _ = parse_listing(corpus_path("feeds", "listing_2026-04-17_29_papers.xml").read_bytes())
    kept = filter_listings(listings, topics)
    assert 0 < len(kept) < len(listings)
    assert all(
        "attention" in (x.title + x.abstract).lower() or "mixture-of-experts" in (x.title + x.abstract).lower()
        for x, _ in kept
    )
    assert kept[0][1].startswith("keyword: ")


def test_negative_keywords_and_followed_authors(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text(TOPICS)
    topics = load_topics(path)
    survey = Listing(arxiv_id="2604.00001", title="A survey of attention", abstract="We review attention.")
    assert keep(survey, topics) == (False, "negative keyword: survey")
    followed = survey.model_copy(update={"authors": ["Jane Doe"]})
    assert keep(followed, topics) == (True, "followed author: Jane Doe")
    partial = Listing(arxiv_id="2604.00002", title="Attentional control in mice", abstract="")
    assert keep(partial, topics) == (False, "no keyword matched")  # whole words only


def test_bad_topics_file_is_a_clear_error(tmp_path):
    with pytest.raises(BadInputError, match="no such topics file"):
        load_topics(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("keywords = [unclosed")
    with pytest.raises(BadInputError, match="not valid TOML"):
        load_topics(bad)
