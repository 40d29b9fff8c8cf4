"""Weekly listings (issue 6, first part): recorded feeds parsed, duplicates merged, searches paginated on loopback."""

from __future__ import annotations

import pytest
from conftest import corpus_path
from loopback import API_PATH, point_settings_at

from referee.errors import BadInputError
from referee.tools.sources.arxiv import ArxivClient, listing_query
from referee.tools.sources.listing import deduplicate, fetch_listing, parse_listing


def test_api_style_listing():
    listings, total = parse_listing(corpus_path("feeds", "listing_2026-04-17_29_papers.xml").read_bytes())
    assert total == 29 and len(listings) == 29
    first = listings[0]
    assert first.versioned_id == "2604.14702v1"
    assert first.title == "Gating Enables Curvature: A Geometric Expressivity Gap in Attention"
    assert first.abstract.startswith("Multiplicative gating is widely used")
    assert first.authors and first.categories == ["cs.LG"]


def test_rss_announcement_feed():
    listings, total = parse_listing(corpus_path("feeds", "arxiv_rss_atom_listing_cs.AI_2025-08-20.xml").read_bytes())
    assert total is None and len(listings) == 7
    cross = next(x for x in listings if x.arxiv_id == "2508.13426")
    assert cross.announce_type == "cross" and cross.version == 1
    assert cross.abstract.startswith("As large language models (LLMs) increasingly mediate")  # prefix removed
    assert set(cross.categories) >= {"cs.CL", "cs.AI"} and len(cross.authors) > 1


def test_cross_lists_and_versions_count_once():
    listings, _ = parse_listing(corpus_path("feeds", "listing_2026-06-mixed_17_papers.xml").read_bytes())
    again = [x.model_copy(update={"version": (x.version or 1) + 1, "categories": ["stat.ML"]}) for x in listings[:3]]
    merged = deduplicate(listings + again)
    assert len(merged) == len({x.arxiv_id for x in listings})
    for item in merged[:3]:
        assert item.version == (next(x for x in listings if x.arxiv_id == item.arxiv_id).version or 1) + 1
        assert "stat.ML" in item.categories


def test_query_for_a_week():
    query = listing_query(["cs.LG", "cs.AI"], "2026-04-13", "2026-04-19")
    assert query == "(cat:cs.LG OR cat:cs.AI) AND submittedDate:[202604130000 TO 202604192359]"
    with pytest.raises(BadInputError, match="not an arXiv category"):
        listing_query(["cs LG"], "2026-04-13", "2026-04-19")


def test_search_is_paginated_and_polite(httpserver, settings):
    body = corpus_path("feeds", "listing_2026-04-17_29_papers.xml").read_bytes()
    pages = []

    def page(request):
        from werkzeug import Response

        start = int(request.args["start"])
        pages.append(start)
        listings_xml = body if start == 0 else body.replace(b"2604.", b"2605.")
        return Response(listings_xml.replace(b"<opensearch:totalResults>29<", b"<opensearch:totalResults>50<"))

    httpserver.expect_request(API_PATH).respond_with_handler(page)
    with ArxivClient(point_settings_at(settings, httpserver)) as client:
        found = fetch_listing(client, listing_query(["cs.LG"], "2026-04-13", "2026-04-19"), page_size=29)
        assert client.requests == 2
    assert pages == [0, 29] and len(found) == 58
    assert httpserver.log[0][0].args["sortBy"] == "submittedDate"
