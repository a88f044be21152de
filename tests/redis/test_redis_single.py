"""One node without Redis (the embedded default) answers the same questions the same way."""

from __future__ import annotations

import httpx
from livetools import LiveServer


def test_the_only_node_hosts_every_room(live_server: LiveServer) -> None:
    live_server.create_room("solo")
    headers = {"Authorization": f"Bearer {live_server.mint('solo', 'lead')}"}
    response = httpx.get(live_server.base_url + "/api/session/node", headers=headers)
    assert response.status_code == 200
    assert response.json() == {
        "node": "local",
        "url": live_server.settings.public_base,
        "here": True,
    }
    missing = {"Authorization": f"Bearer {live_server.mint('nope', 'lead')}"}
    assert httpx.get(live_server.base_url + "/api/session/node", headers=missing).status_code == 404
    assert httpx.get(live_server.base_url + "/api/session/node").status_code == 401
