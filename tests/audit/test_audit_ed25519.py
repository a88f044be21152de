"""Ed25519-signed audit entries: the server signs with the configured private key, a verifier
with only the public key checks the chain (and could not re-seal an edit)."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

from livetools import LiveServer
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from room_client import RoomClient

from server.audit import ed25519
from server.audit.chain import START, Body, canonical, seal, seal_all, verify_chain
from server.audit.store import FILE_NAME
from server.cli import app
from session.grants import Role

ENV = {"HUIZHEN_SECRET_KEYS": "", "HUIZHEN_API_KEY": "", "COLUMNS": "240"}


def bodies(n: int) -> list[Body]:
    return [Body(float(i), "local", "participant.joined", f"p{i}") for i in range(n)]


def test_a_public_key_verifies_and_a_foreign_key_cannot_reseal(tmp_path: Path) -> None:
    key = ed25519.generate(tmp_path / "audit.pem")
    public = tmp_path / "audit.pub"
    public.write_text(key.public_pem())
    kid, check = ed25519.load_public(public)
    assert kid == key.kid and kid.startswith("ed25519:")
    entries = seal_all(bodies(3), "local", START, key.kid, key.sign)
    assert verify_chain("local", entries, lambda k: check if k == kid else None).problem is None
    assert "unknown key" in str(verify_chain("local", entries, lambda k: None).problem)

    other = ed25519.generate(tmp_path / "other.pem")  # an editor's own key, claiming our kid
    edited = replace(bodies(3)[1], actor="someone-else")
    entries[1] = seal(edited, "local", entries[0].link(), key.kid, other.sign)
    entries[2] = seal(bodies(3)[2], "local", entries[1].link(), key.kid, other.sign)
    problem = verify_chain("local", entries, lambda k: check if k == kid else None).problem
    assert problem is not None and problem.seq == 2 and "signature" in problem.reason


async def join(server: LiveServer) -> None:
    client = await RoomClient.connect(server.ws_url, server.mint("signed", "dr-li", Role.HOST))
    await client.ws.close()


def test_the_server_signs_with_its_key_and_the_cli_checks_with_the_public_half(
    live_server_factory: object, tmp_path: Path
) -> None:
    key = ed25519.generate(tmp_path / "audit.pem")
    public = tmp_path / "audit.pub"
    public.write_text(key.public_pem())
    server: LiveServer = live_server_factory(audit_key_file=tmp_path / "audit.pem")  # type: ignore[operator]
    server.create_room("signed")
    asyncio.run(join(server))  # sync test: the CLI below runs its own event loop
    with server.admin() as admin:
        verdict = admin.get("/api/audit/verify").json()
        entries = admin.get("/api/audit").json()["entries"]
    assert verdict["ok"] is True and {e["kid"] for e in entries} == {key.kid}

    data = ["--data-dir", str(server.settings.data_dir)]  # its secrets.json is NOT the server's
    runner = CliRunner()
    without = runner.invoke(app, ["audit", "verify", "--offline", *data], env=ENV)
    assert without.exit_code == 1 and "unknown key" in without.output
    verify = ["audit", "verify", "--offline", "--public-key", str(public), *data]
    assert runner.invoke(app, verify, env=ENV).exit_code == 0

    with sqlite3.connect(server.settings.data_dir / FILE_NAME, isolation_level=None) as db:
        seq, text = db.execute("SELECT seq, body FROM entries ORDER BY seq LIMIT 1").fetchone()
        db.execute("UPDATE entries SET body = ? WHERE seq = ?", (canonical({"x": text}), seq))
    failed = runner.invoke(app, verify, env=ENV)
    assert failed.exit_code == 1 and f"FAILED at local #{seq}" in failed.output


def test_keygen_writes_a_private_key_once_and_prints_the_public_one(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    made = CliRunner().invoke(app, ["audit", "keygen", str(path)], env=ENV)
    assert made.exit_code == 0 and "BEGIN PUBLIC KEY" in made.output
    assert path.stat().st_mode & 0o777 == 0o600
    again = CliRunner().invoke(app, ["audit", "keygen", str(path)], env=ENV)
    assert again.exit_code == 1 and "not overwritten" in again.output
