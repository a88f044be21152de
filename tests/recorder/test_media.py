"""Media remux: real VP8/Opus frames in, the same bytes out of a playable Matroska file."""

from __future__ import annotations

import fractions
from pathlib import Path

import av
import numpy as np

from recorder.format import RECORDINGS_DIR, Status, read_manifest
from recorder.media import reindex, vp8_keyframe_size
from server.metrics import Metrics
from server.recording.service import RecorderService
from server.roomhost import LocalRoom
from session.commands import SetRecording
from session.ids import ParticipantId, RoomId
from session.room import Room

PUBLISHER = ParticipantId("doc")
CUES_ID = bytes.fromhex("1C53BB6B")  # the Matroska Cues element (the keyframe index)


def vp8_frames(count: int, gop: int = 0) -> list[bytes]:
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 160, 120, "yuv420p"
    if gop:
        encoder.options = {"g": str(gop)}  # a keyframe every ``gop`` frames
    encoder.time_base = fractions.Fraction(1, 30)
    frames: list[bytes] = []
    for i in range(count):
        rgb = np.full((120, 160, 3), (i * 9) % 256, np.uint8)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        frames += [bytes(p) for p in encoder.encode(frame)]
    return frames + [bytes(p) for p in encoder.encode(None)]


def opus_frames(count: int) -> list[bytes]:
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 48000, "stereo", "s16"
    encoder.time_base = fractions.Fraction(1, 48000)
    frames: list[bytes] = []
    for i in range(count):
        samples = np.zeros((1, 960 * 2), np.int16)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
        frame.sample_rate, frame.pts = 48000, i * 960
        frames += [bytes(p) for p in encoder.encode(frame)]
    return frames


def demuxed(path: Path) -> list[tuple[bytes, int]]:
    with av.open(str(path)) as container:
        return [(bytes(p), int(p.pts)) for p in container.demux() if p.size]


def decoded_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(container.streams[0]))


