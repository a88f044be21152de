"""Revocation and short access tokens against a real server (uvicorn on loopback, real
websockets clients, real HTTP): the admin API and CLI, live sockets closed with 4014, HTTP
401 ``token_revoked``, refresh with an invite and across an access token's expiry, and the
list surviving a restart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from livetools import LiveServer, eventually, make_settings, run_live_server
from room_client import RoomClient
from typer.testing import CliRunner

from server.cli import app as cli
from session.codec import CloseCode
from session.commands import Kick, LiftBan, PostChat
from session.grants import Role
from session.ids import ParticipantId

Json = dict[str, Any]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def invite(server: LiveServer, room: str, name: str, **body: Any) -> Json:
    with server.admin() as admin:
        made = admin.post(f"/api/rooms/{room}/invites", json={"name": name} | body)
    assert made.status_code == 201, made.text
    answer: Json = made.json()
    return answer


def refresh(server: LiveServer, invite_token: str | None) -> httpx.Response:
    headers = bearer(invite_token) if invite_token else {}
    return httpx.post(server.base_url + "/api/token", headers=headers, timeout=10)


def session(server: LiveServer, token: str) -> httpx.Response:
    return httpx.get(server.base_url + "/api/session", headers=bearer(token), timeout=10)


def revoke(server: LiveServer, **body: Any) -> Json:
    with server.admin() as admin:
        made = admin.post("/api/revocations", json=body)
    assert made.status_code == 201, made.text
    entry: Json = made.json()
    return entry


async def test_an_invite_buys_short_access_tokens_and_is_no_access_token_itself(
    live_server: LiveServer,
) -> None:
    room = live_server.create_room("buy")
    link = invite(live_server, room, "li", identity="li", ttl_s=3600)
    bought = refresh(live_server, link["token"])
    assert bought.status_code == 200, bought.text
    access = bought.json()
    assert access["expires_at"] <= link["expires_at"]
    me = session(live_server, access["token"]).json()
    assert (me["identity"], me["room"], me["kind"]) == ("li", room, "room")
    client = await RoomClient.connect(live_server.ws_url, access["token"])
    assert client.welcome["you"] == "li"
    await client.close()
    # The invite opens nothing but the refresh; an access token buys nothing.
    assert session(live_server, link["token"]).json()["code"] == "unauthorized"
    refused = await RoomClient.open(live_server.ws_url)
    await refused.ws.send(_hello(link["token"]))
    assert (await refused.closed())[0] == CloseCode.UNAUTHORIZED
    assert refresh(live_server, access["token"]).status_code == 401
    assert refresh(live_server, None).json()["code"] == "unauthorized"


async def test_revoking_an_invite_closes_its_sockets_and_refuses_http_and_refresh(
    live_server: LiveServer,
) -> None:
    room = live_server.create_room("rv")
    link = invite(live_server, room, "li", identity="li")
    other = invite(live_server, room, "wang", identity="wang")
    li = await RoomClient.connect(live_server.ws_url, link["access_token"])
    wang = await RoomClient.connect(live_server.ws_url, other["access_token"])
    entry = revoke(live_server, jti=link["jti"], reason="link leaked")
    assert (entry["scope"], entry["jti"], entry["reason"]) == ("jti", link["jti"], "link leaked")
    code, reason = await li.closed()
    assert code == CloseCode.TOKEN_REVOKED and "revoked" in reason
    for token in (link["access_token"], link["token"]):
        refused = session(live_server, token)
        assert (refused.status_code, refused.json()["code"]) == (401, "token_revoked")
    assert refresh(live_server, link["token"]).json()["code"] == "token_revoked"
    again = await RoomClient.open(live_server.ws_url)
    await again.ws.send(_hello(link["access_token"]))
    assert (await again.closed())[0] == CloseCode.TOKEN_REVOKED
    # Everyone else is untouched.
    await wang.send(PostChat("still here"))
    assert (await wang.event("chat_posted"))["text"] == "still here"
    await wang.close()


def test_the_admin_api_lists_lifts_and_validates(live_server: LiveServer) -> None:
    room = live_server.create_room("adm")
    link = invite(live_server, room, "li", identity="li")
    entry = revoke(live_server, identity="li", room=room)
    with live_server.admin() as admin:
        listed = admin.get("/api/revocations").json()["revocations"]
        assert [e["id"] for e in listed] == [entry["id"]]
        assert refresh(live_server, link["token"]).status_code == 401
        assert admin.delete(f"/api/revocations/{entry['id']}").status_code == 204
        assert admin.delete(f"/api/revocations/{entry['id']}").json()["code"] == "not_found"
        assert refresh(live_server, link["token"]).status_code == 200
        bad = admin.post("/api/revocations", json={"jti": "a", "room": room})
        assert (bad.status_code, bad.json()["code"]) == (400, "bad_request")
    anonymous = httpx.post(live_server.base_url + "/api/revocations", json={"room": room})
    assert anonymous.json()["code"] == "unauthorized"
    with_token = httpx.get(live_server.base_url + "/api/revocations", headers=bearer(link["token"]))
    assert with_token.status_code == 401


async def test_a_room_revocation_spares_invites_minted_after_it(live_server: LiveServer) -> None:
    room = live_server.create_room("rr")
    old = invite(live_server, room, "li", identity="li")
    client = await RoomClient.connect(live_server.ws_url, old["access_token"])
    revoke(live_server, room=room)
    assert (await client.closed())[0] == CloseCode.TOKEN_REVOKED
    assert refresh(live_server, old["token"]).json()["code"] == "token_revoked"
    fresh = invite(live_server, room, "li", identity="li")
    assert session(live_server, refresh(live_server, fresh["token"]).json()["token"]).is_success


async def test_a_kicked_identity_cannot_refresh_until_the_ban_is_lifted(
    live_server: LiveServer,
) -> None:
    room = live_server.create_room("kb")
    link = invite(live_server, room, "li", identity="li")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "host", Role.HOST))
    li = await RoomClient.connect(live_server.ws_url, link["access_token"])
    await host.reply(await host.send(Kick(ParticipantId("li"))))
    await li.closed()
    refused = refresh(live_server, link["token"])
    assert (refused.status_code, refused.json()["code"]) == (403, "banned")
    await host.reply(await host.send(LiftBan(ParticipantId("li"))))
    assert refresh(live_server, link["token"]).status_code == 200
    await host.close()


async def test_the_client_refreshes_across_an_access_tokens_expiry_without_leaving(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory(access_token_ttl_s=2.0)
    room = server.create_room("long")
    link = invite(server, room, "li", identity="li")
    first = refresh(server, link["token"]).json()
    client = await RoomClient.connect(server.ws_url, first["token"])
    await eventually(lambda: session(server, first["token"]).status_code == 401)
    assert "expired" in session(server, first["token"]).json()["message"]
    # The socket admitted with it stays in the room; the next access token is bought.
    await client.send(PostChat("after expiry"))
    assert (await client.event("chat_posted"))["text"] == "after expiry"
    second = refresh(server, link["token"]).json()
    assert session(server, second["token"]).json()["identity"] == "li"
    seq = client.events()[-1]["seq"]
    await client.close()
    resumed = await RoomClient.connect(server.ws_url, second["token"], resume_from=seq)
    assert resumed.welcome["you"] == "li"
    await resumed.close()


def test_the_list_survives_a_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with run_live_server(settings) as first:
        room = first.create_room("dur")
        link = invite(first, room, "li", identity="li")
        revoke(first, jti=link["jti"])
    with run_live_server(settings) as second:
        assert refresh(second, link["token"]).json()["code"] == "token_revoked"
        with second.admin() as admin:
            assert len(admin.get("/api/revocations").json()["revocations"]) == 1


def test_the_cli_revokes_lists_and_lifts(live_server: LiveServer) -> None:
    room = live_server.create_room("cli")
    link = invite(live_server, room, "li", identity="li")
    server = ["--server", live_server.base_url, "--api-key", live_server.settings.api_key]
    runner = CliRunner()
    made = runner.invoke(cli, ["tokens", "revoke", "--identity", "li", "--room", room, *server])
    assert made.exit_code == 0, made.output
    assert refresh(live_server, link["token"]).json()["code"] == "token_revoked"
    listed = runner.invoke(cli, ["tokens", "revoked", *server], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "identity" in listed.output and room in listed.output
    entry_id = made.output.split("revoked: ")[1].split()[0]
    assert runner.invoke(cli, ["tokens", "unrevoke", entry_id, *server]).exit_code == 0
    assert refresh(live_server, link["token"]).status_code == 200
    bad = runner.invoke(cli, ["tokens", "revoke", *server])
    assert bad.exit_code == 1 and "name a jti" in bad.output


def _hello(token: str) -> bytes:
    from session.codec import encode_hello

    return encode_hello(token, None)
