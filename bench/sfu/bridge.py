"""The SFU under test as its own process, behind a minimal msgpack-over-WebSocket signalling.

    python -m bench.sfu.bridge --mode huizhen|relay --port 0

``huizhen``: ``server.sfu.signalling.Sfu`` (pass-through), the same code the server runs.
``relay``: the naive aiortc way — decode the publisher, ``MediaRelay`` it, encode per
subscriber. Prints ``ready <port>`` once listening. Only the SFU runs here, so this process's
CPU (``/proc/PID/stat``) is the SFU's cost. Room logic is left out: one room, no grants.
"""

import argparse
import asyncio
import signal
import sys
from dataclasses import dataclass
from typing import Any

import msgpack
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from websockets.asyncio.server import ServerConnection, serve

from server.interfaces import MemberView
from server.sfu.ice import host_addresses, rtc_configuration
from server.sfu.signalling import Sfu
from session.grants import Role, default_grants
from session.ids import ParticipantId, RoomId


@dataclass(frozen=True)
class Signal:
    ref: int
    type: str
    sdp: str


class Conn:
    def __init__(self, ws: ServerConnection, participant: str) -> None:
        self.room_id = RoomId("bench")
        self.participant = ParticipantId(participant)
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.writer = asyncio.ensure_future(self._write(ws))

    def send(self, message: bytes) -> None:
        self.outbox.put_nowait(b"\x91" + message)  # a frame: msgpack array of one message

    async def _write(self, ws: ServerConnection) -> None:
        while True:
            await ws.send(await self.outbox.get())

    def member(self) -> MemberView | None:
        return MemberView(self.participant, default_grants(Role.HOST), True)


async def huizhen(sfu: Sfu, ws: ServerConnection) -> None:
    hello = msgpack.unpackb(await ws.recv())
    conn = Conn(ws, hello["participant"])
    try:
        async for data in ws:
            msg = msgpack.unpackb(data)
            await sfu.on_signal(conn, Signal(msg["ref"], msg["type"], msg["sdp"]))
    finally:
        conn.writer.cancel()
        await sfu.on_leave(conn.room_id, conn.participant)


class Relay:
    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.track: asyncio.Future[MediaStreamTrack] = asyncio.Future()
        self.pcs: set[RTCPeerConnection] = set()

    async def handle(self, ws: ServerConnection) -> None:
        hello = msgpack.unpackb(await ws.recv())
        pc = RTCPeerConnection(rtc_configuration(()))
        self.pcs.add(pc)
        publisher = hello["participant"] == "publisher"
        if publisher:
            pc.on("track", lambda t: self.track.done() or self.track.set_result(t))
        msg = msgpack.unpackb(await ws.recv())
        await pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "offer"))
        if not publisher:
            transceiver = pc.getTransceivers()[0]
            transceiver.direction = "sendonly"
            transceiver.sender.replaceTrack(self.relay.subscribe(await self.track))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = {"type": "rtc_answer", "ref": msg["ref"], "sdp": pc.localDescription.sdp}
        await ws.send(msgpack.packb([answer]))
        try:
            await ws.wait_closed()
        finally:
            self.pcs.discard(pc)
            await pc.close()


async def main(mode: str, port: int) -> None:
    sfu, relay = Sfu(), Relay()

    async def handler(ws: ServerConnection) -> None:
        await (huizhen(sfu, ws) if mode == "huizhen" else relay.handle(ws))

    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    with host_addresses(["127.0.0.1"]):
        async with serve(handler, "127.0.0.1", port, max_size=2**20) as server:
            bound: Any = next(iter(server.sockets)).getsockname()
            print("ready", bound[1], flush=True)
            reporter = asyncio.ensure_future(report_every(sfu, 5.0))
            await stop
            reporter.cancel()


async def report_every(sfu: Sfu, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        report(sfu)


def report(sfu: Sfu) -> None:
    """What the forwarders saw so far (to stderr, for the run's log)."""
    for room in sfu.rooms.values():
        for pub in room.publications():
            f = pub.forwarder
            legs = f.legs.values()
            dropped = sorted(leg.dropped for leg in legs)
            print(
                f"bridge: {pub.key} frames_in={f.frames_in} plis={f.plis_sent} legs={len(legs)}"
                f" dropped min/median/max={dropped[:1]}/{dropped[len(dropped) // 2 :][:1]}"
                f"/{dropped[-1:]}",
                file=sys.stderr,
                flush=True,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["huizhen", "relay"], required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main(args.mode, args.port))
