"""The per-connection send queue: ordering, drop policy, overflow close (recording sink)."""

import asyncio

from livetools import eventually

from server.connection import Connection, Identity, Lean
from server.metrics import Metrics
from server.settings import Limits
from session.codec import CloseCode, decode_server_frame, resume_hint
from session.grants import Role
from session.ids import ParticipantId, RoomId

IDENT = Identity(RoomId("r"), ParticipantId("p"), "P", Role.PARTICIPANT, None)


class RecordingSink:
    """Records frames; ``gate`` (when cleared) stalls writes like a full socket."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.closed: tuple[int, str] | None = None
        self.gate = asyncio.Event()
        self.gate.set()

    async def send_bytes(self, data: bytes) -> None:
        await self.gate.wait()
        self.frames.append(data)

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def write_now(self, frame: bytes, wire: bytes | None) -> bool:
        return False  # always through the queue: these tests are about the queue


def make(limits: Limits | None = None) -> tuple[Connection, RecordingSink, Metrics]:
    sink, metrics = RecordingSink(), Metrics()
    conn = Connection(sink, IDENT, limits or Limits(), metrics, now=0.0)
    return conn, sink, metrics


async def test_frames_are_written_in_order_then_closed() -> None:
    conn, sink, _ = make()
    writer = asyncio.create_task(conn.run_writer())
    for n in range(5):
        conn.enqueue(bytes([n]) * 10, seq=n + 1, ephemeral=False, messages=1)
    conn.close(CloseCode.KICKED, "kicked")
    await asyncio.wait_for(writer, 5)
    assert sink.frames == [bytes([n]) * 10 for n in range(5)]
    assert sink.closed == (CloseCode.KICKED, "kicked")
    assert conn.last_seq_written == 5


async def test_send_wraps_one_message_in_a_frame() -> None:
    conn, sink, _ = make()
    writer = asyncio.create_task(conn.run_writer())
    conn.send(b"\x81\xa4type\xa4pong")
    conn.close(CloseCode.NORMAL, "")
    await asyncio.wait_for(writer, 5)
    assert decode_server_frame(sink.frames[0]) == [{"type": "pong"}]


async def test_pressure_drops_ephemeral_frames_first() -> None:
    conn, sink, metrics = make(Limits(send_queue_messages=4, send_queue_bytes=10_000))
    sink.gate.clear()  # the peer does not read
    writer = asyncio.create_task(conn.run_writer())
    conn.enqueue(b"D1", seq=1, ephemeral=False, messages=1)
    await asyncio.sleep(0)  # the writer takes D1 and blocks on the socket
    for n in range(3):
        conn.enqueue(b"P%d" % n, seq=None, ephemeral=True, messages=2)
    conn.enqueue(b"D2", seq=2, ephemeral=False, messages=1)
    conn.enqueue(b"D3", seq=3, ephemeral=False, messages=1)  # 5 queued > 4: pointers go
    assert not conn.closing
    assert conn.queued == (2, 4)
    assert metrics.dropped._value.get() == 6
    sink.gate.set()
    conn.close(CloseCode.NORMAL, "")
    await asyncio.wait_for(writer, 5)
    assert sink.frames == [b"D1", b"D2", b"D3"]


async def test_pressure_drops_the_pointer_moves_inside_mixed_frames() -> None:
    """A tick's frame holding a VOI change and a pointer move shrinks to the VOI change."""
    conn, sink, metrics = make(Limits(send_queue_messages=2, send_queue_bytes=10_000))
    sink.gate.clear()
    writer = asyncio.create_task(conn.run_writer())
    conn.enqueue(b"D1", seq=1, ephemeral=False, messages=1)
    await asyncio.sleep(0)  # the writer takes D1 and blocks on the socket
    for seq in (2, 3):
        lean = Lean(b"V%d" % seq, dropped=1)
        conn.enqueue(b"V%dP%d" % (seq, seq), seq=seq, ephemeral=False, messages=2, lean=lean)
    assert conn.queued == (2, 8)  # at the bound: nothing dropped yet
    conn.enqueue(b"D4", seq=4, ephemeral=False, messages=1)  # 3 > 2: pointers go, then 4009
    assert metrics.dropped._value.get() == 2
    assert conn.close_code == CloseCode.TOO_SLOW  # still 3 durable frames: too slow after all
    sink.gate.set()
    await asyncio.wait_for(writer, 5)
    assert sink.closed is not None and resume_hint(sink.closed[1]) == 0  # D1 was cut off


