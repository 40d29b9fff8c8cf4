"""A newsletter issue as an email: multipart text and HTML, links absolute from the site's URL, sent over SMTP.

A link in an email cannot be relative: the issue's links to its cards (paths inside the output folder) become
URLs under `site_url`, where the output folder is published. Recipients and the sender are checked before any
model time is spent (a header cannot be smuggled in through an address); the password is never printed.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

from ...errors import BadInputError, RemoteError
from .urls import safe_url

TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class DeliveryError(RemoteError):
    """The SMTP server refused the message or could not be reached."""


@dataclass(frozen=True)
class Smtp:
    """Where and how to send: the settings `smtp_*`, checked."""

    host: str
    port: int
    tls: str
    sender: str
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def describe(self) -> str:
        login = f", as {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({self.tls}{login})"


def site_base(url: str | None) -> str:
    """The site's URL as the base of absolute links (ending in '/'), or a one-line error saying what to set."""
    if not url:
        raise BadInputError(
            "an email needs absolute links: set the site's URL with --site-url or REFEREE_SITE_URL (where the "
            "output folder is published, e.g. https://example.org/referee/)"
        )
    if safe_url(url) != url or urlsplit(url).query or urlsplit(url).fragment:
        raise BadInputError(f"site URL {url!r} is not a plain http(s) address")
    return url if url.endswith("/") else url + "/"


def page_url(base: str, out: Path, path: Path) -> str:
    """The URL of `path`, a file under the output folder `out`, on the site published at `base`."""
    try:
        inside = path.resolve().relative_to(out.resolve())
    except ValueError:
        raise BadInputError(
            f"{path} is outside the output folder {out}: it is not on the site, so an email cannot link to it"
        ) from None
    return urljoin(base, PurePosixPath(*inside.parts).as_posix())


def recipients(raw: str | None) -> list[str]:
    """The addresses of `--to a@x,b@y`, each a plain address (a display name is dropped)."""
    found = [checked_address(part, "--to") for part in (raw or "").split(",") if part.strip()]
    if not found:
        raise BadInputError("--send needs at least one recipient: --to a@example.org,b@example.org")
    return list(dict.fromkeys(found))


def checked_address(raw: str, what: str) -> str:
    """A single email address, or a one-line error: no line breaks, one '@', a domain with a dot or localhost."""
    text = raw.strip()
    _, address = parseaddr(text)
    if not address or any(c in text for c in "\r\n\0") or address.count("@") != 1:
        raise BadInputError(f"{what}: {text[:80]!r} is not an email address")
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        raise BadInputError(f"{what}: {text[:80]!r} is not an email address") from None
    domain = address.split("@")[1]
    if "." not in domain and domain != "localhost":
        raise BadInputError(f"{what}: {address!r} has no domain")
    return address


def smtp_settings(settings, dry_run: bool) -> Smtp:
    """The SMTP settings, checked; a dry run needs only the sender."""
    tls = settings.smtp_tls
    if tls not in TLS_MODES:
        raise BadInputError(f"setting REFEREE_SMTP_TLS = {tls!r}: choose one of {', '.join(TLS_MODES)}")
    sender_raw = settings.smtp_from or (settings.smtp_user if settings.smtp_user and "@" in settings.smtp_user else "")
    if not sender_raw:
        raise BadInputError("set the sender's address: REFEREE_SMTP_FROM (or smtp_from in referee.toml)")
    sender = checked_address(sender_raw, "REFEREE_SMTP_FROM")
    if not settings.smtp_host and not dry_run:
        raise BadInputError("set the mail server: REFEREE_SMTP_HOST (and REFEREE_SMTP_PORT, REFEREE_SMTP_TLS)")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password is not None else None
    return Smtp(
        host=settings.smtp_host or "(not set)",
        port=settings.smtp_port or DEFAULT_PORTS[tls],
        tls=tls,
        sender=sender,
        user=settings.smtp_user or None,
        password=password or None,
        timeout=settings.smtp_timeout,
    )


def build_message(subject: str, text: str, html: str, sender: str, to: list[str]) -> EmailMessage:
    """multipart/alternative: the plain text first, the HTML second (mail clients show the last they can)."""
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())  # one line, whatever the title held
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.split("@")[1])
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send(message: EmailMessage, smtp: Smtp) -> dict[str, tuple[int, bytes]]:
    """Send over SMTP; the recipients the server refused (an empty dict when it took every one)."""
    try:
        if smtp.tls == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            return client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"the mail server {smtp.describe()} refused the login: {_reply(exc)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise DeliveryError(f"the mail server {smtp.describe()} refused every recipient ({refused})") from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"the mail server {smtp.describe()} did not take the message: {_reply(exc)}") from None
    except OSError as exc:  # refused, unreachable, timed out
        raise DeliveryError(f"could not reach the mail server {smtp.describe()}: {exc.strerror or exc}") from None


def _reply(exc: smtplib.SMTPException) -> str:
    code, text = getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", b"")
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text or exc)
    return f"{code} {said}".strip() if code else said or type(exc).__name__
