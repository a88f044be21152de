"""The room owner's fan-out, with recording sinks: one frame per tick, pointer moves first to go."""

import asyncio

from livetools import eventually

from server.connection import Connection, Identity
from server.metrics import Metrics
from server.roomhost import RoomHost
from server.settings import Limits
from session.codec import decode_server_frame
from session.commands import MovePointer, SetVoi
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.model import Voi
from session.room import Room

ROOM = RoomId("fan")


class Sink:
    """Writes at once while ``open``; otherwise the connection must queue (a full socket)."""

    def __init__(self, *, open: bool = True) -> None:
        self.open = open
        self.frames: list[bytes] = []

    async def send_bytes(self, data: bytes) -> None:
        await asyncio.Event().wait()  # a stalled peer: the queued frames stay queued

    async def close(self, code: int, reason: str) -> None:
        pass

    def write_now(self, frame: bytes, wire: bytes | None) -> bool:
        if self.open:
            self.frames.append(frame)
        return self.open


async def joined(
    host: RoomHost, pid: str, role: Role, sink: Sink, limits: Limits | None = None
) -> Connection:
    ident = Identity(ROOM, ParticipantId(pid), pid, role, None)
    conn = Connection(sink, ident, limits or Limits(), Metrics(), now=0.0)
    assert await host.join(conn, None) is None
    return conn


async def test_a_ticks_voi_and_pointer_travel_in_one_frame() -> None:
    host = RoomHost(Room(ROOM, now=0.0), Metrics(), coalesce_s=0.01)
    host.start()
    driver = await joined(host, "host", Role.HOST, Sink())
    listener_sink = Sink()
    await joined(host, "l", Role.OBSERVER, listener_sink)
    listener_sink.frames.clear()  # the welcome
    host.submit(driver, 1, SetVoi(0, Voi(40.0, 400.0)))
    host.submit(driver, 2, MovePointer(0, (1.0, 2.0)))
    await eventually(lambda: bool(listener_sink.frames))  # the tick's flush
    (frame,) = listener_sink.frames  # both inputs were in before the tick: one frame
    assert [m["type"] for m in decode_server_frame(frame)] == ["voi_changed", "pointer_moved"]
    await host.stop()


async def test_a_stalled_listener_keeps_the_voi_and_loses_the_pointer() -> None:
    """Under pressure the mixed frames shrink to their durable message (``Lean``): ~110 of
    ~230 bytes each, so three fit the byte bound that three whole ones overflow."""
    host = RoomHost(Room(ROOM, now=0.0), Metrics(), coalesce_s=0.01)
    host.start()
    driver = await joined(host, "host", Role.HOST, Sink())
    limits = Limits(send_queue_bytes=500)
    stalled = await joined(host, "l", Role.OBSERVER, Sink(open=False), limits)
    for tick in range(3):
        host.submit(driver, 2 * tick + 1, SetVoi(0, Voi(40.0 + tick, 400.0)))
        host.submit(driver, 2 * tick + 2, MovePointer(0, (1.0, 2.0)))
        frames = tick + 2  # the welcome and one frame per tick so far
        await eventually(lambda: len(stalled._items) == frames)  # noqa: B023 - awaited here
    assert not stalled.closing
    kinds = [[m["type"] for m in decode_server_frame(item.frame)] for item in stalled._items]
    assert kinds == [["welcome"], ["voi_changed"], ["voi_changed"], ["voi_changed"]]
    assert stalled.metrics.dropped._value.get() == 3
    assert stalled.queued[1] <= 500  # three whole frames would not fit: it would be 4009
    await host.stop()
