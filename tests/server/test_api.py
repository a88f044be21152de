"""Admin API, session info, health and metrics over a live server."""

from collections.abc import Callable
from pathlib import Path

import httpx
from livetools import LiveServer
from room_client import RoomClient

from server.tokens import KeyRing, TokenKind, verify_room_token
from session.commands import SetVoi
from session.grants import Role
from session.model import Voi


def test_admin_api_requires_the_key(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url) as anonymous:
        for method, path in (
            ("POST", "/api/rooms"),
            ("GET", "/api/rooms"),
            ("GET", "/api/rooms/x"),
            ("DELETE", "/api/rooms/x"),
            ("POST", "/api/rooms/x/invites"),
        ):
            response = anonymous.request(method, path, json={})
            assert response.status_code == 401, path
            assert response.json()["code"] == "unauthorized"
        wrong = anonymous.get("/api/rooms", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        # A room token is not an API key.
        token = live_server.mint("r", "h", Role.HOST)
        assert anonymous.get("/api/rooms", headers={"Authorization": f"Bearer {token}"}).is_error


def test_room_lifecycle(live_server: LiveServer) -> None:
    with live_server.admin() as admin:
        created = admin.post("/api/rooms", json={"id": "case-1", "title": "Chest CT"})
        assert created.status_code == 201
        assert created.json()["id"] == "case-1" and created.json()["title"] == "Chest CT"
        assert created.json()["node"] == {"id": "local", "url": live_server.base_url}
        assert admin.post("/api/rooms", json={"id": "x", "node": "n2"}).json()["code"] == (
            "bad_request"  # one node: no other to pin a room to
        )
        assert admin.post("/api/rooms", json={"id": "x", "node": 3}).status_code == 400
        assert admin.post("/api/rooms", json={"id": "case-1"}).status_code == 409
        assert admin.post("/api/rooms", json={"id": "bad id!"}).json()["code"] == "bad_request"
        assert admin.post("/api/rooms", content=b"not json").status_code == 400
        generated = admin.post("/api/rooms", json={"title": "auto"}).json()["id"]
        listed = {r["id"] for r in admin.get("/api/rooms").json()["rooms"]}
        assert listed == {"case-1", generated}
        assert admin.get("/api/rooms/case-1").json()["closed"] is False
        assert admin.get("/api/rooms/nope").status_code == 404
        assert admin.delete("/api/rooms/case-1").json()["closed"] is True
        invite = admin.post("/api/rooms/case-1/invites", json={"name": "late"})
        assert (invite.status_code, invite.json()["code"]) == (409, "room_closed")
        assert admin.delete("/api/rooms/case-1").status_code == 409
        assert admin.delete("/api/rooms/nope").json()["code"] == "not_found"


def test_invites_mint_tokens_with_the_fragment_url(live_server: LiveServer) -> None:
    room = live_server.create_room("inv")
    with live_server.admin() as admin:
        response = admin.post(
            f"/api/rooms/{room}/invites",
            json={"role": "observer", "name": "Trainee Li", "ttl_s": 600},
        )
        assert response.status_code == 201
        invite = response.json()
        assert invite["url"] == f"{live_server.base_url}/join#token={invite['token']}"
        keys = KeyRing(live_server.settings.signing_keys)
        claims = verify_room_token(keys, invite["token"], kind=TokenKind.INVITE)
        assert (claims.room, claims.role, claims.name) == (room, Role.OBSERVER, "Trainee Li")
        assert claims.sub == invite["identity"] and claims.jti == invite["jti"]
        assert invite["expires_at"] == claims.exp
        access = verify_room_token(keys, invite["access_token"])  # what the socket takes
        assert (access.sub, access.src, access.exp) == (
            claims.sub,
            claims.jti,
            invite["access_expires_at"],
        )
        explicit = admin.post(
            f"/api/rooms/{room}/invites",
            json={"role": "participant", "name": "Dr Wang", "identity": "wang", "grants": ["chat"]},
        ).json()
        claims = verify_room_token(keys, explicit["access_token"])
        assert claims.sub == "wang" and claims.effective_grants == {"chat"}
        for bad in ({"role": "king", "name": "x"}, {"name": ""}, {"name": "x", "ttl_s": -1}):
            assert admin.post(f"/api/rooms/{room}/invites", json=bad).status_code == 400
        assert admin.post("/api/rooms/none/invites", json={"name": "x"}).status_code == 404


def test_session_info_for_a_room_token(live_server: LiveServer) -> None:
    room = live_server.create_room("who", "Who am I")
    token = live_server.mint(room, "zhang", Role.PRESENTER, name="Dr Zhang")
    with httpx.Client(base_url=live_server.base_url) as client:
        me = client.get("/api/session", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["identity"] == "zhang" and me["role"] == "presenter" and me["room"] == room
        assert me["room_title"] == "Who am I" and "drive" in me["grants"]
        assert "token" not in me and "jti" not in me
        assert client.get("/api/session").status_code == 401
        bad = client.get("/api/session", headers={"Authorization": "Bearer x.y.z"})
        assert bad.status_code == 401 and "malformed" in bad.json()["message"]


async def test_healthz_and_metrics_reflect_reality(live_server: LiveServer) -> None:
    room = live_server.create_room("m")
    async with httpx.AsyncClient(base_url=live_server.base_url) as http:
        assert (await http.get("/healthz")).json() == {
            "status": "ok",
            "node": "local",
            "rooms": 1,
            "conns": 0,
        }
        host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
        doc = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "d"))
        assert (await http.get("/healthz")).json() == {
            "status": "ok",
            "node": "local",
            "rooms": 1,
            "conns": 2,
        }
        await host.reply(await host.send(SetVoi(0, Voi(1.0, 2.0))))
        error = await doc.reply(await doc.send(SetVoi(0, Voi(1.0, 2.0))))
        assert error["code"] == "forbidden"
        admin = {"Authorization": f"Bearer {live_server.settings.api_key}"}
        text = (await http.get("/metrics", headers=admin)).text
        assert "huizhen_connections 2.0" in text
        assert "huizhen_rooms 1.0" in text
        assert 'huizhen_errors_total{code="forbidden"} 1.0' in text
        assert "huizhen_frames_sent_total" in text and "huizhen_command_seconds_bucket" in text
        await doc.close()
        await doc.ws.wait_closed()
        await host.next_message(lambda m: m["type"] == "presence_changed" and not m["online"])
        assert (await http.get("/healthz")).json()["conns"] == 1
        await host.close()


def test_missing_web_build_explains_itself(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url) as client:
        page = client.get("/")
        assert page.status_code == 200 and "npm run build" in page.text
        assert "npm run build" in client.get("/join").text
        assert client.get("/nothing.js").status_code == 404


def test_web_build_is_served_with_cache_headers(
    live_server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>huizhen</title>")
    (dist / "assets" / "main-abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")
    server = live_server_factory(web_dist=dist)
    with httpx.Client(base_url=server.base_url) as client:
        for path in ("/", "/join", "/room/abc/def"):
            page = client.get(path)
            assert "<title>huizhen</title>" in page.text
            assert page.headers["cache-control"] == "no-cache"
        asset = client.get("/assets/main-abc123.js")
        assert asset.text == "console.log(1)"
        assert "immutable" in asset.headers["cache-control"]
        assert client.get("/../secret.txt").status_code == 404
        assert client.get("/%2e%2e/secret.txt").status_code == 404
