"""The only module that talks to arXiv: input resolution, the API client (Atom via feedparser), PDF download.

Polite by construction: one request per `request_interval` seconds per host across the whole process,
exponential backoff with jitter on 429/5xx/timeouts honouring Retry-After, a bounded number of tries.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax import SAXException

import feedparser
import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from ...errors import (
    BadInputError,
    BadPDFError,
    DeadlineError,
    PaperNotFoundError,
    RemoteError,
    WithdrawnPaperError,
)
from ...paper import ArxivMetadata
from ...settings import Settings
from .cache import PaperCache

ACCEPTED_FORMS = (
    "an arXiv id (2604.14702, 2604.14702v2, arXiv:1605.08386, hep-th/9901001, math.GT/0309136v1), "
    "an arxiv.org abs/pdf/html URL, or a path to a PDF, Markdown (.md) or plain-text (.txt) file"
)
_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<old>[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?/\d{7})"
_ID = rf"(?:{_NEW}|{_OLD})(?:v(?P<version>\d+))?"
_BARE = re.compile(rf"^(?:arxiv:\s*)?{_ID}$", re.I | re.ASCII)  # ASCII: fullwidth digits are not an id
_URL = re.compile(
    rf"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/{_ID}(?:\.pdf)?/?(?:[?#].*)?$", re.I | re.ASCII
)
_WITHDRAWN = re.compile(r"\b(this (paper|article|submission) (has been|was|is) withdrawn|withdrawn by)\b", re.I)


@dataclass(frozen=True)
class ArxivRef:
    arxiv_id: str
    version: int | None = None

    @property
    def versioned(self) -> str:
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id


@dataclass(frozen=True)
class LocalPDF:
    path: Path


@dataclass(frozen=True)
class LocalText:
    """A paper as a Markdown or plain-text file (a converter's or OpenReview's export)."""

    path: Path


TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".text")


def _check_new_style(number: str) -> None:
    yymm, suffix = number.split(".")
    month = int(yymm[2:])
    if not 1 <= month <= 12:
        raise BadInputError(f"{number!r} is not an arXiv id: {yymm} does not name a month (YYMM)")
    five = int(yymm) >= 1501
    if five != (len(suffix) == 5):
        need = "5 digits after the dot since 2015" if five else "4 digits after the dot before 2015"
        raise BadInputError(f"{number!r} is not an arXiv id: ids from {yymm[:2]}/{yymm[2:]} have {need}")


def resolve(text: str) -> ArxivRef | LocalPDF | LocalText:
    """What the user typed -> an arXiv reference, a local PDF or a local text file; a one-line error otherwise."""
    raw = text.strip()
    if not raw:
        raise BadInputError(f"nothing to review: give {ACCEPTED_FORMS}")
    match = _BARE.match(raw) or _URL.match(raw)
    if match:
        if match.group("new"):
            _check_new_style(match.group("new"))
        arxiv_id = match.group("new") or match.group("old")
        version = int(match.group("version")) if match.group("version") else None
        if version == 0:
            raise BadInputError(f"{raw!r} is not an arXiv id: versions start at v1")
        return ArxivRef(arxiv_id, version)
    path = Path(raw).expanduser()
    if path.is_symlink() and not path.exists():
        raise BadInputError(f"{raw}: a broken link or a link loop, not a file")
    if path.is_file() or raw.lower().endswith((".pdf", *TEXT_SUFFIXES)):
        if not path.exists():
            raise BadInputError(f"{raw}: no such file")
        return LocalText(path) if path.suffix.lower() in TEXT_SUFFIXES else LocalPDF(path)
    if re.match(r"^https?://", raw, re.I):
        raise BadInputError(f"{raw!r} is not an arXiv URL: give {ACCEPTED_FORMS}")
    raise BadInputError(f"cannot read {raw!r} as a paper: give {ACCEPTED_FORMS}")


class HostRateLimiter:
    """At most one request per interval per host, shared by every client in the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str, interval: float) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + interval
        if start > now:
            time.sleep(start - now)


RATE_LIMITER = HostRateLimiter()


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class _WaitHonouringRetryAfter:
    """Exponential backoff with jitter, but never shorter than the server's Retry-After."""

    def __init__(self, base: float, cap: float) -> None:
        self._jitter = wait_random_exponential(multiplier=base, max=cap)
        self._cap = cap

    def __call__(self, state: RetryCallState) -> float:
        backoff = self._jitter(state)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(max(backoff, exc.retry_after), max(self._cap, exc.retry_after))
        return backoff


@dataclass(frozen=True)
class _Reply:
    status_code: int
    headers: httpx.Headers
    content: bytes


