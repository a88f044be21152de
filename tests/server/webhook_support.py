"""A real webhook receiver for tests: a starlette app under uvicorn on a free loopback port.

It records every request (headers, body) and answers each with the next status of its
``answers`` (the last one repeats). ``hold`` makes it wait before answering, until released:
a receiver that hangs, to show that rooms never wait for a webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    headers: Headers  # case-insensitive, as a receiver's framework gives them
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


@dataclass
class Receiver:
    port: int
    answers: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)  # set: answer at once

    def __post_init__(self) -> None:
        self.held.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def events(self) -> list[str]:
        return [r.json["event"] for r in self.received]

    def of(self, event: str) -> list[Received]:
        return [r for r in self.received if r.json["event"] == event]

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        self.received.append(Received(request.headers, body))
        while not self.held.is_set():  # noqa: ASYNC110 - set by the test's thread
            await asyncio.sleep(0.02)
        status = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return Response(status_code=status)


def _bound(port: int = 0) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@contextlib.contextmanager
def run_receiver(answers: list[int] | None = None, port: int = 0) -> Iterator[Receiver]:
    sock = _bound(port)
    receiver = Receiver(sock.getsockname()[1], answers or [200])
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "receiver did not start"
        time.sleep(0.01)
    try:
        yield receiver
    finally:
        receiver.held.set()
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
