# ruff: noqa: ASYNC212 - the server runs on its own thread: blocking HTTP here cannot stall it
"""A real server records a session driven by real WebSocket clients; playback equals live."""

from __future__ import annotations

import asyncio
import io
import random
import tarfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
from livetools import LiveServer, eventually
from rec_scripted import image, random_command
from rec_support import RoomClient

from recorder.format import RECORDINGS_DIR, Status, Track, read_manifest, write_manifest
from recorder.reader import RecordingReader
from server.tokens import TokenKind
from session.codec import decode_server_frame, snapshot_from_wire, stamped_from_message
from session.commands import SetImage, SetRecording, TakeControl
from session.events import Stamped
from session.grants import Role
from session.room import Snapshot


class Spy:
    """Observes the live room: its state right after each durable event (server thread)."""

    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self.snapshot = snapshot
        self.seen: list[tuple[Stamped, Snapshot]] = []

    def __call__(self, stamped: Stamped, message: bytes) -> None:
        if stamped.seq is not None:
            self.seen.append((stamped, self.snapshot()))


def recordings(server: LiveServer) -> list[Path]:
    root = server.settings.data_dir / RECORDINGS_DIR
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


def status(server: LiveServer) -> list[str]:
    with server.admin() as client:
        return [r["status"] for r in client.get("/api/recordings").json()["recordings"]]


async def drive(server: LiveServer, room: str, commands: int) -> tuple[RoomClient, Spy]:
    live = server.state.rooms.get(room)  # type: ignore[arg-type]
    assert live is not None
    spy = Spy(live.room.snapshot)
    live.add_observer(spy)
    host = await RoomClient.connect(server.ws_url, server.mint(room, "host", Role.HOST))
    doc = await RoomClient.connect(server.ws_url, server.mint(room, "doc"))
    assert not host.welcome["snapshot"]["recording"]
    await host.reply(await host.send(TakeControl()))
    await host.reply(await host.send(SetImage(0, image(0))))
    ack = await host.reply(await host.send(SetRecording(True)))
    assert ack["type"] == "ack"
    late = await RoomClient.connect(server.ws_url, server.mint(room, "late"))
    assert late.welcome["snapshot"]["recording"], "joiners are told before they enter"
    rng = random.Random(4)
    for n in range(commands):
        sender = host if rng.random() < 0.8 else doc
        await sender.reply(await sender.send(random_command(rng, n)))
        if n % 25 == 0:
            await asyncio.sleep(0.02)  # spread the stamps a little
    await doc.close()
    await late.close()
    return host, spy


