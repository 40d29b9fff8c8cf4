"""`review newsletter --send`: the issue as multipart text + HTML over SMTP to a real server on loopback (aiosmtpd),
every link absolute on the site, the password never printed, and clean one-line failures."""

from __future__ import annotations

import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fakes import synthesize
from test_cli_extract import review as run_cli
from test_newsletter import make_cards, writer

from referee.newsletter import draft_issue

SITE = "https://papers.example.org/referee/"
PASSWORD = "s3cret-Pa55word-xyz"


class Inbox:
    """An SMTP server's handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def _login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"editor"
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), authenticator=_login,
                            auth_require_tls=False)  # fmt: skip
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _env(port: int, **more: str) -> dict:
    return {
        "REFEREE_SMTP_HOST": "127.0.0.1", "REFEREE_SMTP_PORT": str(port), "REFEREE_SMTP_TLS": "none",
        "REFEREE_SMTP_USER": "editor", "REFEREE_SMTP_PASSWORD": PASSWORD,
        "REFEREE_SMTP_FROM": "Referee <news@example.org>", "REFEREE_SITE_URL": SITE, "REFEREE_SMTP_TIMEOUT": "10",
        **more,
    }  # fmt: skip


@pytest.fixture(scope="module")
def written_issue(tmp_path_factory):
    """Issue 1 drafted from two cards under an output folder (each test may rewrite its issue.eml)."""
    tmp_path = tmp_path_factory.mktemp("out")
    cards, source = make_cards(tmp_path, ["Graph Kernels Revisited", "Sparse Message Passing"])
    issue, folder = draft_issue(cards, source, writer(lambda name, schema, prompt: synthesize(schema, prompt)),
                                out=tmp_path, title="Graph Notes", style="weekly")  # fmt: skip
    return tmp_path, issue, folder


def test_an_issue_is_sent_as_text_and_html_with_absolute_links(smtp_server, written_issue):
    inbox, port = smtp_server
    out, issue, folder = written_issue
    result = run_cli("newsletter", "--out", str(out), "--issue", "1", "--send", "--to", "a@example.org, b@example.net",
                     env=_env(port), timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "sent to a@example.org, b@example.net via 127.0.0.1" in result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    ((sender, to, raw),) = inbox.received
    assert sender == "news@example.org" and to == ["a@example.org", "b@example.net"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Graph Notes — issue 1" and message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith(("https://", "http://")) for link in links), links
    cards = [link for link in links if link.endswith("card.html")]
    assert len(cards) == len(issue.papers) == 2
    for link in cards:  # each resolves to the card's file in the published output folder
        assert link.startswith(SITE) and (out / link.removeprefix(SITE)).is_file(), link
        assert f"]({link})" in text  # the plain text links the same card
    assert f'href="{SITE}newsletter/index.html"' in html and "../" not in html
    kept = email.message_from_bytes((folder / "issue.eml").read_bytes(), policy=policy.default)
    assert kept["Subject"] == message["Subject"] and kept.get_body(("html",)).get_content() == html.replace(
        "\r\n", "\n"
    )


def test_a_dry_run_saves_the_email_and_sends_nothing(smtp_server, written_issue):
    inbox, port = smtp_server
    out, _, folder = written_issue
    result = run_cli("newsletter", "--out", str(out), "--issue", "1", "--send", "--dry-run", "--to", "a@example.org",
                     env=_env(port, REFEREE_SMTP_HOST=""), timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "dry run: not sent; it would go to a@example.org" in result.stderr and inbox.received == []
    saved = email.message_from_bytes((folder / "issue.eml").read_bytes(), policy=policy.default)
    assert saved["To"] == "a@example.org" and saved.get_body(("html",)) is not None


def test_bad_mail_settings_fail_before_drafting_and_a_failed_send_keeps_the_issue(smtp_server, written_issue):
    inbox, port = smtp_server
    out, _, folder = written_issue
    base = ("newsletter", "--out", str(out), "--issue", "1", "--send")
    for args, env, code, message in [
        (("--to", "a@example.org"), {"REFEREE_SITE_URL": ""}, 2, "set the site's URL"),
        (("--to", "a@example.org", "--site-url", "javascript:alert(1)"), {}, 2, "not a plain http(s) address"),
        (("--to", "a@example.org\r\nBcc: all@example.org"), {}, 2, "is not an email address"),
        (("--to", ""), {}, 2, "at least one recipient"),
        (("--to", "a@example.org"), {"REFEREE_SMTP_FROM": "", "REFEREE_SMTP_USER": "editor"}, 2, "sender's address"),
        (("--to", "a@example.org"), {"REFEREE_SMTP_PASSWORD": "wrong"}, 3, "refused the login"),
        (("--to", "a@example.org"), {"REFEREE_SMTP_PORT": str(_free_port())}, 3, "could not reach the mail server"),
    ]:
        result = run_cli(*base, *args, env=_env(port, **env), timeout=60)
        assert result.returncode == code, (args, env, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
        assert PASSWORD not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert inbox.received == []
    failed = run_cli(*base, "--to", "a@example.org", env=_env(port, REFEREE_SMTP_PORT=str(_free_port())), timeout=60)
    assert f"kept in {folder}" in failed.stderr and "--issue 1 --send --to a@example.org" in failed.stderr
    assert (folder / "issue.md").is_file() and (folder / "issue.eml").is_file()
    missing = run_cli("newsletter", "--out", str(out), "--issue", "9", "--send", "--to", "a@example.org",
                      env=_env(port), timeout=60)  # fmt: skip
    assert missing.returncode == 2 and "no issue 9 (issues there: 1)" in missing.stderr


def test_review_config_shows_that_a_password_is_set_and_nothing_of_it():
    result = run_cli("config", env={"REFEREE_SMTP_PASSWORD": PASSWORD, "REFEREE_SMTP_TLS": "ssl"})
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "smtp_password" in line)
    assert "****" in row and "REFEREE_SMTP_PASSWORD" in row
    assert PASSWORD[:3] not in result.stdout and PASSWORD[-4:] not in result.stdout
