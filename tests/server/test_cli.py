"""The ``huizhen`` command: token minting in-process, and a real ``serve --demo`` subprocess."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from livetools import LiveServer, free_port, wait_healthy
from typer.testing import CliRunner

from server.cli import app
from server.settings import settings_from_env
from server.tokens import KeyRing, TokenKind, verify_room_token
from session.grants import Role

ROOT = Path(__file__).resolve().parents[2]


def test_token_command_uses_the_data_dir_keys(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["token", "--room", "r1", "--role", "host", "--name", "Dr Li", "--data-dir", str(tmp_path)],
        env={"HUIZHEN_SECRET_KEYS": "", "HUIZHEN_API_KEY": ""},
    )
    assert result.exit_code == 0, result.output
    token, url = result.output.split()[:2]
    assert url.endswith(f"/join#token={token}")
    keys = settings_from_env({}, data_dir=tmp_path).with_secrets().signing_keys
    claims = verify_room_token(KeyRing(keys), token, "r1", kind=TokenKind.INVITE)  # type: ignore[arg-type]
    assert (claims.role, claims.name, claims.sub) == (Role.HOST, "Dr Li", "Dr-Li")
    secrets = json.loads((tmp_path / "secrets.json").read_text())
    assert secrets["api_key"] not in result.output


@pytest.mark.slow
def test_serve_demo_subprocess(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIZHEN_")}
    env |= {"HUIZHEN_DATA_DIR": str(tmp_path), "COLUMNS": "60"}  # links must not wrap
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = wait_healthy(port, process)
        assert health["rooms"] == 1
        api_key = json.loads((tmp_path / "secrets.json").read_text())["api_key"]
        rooms = httpx.get(
            f"http://127.0.0.1:{port}/api/rooms", headers={"Authorization": f"Bearer {api_key}"}
        ).json()["rooms"]
        assert [(r["id"], r["title"]) for r in rooms] == [("demo", "Demo consultation")]
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=60)  # a hang guard; loaded machines are slow
        except subprocess.TimeoutExpired:
            process.kill()  # never leak the server into later tests
            process.communicate()
            raise
    links = re.findall(r"^http://\S+/join#token=([\w.-]+)$", output, re.MULTILINE)
    assert len(links) == 3, output
    assert api_key not in output


@pytest.mark.slow
def test_serve_outside_the_repository_finds_the_web_client(tmp_path: Path) -> None:
    from web.build import ensure_build  # here: only this test may need npm

    index = (ensure_build() / "index.html").read_text(encoding="utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIZHEN_")}
    env |= {"HUIZHEN_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port)],
        cwd=tmp_path,  # no web_client/ here: the package must find its own
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_healthy(port, process)
        page = httpx.get(f"http://127.0.0.1:{port}/")
    finally:
        process.terminate()
        process.communicate(timeout=60)  # a hang guard
    assert page.status_code == 200
    assert page.text == index


def test_access_log_filter_redacts_tokens() -> None:
    import logging

    from server.cli import RedactTokens

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s"',
        ("ip", "GET", "/x?token=abc.def&a=1"),
        None,
    )
    assert RedactTokens().filter(record)
    assert record.getMessage() == 'ip - "GET /x?token=<redacted>&a=1"'


def test_rooms_commands_against_a_live_server(live_server: LiveServer) -> None:
    runner = CliRunner()
    common = ["--server", live_server.base_url, "--api-key", live_server.settings.api_key]
    created = runner.invoke(app, ["rooms", "create", "ward-3", "--title", "Ward 3", *common])
    assert created.exit_code == 0 and "ward-3" in created.output
    again = runner.invoke(app, ["rooms", "create", "ward-3", *common])
    assert again.exit_code == 1 and "exists" in again.output
    listed = runner.invoke(app, ["rooms", "list", *common])
    assert listed.exit_code == 0 and "ward-3" in listed.output and "Ward 3" in listed.output