async def test_recording_replays_the_live_states(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory()
    room = server.create_room("consult", "Lung nodule")
    host, spy = await drive(server, room, 250)
    await host.reply(await host.send(SetRecording(False)))
    await eventually(lambda: status(server) == [Status.COMPLETE.value])
    [directory] = recordings(server)
    reader = RecordingReader(directory)
    assert reader.manifest.room == room and reader.manifest.title == "Lung nodule"
    start = reader.manifest.started_at
    seen = [(s, snap) for s, snap in spy.seen if s.at >= start]
    settled = [
        (s, snap)
        for (s, snap), nxt in zip(seen, [*seen[1:], None], strict=True)
        if snap.seq == s.seq and (nxt is None or nxt[0].at > s.at)
    ]
    assert len(settled) > 60
    for stamped, snap in settled[::2]:
        assert reader.state_at(stamped.at).state == snap.state, stamped
    recorded = [e.stamped.seq for e in reader.events() if e.stamped.seq is not None]
    assert recorded == sorted(recorded) and recorded[-1] == reader.manifest.last_seq
    assert not reader.state_at(reader.manifest.ended_at or 0).state.recording
    await host.close()


async def test_api_authorization_and_queries(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory()
    room = server.create_room("teach")
    other = server.create_room("other")
    host, spy = await drive(server, room, 60)
    await host.reply(await host.send(SetRecording(False)))
    await eventually(lambda: status(server) == [Status.COMPLETE.value])
    base = server.base_url

    def client(token: str) -> httpx.Client:
        return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})

    with client(server.mint(room, "host", Role.HOST)) as as_host:
        [listed] = as_host.get("/api/recordings").json()["recordings"]
        rid = listed["id"]
        detail = as_host.get(f"/api/recordings/{rid}").json()
        assert {c["kind"] for c in detail["chapters"]} >= {"measurement", "question"}
        minted = as_host.post(f"/api/recordings/{rid}/viewer-tokens", json={"name": "Li"})
        assert minted.status_code == 201
        viewer = minted.json()["token"]
    with client(viewer) as as_viewer:
        assert [r["id"] for r in as_viewer.get("/api/recordings").json()["recordings"]] == [rid]
        stamped, live = next(  # an event after which the live state is exactly "all <= at"
            (s, snap)
            for (s, snap), (nxt, _) in zip(spy.seen[-30:], spy.seen[-29:], strict=False)
            if snap.seq == s.seq and nxt.at > s.at
        )
        t = stamped.at
        state = snapshot_from_wire(as_viewer.get(f"/api/recordings/{rid}/state?t={t!r}").content)
        assert state.state == live.state and state.seq == stamped.seq
        frame = as_viewer.get(f"/api/recordings/{rid}/events", params={"from": 0, "to": repr(t)})
        assert frame.headers["content-type"] == "application/msgpack"
        events = [stamped_from_message(m) for m in decode_server_frame(frame.content)]
        reader = RecordingReader(recordings(server)[0])
        assert events == [e.stamped for e in reader.events() if e.stamped.at <= t]
        assert events[-1].seq == stamped.seq or events[-1].seq is None
        assert as_viewer.delete(f"/api/recordings/{rid}").status_code == 403
        assert as_viewer.get(f"/api/recordings/{rid}/state?t=x").status_code == 400
        assert as_viewer.get("/api/recordings/nope-20260101T000000-abcdef").status_code == 404
    with client(server.mint(other, "host", Role.HOST)) as other_host:
        assert other_host.get("/api/recordings").json()["recordings"] == []
        assert other_host.get(f"/api/recordings/{rid}").status_code == 404
    with client(server.mint(room, "doc")) as as_doc:
        assert as_doc.get("/api/recordings").status_code == 403
    with client(server.mint(room, "x", kind=TokenKind.RECORDING_VIEWER)) as forged_kind:
        assert forged_kind.delete(f"/api/recordings/{rid}").status_code == 403
    with httpx.Client(base_url=base) as anonymous:
        assert anonymous.get("/api/recordings").status_code == 401
    media = recordings(server)[0] / "media" / "doc-video-0.mkv"
    media.write_bytes(bytes(range(256)) * 8)  # as if the SFU had fed a track
    manifest = read_manifest(recordings(server)[0])
    track = Track("media/doc-video-0.mkv", "video", "vp8", "doc", manifest.started_at + 1)
    write_manifest(recordings(server)[0], replace(manifest, tracks=(track,)))
    with client(viewer) as as_viewer:
        signed = as_viewer.post(f"/api/recordings/{rid}/media-urls").json()["urls"][track.file]
        prefixed = as_viewer.get(f"/api/recordings/{rid}/media/media%2Fdoc-video-0.mkv")
        assert prefixed.content == media.read_bytes(), "a track's file names it directly"
    with httpx.Client(base_url=base) as no_header:  # a <video> element: no Authorization
        part = no_header.get(signed, headers={"Range": "bytes=0-3"})
        assert part.status_code == 206 and part.content == bytes(range(4))
        assert no_header.get(signed.replace("sig=", "sig=0")).status_code == 401
        other = signed.replace("doc-video-0.mkv", "doc-audio-1.mkv")
        assert no_header.get(other).status_code == 401
    with client(viewer) as as_viewer:
        assert as_viewer.post(f"/api/recordings/{rid}/teaching-copy").status_code == 403
        url = f"/api/recordings/{rid}/media/doc-video-0.mkv"
        part = as_viewer.get(url, headers={"Range": "bytes=10-19"})
        assert part.status_code == 206 and part.content == bytes(range(10, 20))
        assert as_viewer.get(url).content == media.read_bytes()
        assert as_viewer.get(f"/api/recordings/{rid}/media/..%2Fmanifest.json").status_code == 404
    with client(server.mint(room, "host", Role.HOST)) as as_host:
        package = as_host.post(f"/api/recordings/{rid}/teaching-copy")
        assert package.status_code == 200
        assert package.headers["content-type"] == "application/x-tar"
        with tarfile.open(fileobj=io.BytesIO(package.content)) as tar:
            names = tar.getnames()
        assert any(n.endswith("/events.msgpack") for n in names)
        assert any(n.endswith("/deidentification.json") for n in names)  # the export report
        assert all(n.startswith("teaching-") for n in names)
        assert as_host.delete(f"/api/recordings/{rid}").status_code == 204
        assert as_host.get(f"/api/recordings/{rid}").status_code == 404
    await host.close()


async def test_running_recording_cannot_be_deleted_and_shutdown_finalizes(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory()
    room = server.create_room("busy")
    host, _ = await drive(server, room, 10)
    await eventually(lambda: len(recordings(server)) == 1)
    with server.admin() as admin:
        [listed] = admin.get("/api/recordings").json()["recordings"]
        assert listed["status"] == Status.RECORDING.value
        assert admin.delete(f"/api/recordings/{listed['id']}").status_code == 409
    await host.close()
