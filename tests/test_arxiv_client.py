"""The arXiv client against a real HTTP server on loopback serving the recorded arXiv responses."""

from __future__ import annotations

import time

import pytest
from conftest import corpus_path
from loopback import API_PATH, PDF_PATH, RequestLog, atom_feed, point_settings_at
from werkzeug import Response

from referee.errors import BadInputError, BadPDFError, PaperNotFoundError, RemoteError, WithdrawnPaperError
from referee.tools.sources.arxiv import ArxivClient, ArxivRef
from referee.tools.sources.cache import PaperCache


def feed(name: str) -> bytes:
    return corpus_path("feeds", name).read_bytes()


def pdf_bytes(slug: str = "srlearn-starai2020") -> bytes:
    return corpus_path("papers", slug, "paper.pdf").read_bytes()


@pytest.fixture
def client_for(settings, httpserver):
    made = []

    def make(cache: bool = False, **overrides):
        conf = point_settings_at(settings, httpserver).model_copy(update=overrides)
        client = ArxivClient(conf, PaperCache(conf.cache_dir) if cache else None)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
        if client.cache:
            client.cache.close()


def test_metadata_from_recorded_feed(httpserver, client_for):
    httpserver.expect_request(
        API_PATH, query_string={"id_list": "1605.08386", "start": "0", "max_results": "1"}
    ).respond_with_data(feed("arxiv_api_idlist_1605.08386.xml"), content_type="application/atom+xml")
    meta = client_for().metadata(ArxivRef("1605.08386"))
    assert meta.arxiv_id == "1605.08386" and meta.version == 1
    assert meta.title == "Heat-bath random walks with Markov bases"
    assert meta.authors == ["Caprice Stanley", "Tobias Windisch"]
    assert meta.categories == ["math.CO", "math.ST"] and meta.primary_category == "math.CO"
    assert meta.comment == "20 pages, 3 figures"
    assert meta.pdf_url == "https://arxiv.org/pdf/1605.08386v1"


def test_title_zero_is_kept(httpserver, client_for):
    httpserver.expect_request(API_PATH).respond_with_data(feed("arxiv_api_idlist_2104.12255v1.xml"))
    meta = client_for().metadata(ArxivRef("2104.12255", 1))
    assert meta.title == "0" and meta.versioned_id == "2104.12255v1"


def test_http_400_error_feed_names_the_reason(httpserver, client_for):
    httpserver.expect_request(API_PATH).respond_with_data(feed("arxiv_api_idlist_abc_http400_error.xml"), status=400)
    with pytest.raises(BadInputError, match="incorrect id format for abc"):
        client_for().metadata(ArxivRef("abc"))


def test_empty_result_is_not_found(httpserver, client_for):
    httpserver.expect_request(API_PATH).respond_with_data(feed("arxiv_api_idlist_0000.0000_no_results.xml"))
    with pytest.raises(PaperNotFoundError, match="no paper with id 0000.0000"):
        client_for().metadata(ArxivRef("0000.0000"))


def test_withdrawn_paper_has_its_own_message(httpserver, client_for):
    body = feed("arxiv_api_idlist_1605.08386.xml").replace(
        b"20 pages, 3 figures", b"This paper has been withdrawn by the author due to an error in Lemma 2"
    )
    httpserver.expect_request(API_PATH).respond_with_data(body)
    with pytest.raises(WithdrawnPaperError, match="withdrawn"):
        client_for().metadata(ArxivRef("1605.08386"))


def test_429_then_success_honours_retry_after(httpserver, client_for):
    log = RequestLog()

    def limited(request):
        log.stamp(request.path)
        return Response("slow down", status=429, headers={"Retry-After": "1"})

    def ok(request):
        log.stamp(request.path)
        return Response(feed("arxiv_api_idlist_1605.08386.xml"), content_type="application/atom+xml")

    httpserver.expect_ordered_request(API_PATH).respond_with_handler(limited)
    httpserver.expect_ordered_request(API_PATH).respond_with_handler(ok)
    client = client_for()
    meta = client.metadata(ArxivRef("1605.08386"))
    assert meta.title.startswith("Heat-bath")
    assert client.requests == 2
    waited = log.times[1][1] - log.times[0][1]
    assert waited >= 0.95, f"retried after {waited:.2f}s although Retry-After said 1s"


def test_503_forever_gives_up_after_bounded_tries(httpserver, client_for):
    log = RequestLog()

    def unavailable(request):
        log.stamp(request.path)
        return Response("down", status=503)

    httpserver.expect_request(API_PATH).respond_with_handler(unavailable)
    client = client_for(http_max_tries=4)
    with pytest.raises(RemoteError, match=r"did not answer after 4 tries \(HTTP 503\)") as info:
        client.metadata(ArxivRef("1605.08386"))
    assert info.value.exit_code == 3
    assert len(log.times) == 4
    gaps = [b[1] - a[1] for a, b in zip(log.times, log.times[1:], strict=False)]
    assert all(gap >= 0 for gap in gaps)


