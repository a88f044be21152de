"""Benchmark clients: one publisher of the pre-encoded clip, K subscribers that count frames.

Subscribers do not decode: their receivers are tapped with ``server.sfu.passthrough`` (the same
hook the SFU uses), so the load generator's CPU stays small and each frame is identified by its
bytes. Worker mode (``python -m bench.sfu.load ...``) runs a share of the subscribers, prints
``ready``, waits for ``go`` on stdin, measures, prints one JSON line, exits.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import msgpack
from aiortc import (
    MediaStreamTrack,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from websockets.asyncio.client import ClientConnection, connect

from bench.sfu.clip import ClipTrack, frame_id
from bench.sfu.janus import JanusSession
from server.sfu import passthrough
from server.sfu.ice import host_addresses, rtc_configuration


class Counter:
    """Frames seen by one subscriber (ids and arrival times while measuring)."""

    def __init__(self) -> None:
        self.first = asyncio.Event()
        self.measuring = False
        self.samples: list[tuple[str, float]] = []

    def sink(self, data: bytes, _timestamp: int, _mime: str) -> None:
        self.first.set()
        if self.measuring:
            self.samples.append((frame_id(data).hex(), time.time()))


def tap_first_track(pc: RTCPeerConnection, counter: Counter) -> None:
    @pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        if track.kind == "video":
            receiver: RTCRtpReceiver = next(
                t.receiver for t in pc.getTransceivers() if t.receiver.track is track
            )
            passthrough.tap_receiver(receiver, counter.sink)


async def answer_offers(ws: ClientConnection, pc: RTCPeerConnection) -> None:
    """huizhen signalling: answer the server's offers (subscriptions) as they come."""
    async for data in ws:
        for msg in msgpack.unpackb(data):
            if msg["type"] == "rtc_answer":
                await pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "answer"))
            elif msg["type"] == "rtc_offer":
                await pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "offer"))
                await pc.setLocalDescription(await pc.createAnswer())
                reply = {"type": "rtc_answer", "ref": 0, "sdp": pc.localDescription.sdp}
                await ws.send(msgpack.packb(reply))


class Client:
    def __init__(self) -> None:
        self.pc = RTCPeerConnection(rtc_configuration(()))
        self.tasks: list[asyncio.Future[None]] = []
        self.closers: list[Any] = []

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for closer in self.closers:
            await closer()
        await self.pc.close()


async def publish_ws(url: str, clip: list[bytes], sent: dict[bytes, float]) -> Client:
    client = Client()
    ws = await connect(url, max_size=2**20)
    client.closers.append(ws.close)
    await ws.send(msgpack.packb({"participant": "publisher"}))
    transceiver = client.pc.addTransceiver(ClipTrack(clip, sent), direction="sendonly")
    passthrough.set_codec_preferences(transceiver, "video", ("vp8", "rtx"))
    await client.pc.setLocalDescription(await client.pc.createOffer())
    offer = {"type": "rtc_offer", "ref": 1, "sdp": client.pc.localDescription.sdp}
    await ws.send(msgpack.packb(offer))
    client.tasks.append(asyncio.ensure_future(answer_offers(ws, client.pc)))
    return client


JANUS_ROOM = 4242


async def publish_janus(base: str, clip: list[bytes], sent: dict[bytes, float]) -> Client:
    client = Client()
    janus = JanusSession(base)
    client.closers.append(janus.close)
    await janus.open()
    room = {"room": JANUS_ROOM}
    await janus.request(
        {"request": "create", **room, "publishers": 1, "bitrate": 800_000}
        | {"bitrate_cap": True, "videocodec": "vp8", "audiocodec": "opus"}
    )
    await janus.request({"request": "join", "ptype": "publisher", **room, "id": 1})
    await janus.event()
    transceiver = client.pc.addTransceiver(ClipTrack(clip, sent), direction="sendonly")
    passthrough.set_codec_preferences(transceiver, "video", ("vp8", "rtx"))
    await client.pc.setLocalDescription(await client.pc.createOffer())
    jsep = {"type": "offer", "sdp": client.pc.localDescription.sdp, "trickle": False}
    await janus.request({"request": "publish", "audio": False, "video": True}, jsep)
    while "jsep" not in (event := await janus.event()):
        pass
    await client.pc.setRemoteDescription(RTCSessionDescription(event["jsep"]["sdp"], "answer"))
    return client


async def subscribe_janus(base: str, counter: Counter) -> Client:
    client = Client()
    janus = JanusSession(base)
    client.closers.append(janus.close)
    await janus.open()
    tap_first_track(client.pc, counter)
    await janus.request({"request": "join", "ptype": "subscriber", "room": JANUS_ROOM, "feed": 1})
    while "jsep" not in (event := await janus.event()):
        pass
    await client.pc.setRemoteDescription(RTCSessionDescription(event["jsep"]["sdp"], "offer"))
    await client.pc.setLocalDescription(await client.pc.createAnswer())
    jsep = {"type": "answer", "sdp": client.pc.localDescription.sdp, "trickle": False}
    await janus.request({"request": "start", "room": JANUS_ROOM}, jsep)
    return client


async def subscriber(mode: str, url: str, name: str, counter: Counter) -> Client:
    if mode == "janus":
        return await subscribe_janus(url, counter)
    return await _ws_subscriber(url, name, mode, counter)


async def _ws_subscriber(url: str, name: str, mode: str, counter: Counter) -> Client:
    client = Client()
    tap_first_track(client.pc, counter)
    ws = await connect(url, max_size=2**20)
    client.closers.append(ws.close)
    await ws.send(msgpack.packb({"participant": name}))
    if mode == "relay":
        client.pc.addTransceiver("video", direction="recvonly")
    await client.pc.setLocalDescription(await client.pc.createOffer())
    offer = {"type": "rtc_offer", "ref": 1, "sdp": client.pc.localDescription.sdp}
    await ws.send(msgpack.packb(offer))
    client.tasks.append(asyncio.ensure_future(answer_offers(ws, client.pc)))
    return client


def cpu_seconds(pid: int | str = "self") -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def worker(mode: str, url: str, count: int, prefix: str, duration: float) -> None:
    counters = [Counter() for _ in range(count)]
    clients = []
    for i, counter in enumerate(counters):
        clients.append(await subscriber(mode, url, f"{prefix}{i}", counter))
    waits = [asyncio.wait_for(c.first.wait(), 60) for c in counters]
    ok = sum(1 for r in await asyncio.gather(*waits, return_exceptions=True) if r is True)
    print("ready", ok, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    cpu0 = cpu_seconds()
    for counter in counters:
        counter.measuring = True
    await asyncio.sleep(duration)
    for counter in counters:
        counter.measuring = False
    cpu = cpu_seconds() - cpu0
    result = {"cpu": cpu, "samples": [c.samples for c in counters]}
    print(json.dumps(result), flush=True)
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--prefix", default="s")
    parser.add_argument("--duration", type=float, default=10)
    args = parser.parse_args()
    run = worker(args.mode, args.url, args.count, args.prefix, args.duration)
    if args.mode == "janus":
        asyncio.run(run)
    else:
        with host_addresses(["127.0.0.1"]):
            asyncio.run(run)


if __name__ == "__main__":
    main()
