"""With no key and no base URL, a model server already running on a known localhost port is found and used
(a real HTTP server on that port, answering like an OpenAI-compatible one), and the run says so."""

from __future__ import annotations

import socket

import pytest
from fake_openai import FakeOpenAI
from pdfbuild import two_column_paper
from pytest_httpserver import HTTPServer
from test_cli_extract import review as run_cli

from referee.local_servers import KNOWN, detect
from referee.settings import get_settings


def _free_known_port() -> tuple[str, int]:
    for name, port in KNOWN:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return name, port
    pytest.skip("every port a local model server uses is taken on this machine")


@pytest.fixture
def local_server():
    name, port = _free_known_port()
    server = HTTPServer(host="127.0.0.1", port=port)
    server.start()
    server.expect_request("/v1/models").respond_with_json({"object": "list", "data": [{"id": "qwen-local"}]})
    fake = FakeOpenAI()
    fake.install(server)
    try:
        yield name, port, fake
    finally:
        server.clear()
        server.stop()


def test_a_running_server_is_found_used_and_shown(local_server, tmp_path):
    name, port, fake = local_server
    on = {"REFEREE_DETECT_SERVERS": "true", "REFEREE_REQUEST_INTERVAL": "0"}
    pdf = tmp_path / "paper.pdf"
    two_column_paper(pdf)
    result = run_cli("paper", str(pdf), "--out", str(tmp_path / "out"), env=on, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"found a running {name} at http://127.0.0.1:{port}/v1; using its model qwen-local" in result.stderr
    assert fake.requests and {r["model"] for r in fake.requests} == {"qwen-local"}
    shown = run_cli("config", env=on)
    assert f"local model server: {name} at http://127.0.0.1:{port}/v1, model qwen-local" in shown.stdout
    off = run_cli("config", env={"REFEREE_DETECT_SERVERS": "false"})
    assert "local model server: not looked for (REFEREE_DETECT_SERVERS=false)" in off.stdout


def test_detection_is_skipped_when_a_backend_is_chosen_or_it_is_off(local_server):
    name, port, _ = local_server
    assert detect(get_settings(detect_servers=True)).base_url == f"http://127.0.0.1:{port}/v1"
    assert detect(get_settings(detect_servers=True, model="qwen-local")).model == "qwen-local"
    assert detect(get_settings(detect_servers=False)) is None
    assert detect(get_settings(detect_servers=True, openai_base_url="http://127.0.0.1:9/v1")) is None
    assert detect(get_settings(detect_servers=True, openai_api_key="sk-x")) is None
