"""Webhooks end to end: a real server (uvicorn), real room clients, a real HTTP receiver.

What a receiver sees (signed bodies it can verify), retries after 500s with the delivery log
telling the story, a bounded number of attempts, the outbox surviving a restart, the admin
API's coded errors, the CLI, and a hanging receiver that does not slow the room down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from livetools import LiveServer, eventually, free_port
from room_client import RoomClient
from typer.testing import CliRunner
from webhook_support import Received, run_receiver

from server.cli import app as cli_app
from server.recording.service import recorder_lifespan
from server.webhooks.service import RetryPolicy, webhooks_lifespan_with
from server.webhooks.signing import SignatureError, verify
from session.commands import CloseRoom, PostChat, SetRecording
from session.grants import Role

FAST = RetryPolicy(max_attempts=4, base_s=0.05, cap_s=0.2, timeout_s=5.0)

Factory = Callable[..., LiveServer]


def _server(factory: Factory, policy: RetryPolicy = FAST, **overrides: Any) -> LiveServer:
    return factory(hooks=[webhooks_lifespan_with(policy)], **overrides)


def _register(server: LiveServer, url: str, events: list[str] | None = None) -> dict[str, Any]:
    with server.admin() as client:
        response = client.post("/api/webhooks", json={"url": url, "events": events})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def _log(server: LiveServer, **params: str) -> list[dict[str, Any]]:
    with server.admin() as client:
        response = client.get("/api/webhooks/deliveries", params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["deliveries"]
    return rows


def _verified(secret: str, received: Received) -> str:
    return verify(secret, received.headers, received.body, now=time.time())


async def test_room_lifecycle_is_announced_signed(live_server_factory: Factory) -> None:
    server = _server(live_server_factory, offline_grace_s=0.3)
    with run_receiver() as receiver:
        secret = _register(server, receiver.url)["secret"]
        room = server.create_room(title="Patient Zhang, CT chest")
        host = await RoomClient.connect(server.ws_url, server.mint(room, "dr-li", Role.HOST))
        doc = await RoomClient.connect(server.ws_url, server.mint(room, "county", name="Dr Wang"))
        await doc.ws.close()  # offline, then gone after the grace
        await eventually(lambda: "participant_left" in receiver.events())
        await host.reply(await host.send(CloseRoom("done")))
        await eventually(lambda: "room_ended" in receiver.events())
        await host.ws.close()
        await eventually(lambda: {row["status"] for row in _log(server)} == {"delivered"})

    # several deliveries are in flight at once: receivers order by created_at, not arrival
    events = sorted(receiver.received, key=lambda r: (r.json["created_at"], r.json["id"]))
    names = [r.json["event"] for r in events]
    assert names[:3] == ["room_started", "participant_joined", "participant_joined"]
    assert names.count("room_ended") == 1
    for received in receiver.received:
        assert _verified(secret, received) == received.json["id"]
        assert received.json["room"] == {"id": room}
        assert b"Zhang" not in received.body  # the title may name a patient: never sent
    joined = {r.json["participant"]["id"]: r.json["participant"] for r in events[1:3]}
    assert joined["county"] == {"id": "county", "name": "Dr Wang", "role": "participant"}
    assert joined["dr-li"]["role"] == "host"
    assert receiver.of("participant_left")[0].json["participant"]["id"] == "county"
    assert receiver.of("room_ended")[0].json["reason"] == "done"


def test_a_tampered_or_replayed_delivery_fails_verification() -> None:
    from server.webhooks.signing import sign

    body = b'{"event":"room_started"}'
    headers = sign("whsec_one", "room-1:started", int(time.time()), body)
    assert verify("whsec_one", headers, body, now=time.time()) == "room-1:started"
    with pytest.raises(SignatureError, match="does not match"):
        verify("whsec_one", headers, body.replace(b"started", b"ended"), now=time.time())
    with pytest.raises(SignatureError, match="does not match"):
        verify("whsec_two", headers, body, now=time.time())
    with pytest.raises(SignatureError, match="replay"):
        verify("whsec_one", headers, body, now=time.time() + 3600)
    with pytest.raises(SignatureError, match="missing"):
        verify("whsec_one", {}, body, now=time.time())


async def test_retries_after_500s_until_delivered(live_server_factory: Factory) -> None:
    server = _server(live_server_factory)
    with run_receiver(answers=[500, 503, 200]) as receiver:
        endpoint = _register(server, receiver.url, ["room_started"])
        server.create_room("r-retry")
        await eventually(lambda: len(receiver.received) == 3)
        rows = await _settled(server)
    assert rows[0]["status"] == "delivered"
    assert (rows[0]["attempts"], rows[0]["last_status"]) == (3, 200)
    assert rows[0]["endpoint"] == endpoint["id"]
    with server.admin() as admin:  # the key: /metrics may move behind it
        metrics = admin.get("/metrics").text
    assert 'huizhen_webhook_attempts_total{outcome="retried"} 2.0' in metrics
    assert 'huizhen_webhook_attempts_total{outcome="delivered"} 1.0' in metrics
    ids = {r.headers["huizhen-webhook-id"] for r in receiver.received}
    assert ids == {"r-retry:started"}  # one id across retries: receivers dedupe on it
    for received in receiver.received:
        _verified(endpoint["secret"], received)


async def test_gives_up_after_the_last_attempt(live_server_factory: Factory) -> None:
    server = _server(live_server_factory)
    with run_receiver(answers=[500]) as receiver:
        _register(server, receiver.url, ["room_started"])
        server.create_room("r-fail")
        rows = await _settled(server)
        assert len(receiver.received) == FAST.max_attempts
    assert rows[0]["status"] == "failed"
    assert (rows[0]["attempts"], rows[0]["last_error"]) == (FAST.max_attempts, "HTTP 500")
    assert _log(server, status="failed") == rows
    assert _log(server, status="delivered") == []


async def _settled(server: LiveServer) -> list[dict[str, Any]]:
    await eventually(lambda: bool(_log(server)) and _log(server)[0]["status"] != "pending")
    return _log(server)


async def test_an_unreachable_endpoint_is_logged(live_server_factory: Factory) -> None:
    server = _server(live_server_factory)
    _register(server, f"http://127.0.0.1:{free_port()}/nobody")
    server.create_room("r-refused")
    rows = await _settled(server)
    assert rows[0]["status"] == "failed"
    assert rows[0]["last_status"] is None
    assert rows[0]["last_error"].startswith("ConnectError")


async def test_the_outbox_survives_a_restart(tmp_path: Path) -> None:
    from livetools import make_settings, run_live_server

    port = free_port()  # the receiver comes up here only after the first server is gone
    slow = RetryPolicy(max_attempts=10_000, base_s=0.05, cap_s=0.1)  # never gives up here
    settings = make_settings(tmp_path)
    with run_live_server(settings, hooks=[webhooks_lifespan_with(slow)]) as first:
        _register(first, f"http://127.0.0.1:{port}/hook")
        first.create_room("r-outbox")
        await eventually(lambda: _log(first)[0]["attempts"] >= 2)
    with (
        run_receiver(port=port) as receiver,
        run_live_server(settings, hooks=[webhooks_lifespan_with(slow)]) as second,
    ):
        await eventually(lambda: _log(second)[0]["status"] == "delivered")
        rows = _log(second)
    assert receiver.events() == ["room_started"]  # the restored room is not announced again
    assert len(rows) == 1 and rows[0]["attempts"] >= 3


async def test_recording_finished_is_announced(live_server_factory: Factory) -> None:
    server = live_server_factory(hooks=[webhooks_lifespan_with(FAST), recorder_lifespan])
    with run_receiver() as receiver:
        secret = _register(server, receiver.url, ["recording_finished"])["secret"]
        room = server.create_room("r-rec")
        host = await RoomClient.connect(server.ws_url, server.mint(room, "h", Role.HOST))
        await host.reply(await host.send(SetRecording(True)))
        await host.reply(await host.send(PostChat("look at segment 6")))
        await host.reply(await host.send(SetRecording(False)))
        await eventually(lambda: bool(receiver.received))
        await host.ws.close()
    (received,) = receiver.received
    _verified(secret, received)
    recording = received.json["recording"]
    assert recording["status"] == "complete"
    assert recording["events"] >= 1
    with server.admin() as client:
        assert client.get(f"/api/recordings/{recording['id']}").status_code == 200


async def test_a_hanging_receiver_never_slows_the_room(live_server_factory: Factory) -> None:
    server = _server(live_server_factory)
    with run_receiver() as receiver:
        receiver.held.clear()  # every request waits until released
        _register(server, receiver.url)
        room = server.create_room("r-hang")
        host = await RoomClient.connect(server.ws_url, server.mint(room, "h", Role.HOST))
        await eventually(lambda: bool(receiver.received))  # the first delivery hangs ...
        # they read nothing more: an unbounded client queue lets their close go through
        others = [
            await RoomClient.connect(server.ws_url, server.mint(room, f"p{i}"), max_queue=None)
            for i in range(3)
        ]
        for i in range(20):  # ... while the room goes on answering
            reply = await host.reply(await host.send(PostChat(f"message {i}")))
            assert reply["type"] == "ack"
        assert all(o.welcome["type"] == "welcome" for o in others)
        receiver.held.set()
        await eventually(lambda: len(receiver.of("participant_joined")) == 4)
        for client in (host, *others):
            await client.ws.close()


def test_admin_api_errors_are_coded(live_server: LiveServer) -> None:
    url = "http://127.0.0.1:9/hook"
    with httpx.Client(base_url=live_server.base_url, timeout=10) as anonymous:
        assert anonymous.get("/api/webhooks").json()["code"] == "unauthorized"
        assert anonymous.post("/api/webhooks", json={"url": url}).status_code == 401
    room_token = live_server.mint("r", "h", Role.HOST)
    headers = {"Authorization": f"Bearer {room_token}"}
    with httpx.Client(base_url=live_server.base_url, headers=headers, timeout=10) as host:
        assert host.get("/api/webhooks/deliveries").status_code == 401
    with live_server.admin() as admin:
        bad_bodies = (
            {"url": "ftp://x/y"},
            {"url": "http://[::1"},
            {"url": 5},
            {"url": url, "events": ["nope"]},
            {"url": url, "events": "room_started"},
        )
        for body in bad_bodies:
            answer = admin.post("/api/webhooks", json=body)
            assert (answer.status_code, answer.json()["code"]) == (400, "bad_request"), body
        assert admin.delete("/api/webhooks/wh_nothing").json()["code"] == "not_found"
        assert admin.get("/api/webhooks/deliveries?status=lost").status_code == 400
        assert admin.get("/api/webhooks/deliveries?limit=0").status_code == 400
        made = admin.post("/api/webhooks", json={"url": url, "events": ["room_ended"]}).json()
        (listed,) = admin.get("/api/webhooks").json()["endpoints"]
        assert "secret" not in listed
        assert listed == {k: v for k, v in made.items() if k != "secret"}
        assert admin.delete(f"/api/webhooks/{made['id']}").status_code == 204
        assert admin.get("/api/webhooks").json()["endpoints"] == []


async def test_cli_add_list_log_remove(live_server_factory: Factory) -> None:
    server = _server(live_server_factory)
    common = ["--server", server.base_url, "--api-key", server.settings.api_key]
    runner = CliRunner()
    with run_receiver() as receiver:
        added = runner.invoke(
            cli_app, ["webhooks", "add", receiver.url, "--event", "room_started", *common]
        )
        assert added.exit_code == 0, added.output
        assert "whsec_" in added.output
        listed = runner.invoke(cli_app, ["webhooks", "list", *common], env={"COLUMNS": "200"})
        assert receiver.url in listed.output and "room_started" in listed.output
        server.create_room("r-cli")
        await eventually(lambda: bool(receiver.received))
        await _settled(server)
    logged = runner.invoke(cli_app, ["webhooks", "log", *common], env={"COLUMNS": "200"})
    assert "r-cli:started" in logged.output and "delivered" in logged.output
    (endpoint,) = _endpoints(server)
    removed = runner.invoke(cli_app, ["webhooks", "remove", endpoint, *common])
    assert removed.exit_code == 0, removed.output
    assert _endpoints(server) == []
    missing = runner.invoke(cli_app, ["webhooks", "remove", endpoint, *common])
    assert missing.exit_code == 1 and "no such webhook endpoint" in missing.output


def _endpoints(server: LiveServer) -> list[str]:
    with server.admin() as client:
        return [e["id"] for e in client.get("/api/webhooks").json()["endpoints"]]


async def test_a_recording_cut_by_shutdown_is_announced_after_restart(tmp_path: Path) -> None:
    from livetools import make_settings, run_live_server

    port = free_port()  # nobody listens while the first server runs
    slow = RetryPolicy(max_attempts=10_000, base_s=0.05, cap_s=0.1)  # never gives up here
    hooks = [webhooks_lifespan_with(slow), recorder_lifespan]
    settings = make_settings(tmp_path)
    with run_live_server(settings, hooks=hooks) as first:
        _register(first, f"http://127.0.0.1:{port}/hook", ["recording_finished"])
        room = first.create_room("r-cut")
        host = await RoomClient.connect(first.ws_url, first.mint(room, "h", Role.HOST))
        await host.reply(await host.send(SetRecording(True)))
        await host.ws.close()
    with run_receiver(port=port) as receiver, run_live_server(settings, hooks=hooks):
        await eventually(lambda: bool(receiver.received))
    recording = receiver.received[0].json["recording"]
    assert recording["reason"] == "server shutdown"
