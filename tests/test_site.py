"""`review site`: a static site of a real weekly run, its newsletter issue and a card: every internal link
resolves, feeds parse back with feedparser, a rebuild writes nothing that did not change, and in headless
Chromium the search finds a known card with no console error and no request leaving the folder."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from test_cli_extract import review as run_cli
from test_render import CHROMIUM
from test_weekly import WEEK_ARGS, topics_toml, world

SITE_URL = "https://papers.example.org/referee/"


class Links(HTMLParser):
    """Every URL a page links to or loads: (tag, attribute, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.found.append((tag, name, value))


def links_of(page: Path) -> list[tuple[str, str, str]]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


@pytest.fixture(scope="module")
def published(httpserver_module, tmp_path_factory):
    """A weekly run, a newsletter issue drafted from it and the site built over the output folder."""
    tmp_path = tmp_path_factory.mktemp("site")
    _, _, env = world(httpserver_module, tmp_path)
    out = tmp_path / "out"
    topics = topics_toml(tmp_path / "topics.toml")
    result = run_cli(*WEEK_ARGS[:-1], "4", "--topics", str(topics), "--out", str(out), env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    result = run_cli("newsletter", "--weekly", str(out / "weekly" / "2026-W16"), "--out", str(out), env=env,
                     timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    built = run_cli("site", "--out", str(out), "--site-url", SITE_URL, env=env, timeout=120)
    assert built.returncode == 0, built.stderr
    return out, env, built


@pytest.fixture(scope="module")
def httpserver_module():
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    server.stop()


def site_pages(out: Path) -> list[Path]:
    return [out / "index.html", *sorted((out / "_site").glob("*.html"))]


def test_every_page_links_only_to_files_that_exist_and_loads_nothing_from_elsewhere(published):
    out, _, built = published
    report = json.loads((out / "weekly" / "2026-W16" / "report.json").read_text())
    reviewed = [e for e in report["ranked"] if e["ranked_on"] == "deep review"]
    assert re.search(rf"site: {len(reviewed)} cards, 1 weekly reports, 1 issues, \d+ topics", built.stderr)
    names = {p.name for p in site_pages(out)}
    assert {"index.html", "weeks.html", "months.html", "topics.html", "search.html", "week-2026-w16.html"} <= names
    assert any(n.startswith("topic-") for n in names)
    checked = 0
    for page in site_pages(out):
        for tag, _, url in links_of(page):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https"):
                assert tag == "a", (page, url)  # a link a reader may follow; nothing is loaded from elsewhere
                continue
            assert not parts.scheme and not url.startswith("//"), (page, url)
            if not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file() and out.resolve() in target.parents, (page, url)
            checked += 1
    assert checked > 30
    week = (out / "_site" / "week-2026-w16.html").read_text()
    for entry in reviewed:  # the week's page lists every reviewed paper, with its card
        assert entry["title"].replace("&", "&amp;") in week
    home = (out / "index.html").read_text()
    assert "This week: 2026-W16" in home and "Latest newsletter" in home


def test_feeds_parse_back_with_absolute_links_into_the_site(published):
    out, _, _ = published
    feeds = sorted((out / "_site" / "feeds").glob("*.atom"))
    assert {"weekly.atom", "newsletter.atom"} <= {f.name for f in feeds} and len(feeds) >= 3
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.feed.title and parsed.entries, path
        for entry in parsed.entries:
            assert entry.link.startswith(SITE_URL), (path, entry.link)
            assert (out / unquote(entry.link.removeprefix(SITE_URL))).is_file(), (path, entry.link)
            assert entry.id and entry.updated
    weekly = feedparser.parse((out / "_site" / "feeds" / "weekly.atom").read_bytes())
    assert weekly.entries[0].title.startswith("Week 2026-W16:")
    topic = next(f for f in feeds if f.name.startswith("topic-"))
    cards = feedparser.parse(topic.read_bytes()).entries
    assert all(e.link.endswith(("card.html", "card.md")) and e.summary for e in cards)


def test_a_rebuild_writes_only_what_changed(published, tmp_path):
    out, env, _ = published
    again = run_cli("site", "--out", str(out), "--site-url", SITE_URL, env=env, timeout=120)
    assert again.returncode == 0 and " 0 files written" in again.stderr, again.stderr
    no_url = run_cli("site", "--out", str(out), env={**env, "REFEREE_SITE_URL": ""}, timeout=120)
    assert no_url.returncode == 0 and "no Atom feeds" in no_url.stderr
    assert not list((out / "_site" / "feeds").glob("*.atom"))  # feeds without a URL are removed, not left stale
    assert "application/atom+xml" not in (out / "index.html").read_text()
    rebuilt = run_cli("site", "--out", str(out), "--site-url", SITE_URL, env=env, timeout=120)
    assert rebuilt.returncode == 0 and list((out / "_site" / "feeds").glob("*.atom"))
    missing = run_cli("site", "--out", str(tmp_path / "nowhere"), env=env, timeout=60)
    assert missing.returncode == 2 and "no such folder" in missing.stderr and "Traceback" not in missing.stderr


def chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'p'}",
             "--disable-features=NetworkTimeServiceQuerying",  # the browser's own clock check, not the page's
             "--enable-logging=stderr", "--v=0", f"--log-net-log={tmp_path / 'net.json'}", *extra]  # fmt: skip
    return subprocess.run([*flags, url], capture_output=True, text=True, timeout=90)


def page_requests(net_log: Path) -> list[str]:
    """The http(s) URLs a page asked for, from Chromium's net log: requests with an initiator (the browser's own
    update and account checks have none: 'not an origin')."""
    text = net_log.read_text(errors="replace").rstrip()
    try:
        events = json.loads(text)["events"]
    except ValueError:  # a log cut off at the browser's exit: close its list of events
        events = json.loads(text.rstrip(",") + "]}")["events"]
    return sorted(
        {
            e["params"]["url"]
            for e in events
            if e.get("params", {}).get("url", "").startswith(("http://", "https://"))
            and e["params"].get("initiator", "not an origin") != "not an origin"
        }
    )


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_search_finds_a_known_card_in_chromium_offline(published, httpserver_module, tmp_path):
    out, _, _ = published
    # the net log sees what a page requests: a control page that loads an image from loopback
    httpserver_module.expect_request("/probe.png").respond_with_data(b"", content_type="image/png")
    control = tmp_path / "control.html"
    control.write_text(f'<img src="{httpserver_module.url_for("/probe.png")}">')
    chromium(tmp_path, control.as_uri(), "--dump-dom")
    assert any(u.endswith("/probe.png") for u in page_requests(tmp_path / "net.json"))
    index = json.loads((out / "_site" / "search-index.js").read_text().split("=", 1)[1].rstrip().rstrip(";"))
    known = index[0]
    word = max(re.findall(r"[A-Za-z]{5,}", known["t"]), key=len)
    url = (out / "_site" / "search.html").as_uri() + f"?q={word}"
    run = chromium(tmp_path, url, "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    results = run.stdout.split('id="results"', 1)[1]
    assert known["t"].replace("&", "&amp;") in results, results[:2000]
    assert re.search(r"\d+ cards? for", run.stdout)
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    requested = page_requests(tmp_path / "net.json")
    assert not requested, requested[:10]  # nothing left the folder
    for page in site_pages(out):  # every page opens without a script error
        shown = chromium(tmp_path, page.as_uri(), "--dump-dom")
        assert shown.returncode == 0 and not [x for x in shown.stderr.splitlines() if "CONSOLE" in x], page


def test_hostile_cards_put_no_live_markup_in_the_site_and_a_planted_link_is_refused(published, tmp_path):
    import shutil

    from referee.errors import RefereeError
    from referee.website import build_site

    out, _, _ = published
    card_json = next(p for p in sorted(out.glob("*/card.json")))
    site = tmp_path / "out"
    shutil.copytree(card_json.parent, site / "planted")
    card = json.loads(card_json.read_text())
    card["header"]["title"] = '<script>alert("title")</script></script><img src=x onerror=alert(1)>'
    card["header"]["abs_url"] = "javascript:alert(2)"
    card["header"]["authors"] = [{"name": '"><svg onload=alert(3)>'}]
    (site / "planted" / "card.json").write_text(json.dumps(card))
    built = build_site(site, SITE_URL)
    assert built.cards == 1
    for page in site_pages(site):
        text = page.read_text()
        assert "<script>alert" not in text and "<img src=x" not in text and "<svg" not in text, page
        assert "javascript:" not in text, page
    index = (site / "_site" / "search-index.js").read_text()
    assert "</script>" not in index and json.loads(index.split("=", 1)[1].rstrip().rstrip(";"))[0]["t"].startswith("<")
    feed = feedparser.parse((site / "_site" / "feeds" / "weekly.atom").read_bytes())
    assert not feed.bozo
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(site / "_site")
    (site / "_site").symlink_to(elsewhere)
    with pytest.raises(RefereeError, match="outside the output folder"):
        build_site(site, SITE_URL)
    assert not list(elsewhere.iterdir())
