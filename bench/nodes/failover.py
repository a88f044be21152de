"""Failover time: ``kill -9`` of the room's node → the client's first welcome on another node.

The client retries every 50 ms against the surviving node (a real client would try any
node). Each round kills the current owner and starts a fresh node to replace it, so the
room hops from node to node with its log intact (the client checks seq never goes back).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from bench.fanout import servers
from bench.nodes.cluster import ROOM, cluster
from session.codec import decode_server_frame, encode_command, encode_hello
from session.commands import PostChat

RETRY_S = 0.05


async def _welcome(port: int, token: str, resume: int | None) -> tuple[int, object]:
    """Connect, say hello, return (welcome seq, open connection) or raise."""
    ws = await connect(f"ws://127.0.0.1:{port}/ws", compression=None, open_timeout=2)
    await ws.send(encode_hello(token, resume))
    async with asyncio.timeout(3):
        while True:
            for message in decode_server_frame(bytes(await ws.recv())):  # type: ignore[arg-type]
                if message["type"] == "welcome":
                    return int(message["seq"]), ws


async def _acked_chat(ws: object, text: str) -> int:
    await ws.send(encode_command(1, PostChat(text)))  # type: ignore[attr-defined]
    while True:
        for message in decode_server_frame(bytes(await ws.recv())):  # type: ignore[attr-defined]
            if message["type"] == "ack" and message.get("ref") == 1:
                return int(message["seq"])


async def _room_and_token(port: int, api_key: str) -> str:
    headers = {"Authorization": f"Bearer {api_key}"}
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        await servers.create_room_here(http, ROOM)
        invite = {"role": "host", "identity": "lead", "name": "lead"}
        reply = await http.post(f"/api/rooms/{ROOM}/invites", json=invite)
        return str(reply.raise_for_status().json()["access_token"])  # what the socket takes


async def run(rounds: int, workdir: Path) -> list[float]:
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    times: list[float] = []
    with cluster(workdir) as c:
        owner, spare = c.start_node(workdir, "n0"), c.start_node(workdir, "n1")
        headers = {"Authorization": f"Bearer {c.api_key}"}
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{owner.port}", headers=headers
        ) as http:
            await servers.create_room_here(http, ROOM)
            reply = await http.post(
                f"/api/rooms/{ROOM}/invites",
                json={"role": "host", "identity": "lead", "name": "lead"},
            )
            token = str(reply.raise_for_status().json()["access_token"])
        seq, ws = await _welcome(owner.port, token, None)
        for r in range(rounds):
            last = await _acked_chat(ws, f"round {r}")
            owner.process.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            owner.process.wait()
            while True:
                try:
                    seq, ws = await _welcome(spare.port, token, last)
                    break
                except (OSError, TimeoutError, WebSocketException):
                    await asyncio.sleep(RETRY_S)
            times.append(time.monotonic() - killed)
            assert seq >= last, f"seq went back: {seq} < {last}"
            owner, spare = spare, c.start_node(workdir, f"n{r + 2}")
        with contextlib.suppress(Exception):
            await ws.close()  # type: ignore[attr-defined]
    return times
