"""The audit survives ``kill -9`` and SIGTERM of a real ``huizhen serve`` (the chain goes on
where it stopped, in the same data dir), and ``huizhen audit`` lists and verifies it — over
the admin API and offline — and names an edited entry."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pydicom
import pytest
from pydicom.data import get_testdata_file
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "durable"))
sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from room_client import RoomClient
from serverproc import ServerProcess

from server.audit.chain import canonical
from server.audit.store import FILE_NAME
from server.cli import app
from session.grants import Role

ROOM = "ward"


def audit(server: ServerProcess) -> list[dict[str, Any]]:
    with server.admin() as admin:
        answer = admin.get("/api/audit")  # also: everything queued is on disk now
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def cli(server: ServerProcess, *args: str) -> Any:
    env = {"HUIZHEN_SECRET_KEYS": "", "HUIZHEN_API_KEY": "", "COLUMNS": "240"}
    return CliRunner().invoke(app, [*args, "--data-dir", str(server.data_dir)], env=env)


async def visit(server: ServerProcess, who: str) -> None:
    client = await RoomClient.connect(server.ws_url, server.mint(ROOM, who, Role.PARTICIPANT))
    await client.ws.close()


@pytest.fixture
def server(tmp_path: Path) -> Any:
    proc = ServerProcess(tmp_path)
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


async def test_the_chain_survives_kill_and_restart(server: ServerProcess) -> None:
    server.create_room(ROOM)
    await visit(server, "before")
    before = audit(server)
    assert ("participant.joined", "before") in {(e["action"], e["actor"]) for e in before}
    server.kill()  # kill -9: nothing of the shutdown runs
    server.start()
    await visit(server, "after-kill")
    server.stop()  # SIGTERM: the graceful path flushes what is queued
    server.start()
    await visit(server, "after-term")
    after = audit(server)
    assert [e["seq"] for e in after if e["chain"] == "local"] == list(range(1, len(after) + 1))
    actors = {e["actor"] for e in after if e["action"] == "participant.joined"}
    assert actors == {"before", "after-kill", "after-term"}
    with server.admin() as admin:
        assert admin.get("/api/audit/verify").json()["ok"] is True


def test_cli_lists_verifies_and_names_an_edit(server: ServerProcess) -> None:
    """Synchronous, as an operator's shell is: the CLI runs its own event loop."""
    server.create_room(ROOM)
    minted = cli(server, "token", "--room", ROOM, "--name", "Dr Li", "--role", "host")
    assert minted.exit_code == 0, minted.output
    asyncio.run(visit(server, "county"))
    online = ["--server", server.base_url]
    listed = cli(server, "audit", "list", "--format", "json", *online)
    assert listed.exit_code == 0, listed.output
    entries = json.loads(listed.output)["entries"]
    seen = {(e["chain"], e["action"], e["actor"]) for e in entries}
    assert ("cli", "token.minted", "cli") in seen
    assert ("local", "participant.joined", "county") in seen
    csv_out = server.data_dir.parent / "audit.csv"
    exported = cli(
        server,
        "audit",
        "list",
        "--format",
        "csv",
        "--room",
        ROOM,
        "--offline",
        "--output",
        str(csv_out),
    )
    assert exported.exit_code == 0, exported.output
    assert "participant.joined" in csv_out.read_text() and "county" in csv_out.read_text()
    table = cli(server, "audit", "list", "--person", "county", *online)
    assert table.exit_code == 0 and "participant.joined" in table.output
    for source in (online, ["--offline"]):
        verified = cli(server, "audit", "verify", *source)
        assert verified.exit_code == 0, verified.output
        assert "intact" in verified.output

    with server.admin() as admin:
        verdict = admin.get("/api/audit/verify").json()
    head = next(c["head"] for c in verdict["chains"] if c["chain"] == "local")
    anchor = f"local:{head['seq']}:{head['hash']}"
    with sqlite3.connect(server.data_dir / FILE_NAME, isolation_level=None) as db:
        db.execute("DELETE FROM entries WHERE chain = 'local' AND seq = ?", (head["seq"],))
    assert cli(server, "audit", "verify", "--offline").exit_code == 0  # a shorter valid chain
    for source in (online, ["--offline"]):
        truncated = cli(server, "audit", "verify", "--anchor", anchor, *source)
        assert truncated.exit_code == 1, truncated.output
        assert "tail removed" in truncated.output
    bad_anchor = cli(server, "audit", "verify", "--anchor", "local:1:abc", "--offline")
    assert bad_anchor.exit_code == 2 and "chain:seq:sha256-hex" in bad_anchor.output

    with sqlite3.connect(server.data_dir / FILE_NAME, isolation_level=None) as db:
        seq, text = db.execute(
            "SELECT seq, body FROM entries WHERE chain = 'local' AND body LIKE '%county%'"
        ).fetchone()
        body = json.loads(text)
        body["actor"] = "nobody"
        db.execute(
            "UPDATE entries SET body = ? WHERE chain = 'local' AND seq = ?", (canonical(body), seq)
        )
    for source in (online, ["--offline"]):
        failed = cli(server, "audit", "verify", *source)
        assert failed.exit_code == 1, failed.output
        assert f"FAILED at local #{seq}" in failed.output


def test_offline_deidentified_copies_are_on_the_cli_chain(tmp_path: Path) -> None:
    ct = Path(str(get_testdata_file("CT_small.dcm")))
    env = {"HUIZHEN_SECRET_KEYS": "", "HUIZHEN_API_KEY": "", "COLUMNS": "240"}
    data = ["--data-dir", str(tmp_path / "var")]
    runner = CliRunner()
    imported = runner.invoke(app, ["import", str(ct), "--deidentify", *data], env=env)
    assert imported.exit_code == 0, imported.output
    listed = runner.invoke(app, ["audit", "list", "--offline", "--format", "json", *data], env=env)
    assert listed.exit_code == 0, listed.output
    [entry] = json.loads(listed.output)["entries"]
    source = str(pydicom.dcmread(ct).StudyInstanceUID)
    assert (entry["chain"], entry["action"]) == ("cli", "export.deidentified_copy")
    assert entry["subject"]["source_study"] == source and entry["subject"]["study"] != source
    verified = runner.invoke(app, ["audit", "verify", "--offline", *data], env=env)
    assert verified.exit_code == 0 and "intact" in verified.output
