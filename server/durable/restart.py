"""Graceful restart: on SIGTERM every client hears "come back" (1012 + ``resume_from``).

uvicorn's own shutdown closes every WebSocket with a bare 1012 and only then runs the app's
lifespan shutdown, so clients would not know where to resume from. ``RestartingServer`` puts
one step first: stop accepting, close each client with ``SERVICE_RESTART`` and the seq of the
last event queued to it (its queue drains first, and everything queued is durable already:
the owner task sends only after the log's barrier), wait (bounded) until they are gone — then
uvicorn's usual shutdown runs, and the app's lifespan drains the logs (``Cluster.stop``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import uvicorn
from starlette.applications import Starlette

from server.appstate import AppState
from session.codec import CloseCode, too_slow_reason

log = logging.getLogger(__name__)
CLOSE_WITHIN_S = 5.0  # a client that cannot take its close frame in time is cut off by uvicorn


async def close_for_restart(state: AppState, within_s: float = CLOSE_WITHIN_S) -> int:
    """Close every client of every hosted room with 1012 and its resume point; returns how
    many were asked to come back."""
    closed = 0
    for host in state.rooms.hosts():
        for conn in list(host.connections.values()):
            conn.close(CloseCode.SERVICE_RESTART, too_slow_reason(conn.last_seq_queued))
            closed += 1
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within_s):
            while state.rooms.connection_count():  # noqa: ASYNC110 - left by each ws handler
                await asyncio.sleep(0.02)
    log.info("restart: %d clients told to come back", closed)
    return closed


class RestartingServer(uvicorn.Server):
    """uvicorn's server whose shutdown first sends every room client 1012 + resume_from."""

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self._app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # stop accepting first: nobody joins a room that is going away
        state = getattr(self._app.state, "huizhen", None)
        if isinstance(state, AppState) and not self.force_exit:
            await state.cluster.hand_off()  # Redis mode: the rooms move before clients go
            await close_for_restart(state)
        await super().shutdown(sockets)
