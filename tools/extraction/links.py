"""Code, data, model and project links printed in the paper (its own, not those of cited works)."""

from __future__ import annotations

import re

from ...paper import Link
from ..publishing.urls import safe_url
from .pdf import Line, RawDocument

_URL = re.compile(
    r"(?:https?://|www\.|(?<![\w.@/])(?:github\.com|gitlab\.com|huggingface\.co|bitbucket\.org|zenodo\.org)/)"
    r"[^\s<>\"'{}|\\^`\]\)]+",
    re.I,
)
_CODE = re.compile(r"github\.com|gitlab\.|bitbucket\.org|codeberg\.org|sourceforge\.net|colab\.research", re.I)
_DATA = re.compile(
    r"huggingface\.co/datasets|zenodo\.org|kaggle\.com|figshare|dataverse|openml\.org|"
    r"/datasets?\b|data\.",
    re.I,
)
_MODEL = re.compile(r"huggingface\.co/(?!datasets|spaces)|modelscope|pytorch\.org/hub|tfhub\.dev", re.I)
_PROJECT = re.compile(r"github\.io|sites\.google|huggingface\.co/spaces|\.io/?$|project|demo", re.I)
_SKIP = re.compile(r"^mailto:|doi\.org|arxiv\.org/(abs|pdf)|creativecommons\.org|aaai\.org/?$", re.I)


def classify(url: str) -> str:
    for kind, pattern in (("code", _CODE), ("model", _MODEL), ("data", _DATA), ("project", _PROJECT)):
        if pattern.search(url):
            return kind
    return "other"


# Tildes as a text layer may print them: the small tilde (TeX's \~{}), the tilde operator, the full-width one.
_TILDES = str.maketrans({"\u02dc": "~", "\u223c": "~", "\uff5e": "~"})


def _tidy(url: str) -> str:
    url = url.translate(_TILDES).rstrip(".,;:")
    while url.endswith(")") and url.count(")") > url.count("("):  # the closing bracket of the sentence
        url = url[:-1].rstrip(".,;:")
    if url.lower().startswith("www.") or not re.match(r"https?://", url, re.I):
        url = "https://" + url
    return url


def _inside(bbox, line: Line) -> bool:
    x0, y0, x1, y1 = bbox
    return line.x0 < x1 and x0 < line.x1 and line.y0 < y1 and y0 < line.y1


def find_links(doc: RawDocument, body: list[Line], references: list[Line]) -> list[Link]:
    found: dict[str, Link] = {}

    def add(raw: str, page: int) -> None:
        url = safe_url(_tidy(raw))
        if url is None or _SKIP.search(url) or len(url) < 12:
            return
        key = url.lower().rstrip("/")
        if any(k.startswith(key) for k in found) or key in found:
            return
        for k in [k for k in found if key.startswith(k)]:
            del found[k]  # a longer form of a URL seen cut short
        found[key] = Link(url=url, kind=classify(url), page=page)

    for page in doc.pages:
        for link in page.links:
            if any(ln.page == page.number and _inside(link.bbox, ln) for ln in references):
                continue
            if link.uri.lower().startswith(("http://", "https://")):
                add(link.uri, page.number)
    for i, line in enumerate(body):
        text = line.text
        for match in _URL.finditer(text):
            url = match.group(0)
            nxt = body[i + 1].text.split(" ")[0] if i + 1 < len(body) else ""
            if (
                match.end() == len(text)
                and url[-1] in "./-_"
                and nxt
                and ("/" in nxt or "." in nxt)
                and "://" not in nxt
            ):
                url += nxt
            add(url, line.page)
    return list(found.values())
