"""``kill -9`` of a real server process mid-recording, then a restart that recovers it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from livetools import free_port, wait_healthy
from rec_scripted import image
from rec_support import RoomClient
from websockets.exceptions import ConnectionClosed

from recorder.format import RECORDINGS_DIR, Status, read_manifest
from recorder.reader import RecordingReader
from server.settings import SigningKey
from server.tokens import KeyRing, mint_room_token
from session.commands import MovePointer, PostChat, SetImage, SetRecording, SetVoi, TakeControl
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.model import Voi

KEY = SigningKey("crash", "crash-test-secret-0123456789abcdef-0123")
API_KEY = "crash-test-api-key-0123456789"
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def server_process(data_dir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIZHEN_")}
    env |= {
        "HUIZHEN_DATA_DIR": str(data_dir),
        "HUIZHEN_SECRET_KEYS": f"{KEY.kid}:{KEY.secret}",
        "HUIZHEN_API_KEY": API_KEY,
    }
    command = [sys.executable, "-m", "server", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_healthy(port, process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def admin(port: int) -> httpx.Client:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10)


def host_token(room: str) -> str:
    return mint_room_token(
        KeyRing((KEY,)),
        room=RoomId(room),
        identity=ParticipantId("host"),
        name="Dr Host",
        role=Role.HOST,
        ttl_s=600,
    )


async def keep_busy(client: RoomClient, stop: asyncio.Event) -> None:
    with contextlib.suppress(ConnectionClosed):  # the server is killed under our feet
        await _send_forever(client, stop)


async def _send_forever(client: RoomClient, stop: asyncio.Event) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        await client.send(SetVoi(0, Voi(40.0 + n, 400.0)))
        await client.send(MovePointer(0, (float(n % 512), 3.0)))
        if n % 10 == 0:
            await client.send(PostChat(f"note {n}"))
        await asyncio.sleep(0.05)


async def on_disk(data_dir: Path, seq: int) -> Path:
    """The recording's directory once its events file holds event ``seq`` (read as a reader
    would, torn tail and all): the kill then lands on a writer known to be mid-stream. A
    condition, not a delay, so a loaded machine only makes it wait longer."""
    root = data_dir / RECORDINGS_DIR
    async with asyncio.timeout(60):  # a safety net, not a timing assertion
        while True:
            for directory in root.iterdir() if root.exists() else []:
                with contextlib.suppress(OSError, ValueError):  # manifest or index not yet there
                    if any(e.stamped.seq == seq for e in RecordingReader(directory).events()):
                        return directory
            await asyncio.sleep(0.05)


async def test_kill_9_mid_recording_then_recovery(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    with server_process(data_dir, port) as process:
        with admin(port) as client:
            client.post("/api/rooms", json={"id": "crash", "title": "Crash"}).raise_for_status()
        url = f"ws://127.0.0.1:{port}/ws"
        host = await RoomClient.connect(url, host_token("crash"))
        await host.reply(await host.send(TakeControl()))
        await host.reply(await host.send(SetImage(0, image(3))))
        await host.reply(await host.send(SetRecording(True)))
        host.start_reader()
        stop = asyncio.Event()
        busy = asyncio.create_task(keep_busy(host, stop))
        await host.wait_until(lambda got: sum(m["type"] == "voi_changed" for m in got) >= 60)
        marker = max(m["seq"] for m in host.received if m["type"] == "voi_changed")
        directory = await on_disk(data_dir, marker)  # the writer has handed it to the OS
        process.send_signal(signal.SIGKILL)  # mid-recording, while commands keep coming
        process.wait(10)
        stop.set()
        await busy
        await host.close()
    received = [m for m in host.events() if m["seq"] is not None]
    assert [d.name for d in (data_dir / RECORDINGS_DIR).iterdir()] == [directory.name]

    # Before any recovery: everything written before the kill reads back, up to the torn tail.
    reader = RecordingReader(directory)
    assert reader.manifest.status is Status.RECORDING
    recorded = {e.stamped.seq for e in reader.events()}
    start = reader.manifest.started_at
    older = [m for m in received if start < m["at"] and m["seq"] <= marker]
    assert len([m for m in older if m["type"] == "voi_changed"]) > 30, "it recorded a while"
    assert {m["seq"] for m in older} <= recorded
    last = max(older, key=lambda m: m["seq"])
    state = reader.state_at(last["at"]).state
    voi = [m for m in older if m["type"] == "voi_changed"][-1]
    assert state.recording and state.viewports[0].voi is not None
    assert state.viewports[0].voi.center >= voi["voi"]["center"]

    # A restart recovers and finalizes it; a recording open at a clean stop (SIGTERM) is
    # finalized as complete by the lifespan.
    with server_process(data_dir, port), admin(port) as client:
        # The room itself is back (durable rooms) and still says it records: the cut
        # recording is recovered and a new one has begun.
        found = {r["id"]: r for r in client.get("/api/recordings").json()["recordings"]}
        listed = found[directory.name]
        client.post("/api/rooms", json={"id": "again"}).raise_for_status()
        again = await RoomClient.connect(url, host_token("again"))
        await again.reply(await again.send(SetRecording(True)))
        await again.reply(await again.send(PostChat("still here")))
    assert listed["status"] == Status.RECOVERED.value, listed
    [clean] = [d for d in (data_dir / RECORDINGS_DIR).iterdir() if d.name.startswith("again-")]
    finalized = read_manifest(clean)
    assert finalized.status is Status.COMPLETE, finalized
    assert finalized.reason == "server shutdown", finalized
    await again.close()
    manifest = read_manifest(directory)
    assert manifest.ended_at is not None and manifest.ended_at >= last["at"], (manifest, last)
    assert manifest.last_seq is not None and manifest.last_seq >= last["seq"], (manifest, last)
    assert manifest.events == len(list(RecordingReader(directory).events())), manifest