async def test_mixed_frames_keep_their_durable_messages_in_order() -> None:
    conn, sink, metrics = make(Limits(send_queue_messages=3, send_queue_bytes=10_000))
    sink.gate.clear()
    writer = asyncio.create_task(conn.run_writer())
    conn.enqueue(b"D1", seq=1, ephemeral=False, messages=1)
    await asyncio.sleep(0)
    conn.enqueue(b"P", seq=None, ephemeral=True, messages=1)
    conn.enqueue(b"V2P", seq=2, ephemeral=False, messages=2, lean=Lean(b"V2", dropped=1))
    conn.enqueue(b"V3P", seq=3, ephemeral=False, messages=2, lean=Lean(b"V3", dropped=1))
    conn.enqueue(b"D4", seq=4, ephemeral=False, messages=1)  # 4 > 3: every pointer goes
    assert not conn.closing
    assert conn.queued == (3, 6)
    assert metrics.dropped._value.get() == 3
    sink.gate.set()
    conn.close(CloseCode.NORMAL, "")
    await asyncio.wait_for(writer, 5)
    assert sink.frames == [b"D1", b"V2", b"V3", b"D4"]
    assert conn.last_seq_written == 4


async def test_overflow_closes_4009_with_resume_hint() -> None:
    conn, sink, _ = make(Limits(send_queue_messages=3, send_queue_bytes=10_000))
    writer = asyncio.create_task(conn.run_writer())
    conn.enqueue(b"D1", seq=1, ephemeral=False, messages=1)
    await eventually(lambda: sink.frames == [b"D1"])  # D1 is delivered
    sink.gate.clear()  # from now on the peer stalls
    for seq in range(2, 7):
        conn.enqueue(b"D%d" % seq, seq=seq, ephemeral=False, messages=1)
        await asyncio.sleep(0)
    assert conn.closing and conn.close_code == CloseCode.TOO_SLOW
    sink.gate.set()  # the close frame goes out once the socket drains
    await asyncio.wait_for(writer, 5)
    assert sink.closed is not None and sink.closed[0] == CloseCode.TOO_SLOW
    assert resume_hint(sink.closed[1]) == 1  # D2 was stuck in the socket: not delivered
    assert sink.frames == [b"D1"]


async def test_byte_bound_counts_too() -> None:
    conn, _, _ = make(Limits(send_queue_messages=100, send_queue_bytes=100))
    conn.enqueue(b"x" * 60, seq=1, ephemeral=False, messages=1)
    conn.enqueue(b"y" * 60, seq=2, ephemeral=False, messages=1)
    assert conn.close_code == CloseCode.TOO_SLOW


async def test_nothing_is_queued_after_close() -> None:
    conn, _, _ = make()
    conn.close(CloseCode.NORMAL, "")
    conn.enqueue(b"late", seq=9, ephemeral=False, messages=1)
    assert conn.queued == (0, 0)


class ClosingSink(RecordingSink):
    """A sink that can write its close frame at once (as ``server.ws`` over uvicorn can)."""

    def __init__(self) -> None:
        super().__init__()
        self.closed_now: list[tuple[int, str]] = []

    def close_now(self, code: int, reason: str) -> bool:
        self.closed_now.append((code, reason))
        return True


async def test_overflow_writes_the_close_at_once_while_the_writer_is_stuck() -> None:
    sink, metrics = ClosingSink(), Metrics()
    conn = Connection(sink, IDENT, Limits(send_queue_messages=2), metrics, now=0.0)
    sink.gate.clear()  # the peer reads nothing from the start
    writer = asyncio.create_task(conn.run_writer())
    for seq in range(1, 5):
        conn.enqueue(b"D%d" % seq, seq=seq, ephemeral=False, messages=1)
        await asyncio.sleep(0)
    assert sink.closed_now == [(CloseCode.TOO_SLOW, "resume_from=0")]  # before any drain
    await asyncio.wait_for(writer, 5)  # the stuck write is abandoned, not waited for
    assert sink.closed is None  # and the close frame is not sent a second time
    assert sink.frames == []


async def test_edge_replies_take_the_rooms_way_while_it_owes_replies() -> None:
    conn, sink, _ = make()
    routed: list[bytes] = []

    def via_room(c: Connection, message: bytes) -> None:
        c.expect_room_reply(via_room)
        routed.append(message)

    conn.expect_room_reply(via_room)  # a command went to the room
    conn.send(b"\xa4pong")
    conn.close(CloseCode.FLOOD, "flood")  # waits for the room's replies
    assert routed == [b"\xa4pong"] and conn.queued == (0, 0)
    assert conn.closing and conn.close_code is None
    conn.enqueue(b"\x92ACK+PONG", seq=None, ephemeral=False, messages=2)  # the room's flush
    conn.room_replied(2)
    assert conn.close_code == CloseCode.FLOOD
    writer = asyncio.create_task(conn.run_writer())
    await asyncio.wait_for(writer, 5)
    assert sink.frames == [b"\x92ACK+PONG"] and sink.closed == (CloseCode.FLOOD, "flood")
    conn.send(b"\xa4late")  # nothing owed, closed: dropped
    assert routed == [b"\xa4pong"]