class ArxivClient:
    def __init__(self, settings: Settings, cache: PaperCache | None = None) -> None:
        self.settings = settings
        self.cache = cache
        self.requests = 0  # HTTP requests actually sent (tests and benchmarks read it)
        self._http = httpx.Client(
            timeout=settings.http_timeout,
            follow_redirects=True,
            headers={"User-Agent": settings.user_agent},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- HTTP with politeness and retries ---------------------------------------------------------
    def _send(self, url: str, params: dict | None, what: str, max_bytes: int | None) -> _Reply:
        host = urlsplit(url).netloc
        deadline = time.monotonic() + self.settings.download_deadline
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.http_max_tries),
            wait=_WaitHonouringRetryAfter(self.settings.backoff_base, self.settings.backoff_max),
            retry=retry_if_exception_type(_Retryable),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(url, params, host, what, max_bytes, deadline)
        except _Retryable as exc:
            raise RemoteError(
                f"{what}: {host} did not answer after {self.settings.http_max_tries} tries ({exc})"
            ) from None
        raise AssertionError("unreachable")

    def _past(self, deadline: float, what: str) -> None:
        if time.monotonic() > deadline:
            raise DeadlineError(
                f"{what}: no complete answer within {self.settings.download_deadline:.0f} s "
                "(a stalled or very slow server; REFEREE_DOWNLOAD_DEADLINE sets the limit)"
            )

    def _once(
        self, url: str, params: dict | None, host: str, what: str, max_bytes: int | None, deadline: float
    ) -> _Reply:
        self._past(deadline, what)
        RATE_LIMITER.wait(host, self.settings.request_interval)
        self.requests += 1
        try:
            with self._http.stream("GET", url, params=params) as response:
                if response.status_code == 429 or response.status_code >= 500:
                    raise _Retryable(f"HTTP {response.status_code}", _retry_after(response))
                length = response.headers.get("Content-Length")
                if max_bytes is not None and length and length.isdigit() and int(length) > max_bytes:
                    raise _too_big(what, int(length), max_bytes)
                body = bytearray()
                for chunk in response.iter_bytes():
                    self._past(deadline, what)
                    body.extend(chunk)
                    if max_bytes is not None and len(body) > max_bytes:
                        raise _too_big(what, len(body), max_bytes, at_least=True)
                return _Reply(response.status_code, response.headers, bytes(body))
        except httpx.TooManyRedirects:
            raise RemoteError(f"{what}: {host} redirected too many times (a redirect loop?)") from None
        except httpx.TimeoutException:
            raise _Retryable("timed out") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection failed: {exc}") from None

    # -- API ---------------------------------------------------------------------------------------
    def metadata(self, ref: ArxivRef) -> ArxivMetadata:
        key = f"meta:{ref.versioned}"
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                return ArxivMetadata.model_validate(cached)
        response = self._send(
            self.settings.arxiv_api_url,
            {"id_list": ref.versioned, "start": 0, "max_results": 1},
            f"arXiv metadata for {ref.versioned}",
            max_bytes=5_000_000,
        )
        meta = parse_entry(response.content, ref, response.status_code)
        if self.cache is not None:
            expire = None if ref.version else self.settings.metadata_ttl
            self.cache.set(key, meta.model_dump(), expire=expire)
            self.cache.set(f"meta:{meta.versioned_id}", meta.model_dump(), expire=None)
        return meta

    def search_page(self, query: str, start: int, page_size: int) -> bytes:
        """One page of an API search (newest submissions first), as the Atom bytes arXiv returns."""
        reply = self._send(
            self.settings.arxiv_api_url,
            {
                "search_query": query,
                "start": start,
                "max_results": page_size,
                "sortBy": "submittedDate",
                "sortOrder": "descending",
            },
            f"arXiv search {query!r} from {start}",
            max_bytes=50_000_000,
        )
        if reply.status_code != 200:
            raise RemoteError(f"arXiv search {query!r}: HTTP {reply.status_code}")
        return reply.content

    def id_list_page(self, ids: list[str]) -> bytes:
        """Metadata of many papers in one API request (arXiv takes a comma-separated id_list)."""
        reply = self._send(
            self.settings.arxiv_api_url,
            {"id_list": ",".join(ids), "start": 0, "max_results": len(ids)},
            f"arXiv metadata for {len(ids)} ids",
            max_bytes=50_000_000,
        )
        if reply.status_code != 200:
            raise RemoteError(f"arXiv metadata for {len(ids)} ids: HTTP {reply.status_code}")
        return reply.content

    def feed(self, url: str) -> bytes:
        """A listing feed (RSS/Atom or an API answer) from any URL, through the same polite client."""
        reply = self._send(url, None, f"feed {url}", max_bytes=50_000_000)
        if reply.status_code != 200:
            raise RemoteError(f"feed {url}: HTTP {reply.status_code}")
        return reply.content

    def pdf(self, meta: ArxivMetadata, validate: Callable[[bytes, str], None] | None = None) -> bytes:
        """The PDF's bytes; `validate` (raising on a damaged file) must pass before they are cached."""
        versioned = meta.versioned_id
        key = f"pdf:{versioned}"
        if self.cache is not None and meta.version:
            cached = self.cache.get(key)
            if cached is not None:
                return cached
        max_bytes = int(self.settings.max_pdf_mb * 1_000_000)
        url = f"{self.settings.arxiv_pdf_url.rstrip('/')}/{versioned}"
        response = self._send(url, None, f"PDF of {versioned}", max_bytes=max_bytes)
        if response.status_code == 404:
            raise PaperNotFoundError(f"arXiv has no PDF for {versioned} (HTTP 404 from {url})")
        if response.status_code != 200:
            raise RemoteError(f"PDF of {versioned}: HTTP {response.status_code} from {url}")
        body = response.content
        if body.lstrip()[:5] != b"%PDF-":
            kind = response.headers.get("Content-Type", "unknown type").split(";")[0]
            raise RemoteError(
                f"PDF of {versioned}: {url} answered with {kind} ({len(body)} bytes), not a PDF; "
                "arXiv may still be building it or asking for a captcha: try again later"
            )
        if validate is not None:
            validate(body, f"PDF of {versioned} from {url}")
        if self.cache is not None and meta.version:
            self.cache.set(key, body, expire=None)
        return body


