"""URLs that come from a paper or a feed, made safe before they are kept or written into a page.

A URL is kept only when it parses as http(s) with a plausible host and carries no whitespace, control
characters, quotes, angle brackets or backslashes; parentheses are percent-encoded so a Markdown link cannot be
closed early. Anything else is dropped, never repaired into something the paper did not print.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f\"'<>\\`{}|^]")
_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}\.?$"  # a domain name
    r"|^\d{1,3}(?:\.\d{1,3}){3}$",  # or an IPv4 address
    re.I,
)
MAX_URL = 2000


def safe_url(raw: str | None) -> str | None:
    """`raw` as a URL that is safe to print in Markdown and HTML, or None when it is not a usable web address."""
    if not raw or len(raw) > MAX_URL or _FORBIDDEN.search(raw):
        return None
    try:
        parts = urlsplit(raw)
        port = parts.port  # raises on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return None
    host = parts.hostname or ""
    if not _HOST.match(host) or (port is not None and not 0 < port < 65536):
        return None
    return raw.replace("(", "%28").replace(")", "%29")
