"""A stalled reader never delays the others; it is cut off with 4009 and resumes losslessly."""

import socket
from collections.abc import Callable

from livetools import LiveServer
from room_client import Message, RoomClient

from server.settings import Limits
from session.commands import PostChat
from session.grants import Role

# The server's kernel send buffer alone may hold 4 MiB (tcp_wmem max): send clearly more.
EVENTS = 3500
TEXT = "x" * 2000  # the longest chat message: big events fill socket buffers quickly
LIMITS = Limits(
    other_rate=1e6,
    other_burst=1e6,
    send_queue_messages=64,
    send_queue_bytes=256 * 1024,
    resume_max_bytes=64 * 1024 * 1024,  # resume by events here, however many were missed
)


def acked(ref: int) -> Callable[[list[Message]], bool]:
    return lambda received: any(m["type"] == "ack" and m["ref"] == ref for m in received)


def tiny_socket(port: int) -> socket.socket:
    """A client socket with a small receive buffer, so a non-reading peer stalls early."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_stalled_reader_does_not_delay_others(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory(limits=LIMITS)
    room = server.create_room("slow")
    slow = await RoomClient.connect(
        server.ws_url, server.mint(room, "slow"), sock=tiny_socket(server.port), max_queue=1
    )
    fast = await RoomClient.connect(server.ws_url, server.mint(room, "fast"))
    host = await RoomClient.connect(server.ws_url, server.mint(room, "host", Role.HOST))
    fast.start_reader()
    host.start_reader()

    last_ref = 0
    for n in range(EVENTS):
        last_ref = await host.send(PostChat(TEXT))
        if n % 25 == 24:  # pace the sender so this test's own readers keep up
            await host.wait_until(acked(last_ref))
    await host.wait_until(acked(last_ref))
    last_seq = next(m["seq"] for m in host.received if m["type"] == "ack" and m["ref"] == last_ref)
    # The fast reader receives everything while the slow one reads nothing at all.
    await fast.wait_until(lambda got: any(m.get("seq") == last_seq for m in got))
    fast_chats = [m for m in fast.events() if m["type"] == "chat_posted"]
    assert len(fast_chats) == EVENTS

    # Now the slow client reads: what was written before the overflow, then 4009 + hint.
    code, reason = await slow.closed()
    assert code == 4009
    assert reason.startswith("resume_from=")
    resume_from = int(reason.removeprefix("resume_from="))
    before = [m["seq"] for m in slow.events() if m["seq"] is not None]
    assert before == list(range(slow.welcome["seq"] + 1, resume_from + 1))
    assert resume_from < last_seq  # it really fell behind

    token = server.mint(room, "slow")
    back = await RoomClient.connect(server.ws_url, token, resume_from=resume_from, max_size=None)
    assert back.welcome["snapshot"] is None
    rest = await back.until_seq(last_seq)
    after = [m["seq"] for m in rest if m["seq"] is not None and m["seq"] <= last_seq]
    assert after == list(range(resume_from + 1, last_seq + 1))  # nothing lost, nothing twice
    for client in (fast, host, back):
        await client.close()


def either(*conditions: Callable[[list[Message]], bool]) -> Callable[[list[Message]], bool]:
    return lambda got: any(condition(got) for condition in conditions)


def went_offline(who: str) -> Callable[[list[Message]], bool]:
    return lambda got: any(
        m["type"] == "presence_changed" and m["participant"] == who and not m["online"] for m in got
    )


async def test_stalled_reader_is_told_4009_and_goes_offline_before_it_reads(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    """docs/protocol.md, Limits and Close codes: an overflowing send queue closes with 4009,
    reason ``resume_from=<seq>``. The close frame is written although the peer reads nothing
    (it waits behind what the socket holds), and the room sees the member go offline at once,
    not when a keepalive ping times out (which would close 1011 with no hint)."""
    server = live_server_factory(limits=LIMITS)
    room = server.create_room("stall")
    slow = await RoomClient.connect(
        server.ws_url, server.mint(room, "slow"), sock=tiny_socket(server.port), max_queue=1
    )
    host = await RoomClient.connect(server.ws_url, server.mint(room, "host", Role.HOST))
    host.start_reader()
    sent = 0
    while not went_offline("slow")(host.received):  # the slow client reads nothing meanwhile
        assert sent < EVENTS, "the stalled reader was never cut off"
        for _ in range(25):
            last_ref = await host.send(PostChat(TEXT))
        sent += 25
        await host.wait_until(either(acked(last_ref), went_offline("slow")))

    code, reason = await slow.closed()  # reads now: what preceded the close, then the close
    assert code == 4009
    resume_from = int(reason.removeprefix("resume_from="))
    seqs = [m["seq"] for m in slow.events() if m["seq"] is not None]
    assert seqs == list(range(slow.welcome["seq"] + 1, resume_from + 1))
    await host.close()