def listing_query(categories: list[str], date_from: str, date_to: str) -> str:
    """An API query for submissions in any of `categories` between two dates (YYYY-MM-DD, inclusive)."""
    for cat in categories:
        if not re.fullmatch(r"[a-z-]+(\.[A-Za-z-]+)?", cat):
            raise BadInputError(f"{cat!r} is not an arXiv category (e.g. cs.LG, stat.ML, hep-th)")
    cats = " OR ".join(f"cat:{c}" for c in categories)
    start, end = date_from.replace("-", ""), date_to.replace("-", "")
    return f"({cats}) AND submittedDate:[{start}0000 TO {end}2359]"


def _too_big(what: str, size: int, cap: int, at_least: bool = False) -> BadPDFError:
    more = "over " if at_least else ""
    return BadPDFError(
        f"{what}: the download is {more}{size / 1e6:.1f} MB, over the {cap / 1e6:.0f} MB cap "
        "(raise REFEREE_MAX_PDF_MB to allow it)"
    )


def _split_id(entry_id: str) -> tuple[str, int | None]:
    match = re.search(rf"/abs/{_ID}$", entry_id)
    if not match:
        raise RemoteError(f"arXiv answered with an entry id it should not: {entry_id!r}")
    version = match.group("version")
    return match.group("new") or match.group("old"), int(version) if version else None


def parse_entry(body: bytes, ref: ArxivRef, status: int) -> ArxivMetadata:
    """One paper's metadata from an arXiv API Atom response, or the matching error."""
    feed = feedparser.parse(body)
    entries = feed.entries
    errors = [e for e in entries if "api/errors" in e.get("id", "")]
    if errors:
        raise BadInputError(f"arXiv rejected {ref.versioned!r}: {errors[0].get('summary', 'no reason given')}")
    if status == 400:
        raise BadInputError(f"arXiv rejected {ref.versioned!r} (HTTP 400)")
    if status != 200:
        raise RemoteError(f"arXiv metadata for {ref.versioned}: HTTP {status}")
    if feed.bozo and (not entries or isinstance(feed.get("bozo_exception"), SAXException)):
        raise RemoteError(
            f"arXiv metadata for {ref.versioned}: the response is not a readable Atom feed (truncated or malformed)"
        )
    if not entries:
        raise PaperNotFoundError(f"arXiv has no paper with id {ref.versioned}")
    entry = entries[0]
    arxiv_id, version = _split_id(entry.get("id", ""))
    if arxiv_id != ref.arxiv_id:
        raise RemoteError(f"arXiv answered for {arxiv_id} when asked for {ref.arxiv_id}")
    if ref.version and version != ref.version:
        raise RemoteError(f"arXiv answered with {arxiv_id}v{version} when asked for {ref.versioned}")
    if not re.sub(r"\s+", "", entry.get("title", "")):
        raise RemoteError(f"arXiv metadata for {ref.versioned}: the entry has no title (a truncated answer?)")
    comment = entry.get("arxiv_comment")
    summary = re.sub(r"\s+", " ", entry.get("summary", "")).strip()
    if _WITHDRAWN.search(comment or "") or _WITHDRAWN.search(summary[:200]):
        raise WithdrawnPaperError(
            f"{arxiv_id}v{version} was withdrawn by its authors ({comment or summary[:120]}); "
            "give an earlier version (e.g. v1) to review it anyway"
        )
    pdf_link = next((link.href for link in entry.get("links", []) if link.get("type") == "application/pdf"), None)
    return ArxivMetadata(
        arxiv_id=arxiv_id,
        version=version,
        title=re.sub(r"\s+", " ", entry.get("title", "")).strip(),
        authors=[a.get("name", "").strip() for a in entry.get("authors", []) if a.get("name")],
        summary=summary,
        categories=[t["term"] for t in entry.get("tags", []) if t.get("term")],
        primary_category=(entry.get("arxiv_primary_category") or {}).get("term"),
        published=entry.get("published"),
        updated=entry.get("updated"),
        comment=comment,
        journal_ref=entry.get("arxiv_journal_ref"),
        doi=entry.get("arxiv_doi"),
        abs_url=entry.get("link"),
        pdf_url=pdf_link,
    )