def test_backoff_grows_between_tries(httpserver, client_for):
    log = RequestLog()
    httpserver.expect_request(API_PATH).respond_with_handler(lambda r: (log.stamp(r.path), Response("", 500))[1])
    client = client_for(http_max_tries=4, backoff_base=0.1, backoff_max=5.0)
    with pytest.raises(RemoteError):
        client.metadata(ArxivRef("1605.08386"))
    total = log.times[-1][1] - log.times[0][1]
    # random exponential waits of up to 0.2, 0.4 and 0.8 s: never zero in sum, never above the cap
    assert 0.0 < total <= 1.4 + 0.5


def test_timeout_is_retried_then_reported(httpserver, client_for):
    def hang(request):
        time.sleep(0.6)
        return Response(feed("arxiv_api_idlist_1605.08386.xml"))

    httpserver.expect_request(API_PATH).respond_with_handler(hang)
    client = client_for(http_timeout=0.2, http_max_tries=2)
    with pytest.raises(RemoteError, match="timed out"):
        client.metadata(ArxivRef("1605.08386"))
    assert client.requests == 2


def test_pdf_download_checks_magic_bytes(httpserver, client_for):
    httpserver.expect_request(API_PATH).respond_with_data(feed("arxiv_api_idlist_1605.08386.xml"))
    httpserver.expect_request(f"{PDF_PATH}/1605.08386v1").respond_with_data(
        "<html><body>Please verify you are human</body></html>", content_type="text/html"
    )
    client = client_for()
    meta = client.metadata(ArxivRef("1605.08386"))
    with pytest.raises(RemoteError, match="text/html .* not a PDF"):
        client.pdf(meta)


def test_pdf_download_and_size_cap(httpserver, client_for):
    body = pdf_bytes()
    httpserver.expect_request(API_PATH).respond_with_data(feed("arxiv_api_idlist_1605.08386.xml"))
    httpserver.expect_request(f"{PDF_PATH}/1605.08386v1").respond_with_data(body, content_type="application/pdf")
    client = client_for()
    meta = client.metadata(ArxivRef("1605.08386"))
    assert client.pdf(meta) == body
    small = client_for(max_pdf_mb=len(body) / 2 / 1e6)
    with pytest.raises(BadPDFError, match="over the 0 MB cap"):
        small.pdf(meta)


def test_oversize_body_without_content_length_is_cut_off(httpserver, client_for):
    def streamed(request):
        return Response((b"%PDF-1.5\n" + b"0" * 1024 for _ in range(200)), content_type="application/pdf")

    httpserver.expect_request(API_PATH).respond_with_data(feed("arxiv_api_idlist_1605.08386.xml"))
    httpserver.expect_request(f"{PDF_PATH}/1605.08386v1").respond_with_handler(streamed)
    client = client_for(max_pdf_mb=0.05)
    meta = client.metadata(ArxivRef("1605.08386"))
    with pytest.raises(BadPDFError, match="download is over"):
        client.pdf(meta)


def test_missing_pdf_is_not_found(httpserver, client_for):
    httpserver.expect_request(API_PATH).respond_with_data(feed("arxiv_api_idlist_1605.08386.xml"))
    httpserver.expect_request(f"{PDF_PATH}/1605.08386v1").respond_with_data("gone", status=404)
    client = client_for()
    with pytest.raises(PaperNotFoundError, match="HTTP 404"):
        client.pdf(client.metadata(ArxivRef("1605.08386")))


def test_second_fetch_is_served_from_cache_with_zero_requests(httpserver, client_for):
    httpserver.expect_request(API_PATH).respond_with_data(feed("arxiv_api_idlist_1605.08386.xml"))
    httpserver.expect_request(f"{PDF_PATH}/1605.08386v1").respond_with_data(pdf_bytes())
    first = client_for(cache=True)
    first.pdf(first.metadata(ArxivRef("1605.08386")))
    assert first.requests == 2
    first.close()
    first.cache.close()
    served = len(httpserver.log)
    second = client_for(cache=True)
    meta = second.metadata(ArxivRef("1605.08386"))
    assert second.pdf(meta)[:5] == b"%PDF-"
    assert second.requests == 0 and len(httpserver.log) == served


def test_unversioned_metadata_expires(httpserver, client_for):
    httpserver.expect_request(API_PATH).respond_with_data(feed("arxiv_api_idlist_1605.08386.xml"))
    client = client_for(cache=True, metadata_ttl=0.2)
    client.metadata(ArxivRef("1605.08386"))
    client.metadata(ArxivRef("1605.08386"))
    assert client.requests == 1
    time.sleep(0.3)
    client.metadata(ArxivRef("1605.08386"))
    assert client.requests == 2
    client.metadata(ArxivRef("1605.08386", 1))  # the versioned entry is kept for good
    assert client.requests == 2


def test_one_request_per_interval_per_host(httpserver, client_for):
    log = RequestLog()
    body = atom_feed("2007.08663", 1, "T", ["A B"])
    httpserver.expect_request(API_PATH).respond_with_handler(lambda r: (log.stamp(r.path), Response(body))[1])
    client = client_for(request_interval=0.4)
    other = client_for(request_interval=0.4)  # a second client shares the same per-host budget
    for c in (client, other, client):
        c.metadata(ArxivRef("2007.08663"))
    gaps = [b[1] - a[1] for a, b in zip(log.times, log.times[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.38, gaps