async def test_tracks_are_remuxed_byte_for_byte(tmp_path: Path) -> None:
    host = LocalRoom(Room(RoomId("media"), now=1.0), Metrics(), coalesce_s=0)
    host.start()
    service = RecorderService(tmp_path / RECORDINGS_DIR)
    service.attach(host)
    video, audio = vp8_frames(40), opus_frames(50)
    assert vp8_keyframe_size(video[0]) == (160, 120)
    assert not service.on_frame(host.room.id, PUBLISHER, "v", video[0], 0, "video/VP8")

    await host.system(SetRecording(True))
    base = 2**32 - 3000 * 5  # RTP timestamps wrap around inside the recording
    wants = [
        service.on_frame(host.room.id, PUBLISHER, "v", data, (base + i * 3000) % 2**32, "video/VP8")
        for i, data in enumerate(video)
    ]
    assert wants[0] is False, "the first frame is a keyframe: recording starts at once"
    for i, data in enumerate(audio):
        service.on_frame(host.room.id, PUBLISHER, "a", data, 1000 + i * 960, "audio/opus")
    assert not service.on_frame(host.room.id, PUBLISHER, "h", b"x", 0, "video/H264")
    await host.system(SetRecording(False))
    await service.finished()

    [directory] = list((tmp_path / RECORDINGS_DIR).iterdir())
    manifest = read_manifest(directory)
    assert manifest.status is Status.COMPLETE
    tracks = {t.kind: t for t in manifest.tracks}
    assert set(tracks) == {"video", "audio"}
    assert tracks["video"].codec == "vp8" and tracks["audio"].codec == "opus"
    assert manifest.started_at <= tracks["video"].offset_s
    video_out = demuxed(directory / tracks["video"].file)
    assert [data for data, _ in video_out] == video, "not re-encoded: the same bytes"
    assert [pts for _, pts in video_out] == [round(i * 3000 / 90) for i in range(len(video))]
    assert [data for data, _ in demuxed(directory / tracks["audio"].file)] == audio
    assert decoded_count(directory / tracks["video"].file) == len(video)
    torn = tmp_path / "torn.mkv"  # a file cut mid-way (kill -9) still plays its prefix
    whole = (directory / tracks["video"].file).read_bytes()
    torn.write_bytes(whole[: len(whole) * 2 // 3])
    prefix = [data for data, _ in demuxed_tolerant(torn)]
    assert prefix and prefix == video[: len(prefix)]
    await host.stop()


def demuxed_tolerant(path: Path) -> list[tuple[bytes, int]]:
    out: list[tuple[bytes, int]] = []
    with av.open(str(path)) as container:
        try:
            for packet in container.demux():
                if packet.size:
                    out.append((bytes(packet), int(packet.pts)))
        except av.error.InvalidDataError:
            pass  # the torn end
    return out


async def test_video_waits_for_a_keyframe(tmp_path: Path) -> None:
    host = LocalRoom(Room(RoomId("key"), now=1.0), Metrics(), coalesce_s=0)
    host.start()
    service = RecorderService(tmp_path / RECORDINGS_DIR)
    service.attach(host)
    await host.system(SetRecording(True))
    video = vp8_frames(10)
    assert service.on_frame(host.room.id, PUBLISHER, "v", video[1], 3000, "video/VP8")
    assert not service.on_frame(host.room.id, PUBLISHER, "v", video[0], 6000, "video/VP8")
    await host.system(SetRecording(False))
    await service.finished()
    [directory] = list((tmp_path / RECORDINGS_DIR).iterdir())
    [track] = read_manifest(directory).tracks
    assert [data for data, _ in demuxed(directory / track.file)] == [video[0]]
    await host.stop()


def cue_times(path: Path) -> list[float]:
    """The keyframes' times, as the demuxer reports them (the Cues point at these)."""
    with av.open(str(path)) as container:
        stream = container.streams[0]
        keyframes = [float(p.pts * stream.time_base) for p in container.demux() if p.is_keyframe]
    return keyframes


async def test_finished_tracks_have_cues_and_a_duration(tmp_path: Path) -> None:
    host = LocalRoom(Room(RoomId("cues"), now=1.0), Metrics(), coalesce_s=0)
    host.start()
    service = RecorderService(tmp_path / RECORDINGS_DIR)
    service.attach(host)
    await host.system(SetRecording(True))
    video = vp8_frames(90, gop=30)
    for i, data in enumerate(video):
        service.on_frame(host.room.id, PUBLISHER, "v", data, i * 3000, "video/VP8")
    for i, data in enumerate(opus_frames(50)):
        service.on_frame(host.room.id, PUBLISHER, "a", data, i * 960, "audio/opus")
    await host.system(SetRecording(False))
    await service.finished()
    [directory] = (tmp_path / RECORDINGS_DIR).iterdir()
    files = {t.kind: directory / t.file for t in read_manifest(directory).tracks}
    for path in files.values():
        assert bytes.fromhex("1C53BB6B") in path.read_bytes(), f"{path.name} has no Cues"
        with av.open(str(path)) as container:
            assert container.duration is not None and container.duration > 0
    keyframes = [i for i, data in enumerate(video) if data[0] & 1 == 0]
    assert len(keyframes) > 1, "the encoder made more than one keyframe"
    assert cue_times(files["video"]) == [round(i / 30, 3) for i in keyframes]  # WebM: 1 ms
    with av.open(str(files["video"])) as container:  # a seek lands on the keyframe before
        stream = container.streams[0]
        last = round(keyframes[-1] / 30 / stream.time_base)
        container.seek(last + 20, stream=stream, backward=True)
        landed = next(p for p in container.demux(stream) if p.size)
        assert landed.pts == last and landed.is_keyframe
    await host.stop()


async def test_a_crashed_track_is_reindexed_with_cues(tmp_path: Path) -> None:
    host = LocalRoom(Room(RoomId("crash"), now=1.0), Metrics(), coalesce_s=0)
    host.start()
    service = RecorderService(tmp_path / RECORDINGS_DIR)
    service.attach(host)
    await host.system(SetRecording(True))
    video = vp8_frames(90, gop=30)
    for i, data in enumerate(video):
        service.on_frame(host.room.id, PUBLISHER, "v", data, i * 3000, "video/VP8")
    await host.system(SetRecording(False))
    await service.finished()
    await host.stop()
    [directory] = (tmp_path / RECORDINGS_DIR).iterdir()
    [track] = read_manifest(directory).tracks
    path = directory / track.file
    whole = path.read_bytes()
    assert whole.count(CUES_ID) == 2  # the SeekHead's pointer to the Cues, and the Cues
    path.write_bytes(whole[: whole.rindex(CUES_ID) - 700])  # cut as by a crash
    assert path.read_bytes().count(CUES_ID) == 1, "no Cues element left"
    before = demuxed_tolerant(path)
    assert 10 < len(before) < len(video)

    assert reindex(path) == len(before)
    assert path.read_bytes().count(CUES_ID) == 2, "Cues written"
    assert demuxed(path) == before, "the same packets, not re-encoded"
    assert not list(directory.glob("media/*.reindex"))
