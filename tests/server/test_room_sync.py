"""Two or more real clients in one room over a live uvicorn: sync, snapshot, resume, roles."""

from collections.abc import Callable
from pathlib import Path

from livetools import LiveServer
from room_client import RoomClient

from server.settings import Limits
from session.commands import (
    CreateAnnotation,
    MovePointer,
    PostChat,
    SetImage,
    SetVoi,
)
from session.grants import Role
from session.ids import AnnotationId, Uid
from session.model import AnnotationKind, ImageRef, Voi

IMAGE = ImageRef(Uid("1.2.3"), Uid("1.2.3.4"), Uid("1.2.3.4.5"))


async def test_two_roles_see_each_others_changes_in_seq_order(live_server: LiveServer) -> None:
    room = live_server.create_room("sync", "Sync")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "expert", Role.HOST))
    doc = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "county"))
    assert host.welcome["you"] == "expert" and host.welcome["snapshot"]["driver"] == "expert"
    assert doc.welcome["role"] == "participant"

    image_ref = await host.send(SetImage(0, IMAGE))
    voi_ref = await host.send(SetVoi(0, Voi(40.0, 400.0)))
    image_ack, voi_ack = await host.reply(image_ref), await host.reply(voi_ref)
    assert image_ack["type"] == voi_ack["type"] == "ack"
    assert voi_ack["seq"] == image_ack["seq"] + 1

    points = ((10.0, 10.0), (90.0, 10.0))
    ann_ref = await doc.send(
        CreateAnnotation(AnnotationId("a1"), AnnotationKind.LENGTH, IMAGE, points)
    )
    ann_ack = await doc.reply(ann_ref)
    assert ann_ack["type"] == "ack"

    await host.until_seq(ann_ack["seq"])
    await doc.until_seq(ann_ack["seq"])
    for client in (host, doc):
        events = [e for e in client.events() if e["seq"] is not None]
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
        by_seq = {e["seq"]: e for e in events}
        assert by_seq[image_ack["seq"]]["type"] == "image_changed"
        assert by_seq[voi_ack["seq"]]["voi"]["width"] == 400.0
        assert by_seq[voi_ack["seq"]]["by"] == "expert"
        created = by_seq[ann_ack["seq"]]
        assert created["type"] == "annotation_created"
        assert created["annotation"]["author"] == "county"
    await host.close()
    await doc.close()


async def test_late_joiner_gets_a_snapshot(live_server: LiveServer) -> None:
    room = live_server.create_room("late")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    await host.reply(await host.send(SetImage(0, IMAGE)))
    ack = await host.reply(await host.send(SetVoi(0, Voi(-600.0, 1500.0))))
    late = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "t", Role.OBSERVER))
    snapshot = late.welcome["snapshot"]
    assert late.welcome["seq"] >= ack["seq"]
    viewport = snapshot["viewports"][0]
    assert viewport["voi"]["center"] == -600.0 and viewport["image"]["sop"] == "1.2.3.4.5"
    assert set(snapshot["participants"]) == {"h", "t"}
    await host.close()
    await late.close()


async def test_resume_from_gets_exactly_the_missed_events(live_server: LiveServer) -> None:
    room = live_server.create_room("resume")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    doc_token = live_server.mint(room, "d")
    doc = await RoomClient.connect(live_server.ws_url, doc_token)
    last_seen = doc.welcome["seq"]
    await doc.close()

    acks = []
    for n in range(5):
        acks.append(await host.reply(await host.send(PostChat(f"missed {n}"))))
    back = await RoomClient.connect(live_server.ws_url, doc_token, resume_from=last_seen)
    assert back.welcome["snapshot"] is None
    missed = await back.until_seq(back.welcome["seq"])
    seqs = [m["seq"] for m in missed]
    assert seqs == list(range(last_seen + 1, back.welcome["seq"] + 1))  # nothing lost, no dups
    chats = [m["text"] for m in missed if m["type"] == "chat_posted"]
    assert chats == [f"missed {n}" for n in range(5)]
    assert {a["seq"] for a in acks} <= set(seqs)  # every acked seq is among the missed ones
    await host.close()
    await back.close()


async def test_resume_from_beyond_the_log_gets_a_snapshot(live_server: LiveServer) -> None:
    room = live_server.create_room("resume2")
    token = live_server.mint(room, "d")
    client = await RoomClient.connect(live_server.ws_url, token, resume_from=999_999)
    assert client.welcome["snapshot"] is not None
    await client.close()


async def test_a_first_time_identity_resuming_gets_a_snapshot(live_server: LiveServer) -> None:
    """docs/protocol.md, Resume: only a member coming back resumes from the log; an identity
    new to the room has none of its state, whatever `resume_from` it sends."""
    room = live_server.create_room("resume3")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    ack = await host.reply(await host.send(PostChat("before the newcomer")))
    newcomer = await RoomClient.connect(
        live_server.ws_url, live_server.mint(room, "new"), resume_from=ack["seq"] - 1
    )
    snapshot = newcomer.welcome["snapshot"]
    assert snapshot is not None
    assert [c["text"] for c in snapshot["chat"]] == ["before the newcomer"]
    assert "new" in snapshot["participants"]
    await host.close()
    await newcomer.close()


def test_the_documented_resume_max_bytes_is_the_default() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")
    documented = f"{Limits().resume_max_bytes:,}".replace(",", " ")  # 524 288
    assert f"(`resume_max_bytes`) | {documented} bytes" in doc


async def test_resume_replays_at_most_resume_max_bytes_of_events(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    """docs/protocol.md, Resume: missed events are replayed while they total at most
    `resume_max_bytes` encoded; beyond that the welcome carries a snapshot instead."""
    limits = Limits(resume_max_bytes=4096, other_rate=1e6, other_burst=1e6)
    server = live_server_factory(limits=limits)
    room = server.create_room("resume4")
    host = await RoomClient.connect(server.ws_url, server.mint(room, "h", Role.HOST))
    token = server.mint(room, "d")
    for chats, replayed in ((10, True), (40, False)):  # ~160 bytes each: under, then over
        doc = await RoomClient.connect(server.ws_url, token)
        last_seen = doc.welcome["seq"]
        await doc.close()
        for n in range(chats):
            reply = await host.reply(await host.send(PostChat(f"{n:03d} " + "x" * 100)))
            assert reply["type"] == "ack"
        back = await RoomClient.connect(server.ws_url, token, resume_from=last_seen)
        assert (back.welcome["snapshot"] is None) is replayed
        if replayed:
            missed = await back.until_seq(back.welcome["seq"])
            assert [m["seq"] for m in missed] == list(range(last_seen + 1, back.welcome["seq"] + 1))
        await back.close()
    await host.close()


async def test_observer_cannot_drive_and_nothing_changes(live_server: LiveServer) -> None:
    room = live_server.create_room("obs")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    trainee = await RoomClient.connect(
        live_server.ws_url, live_server.mint(room, "t", Role.OBSERVER)
    )
    before = trainee.welcome["seq"]
    error = await trainee.reply(await trainee.send(SetVoi(0, Voi(1.0, 2.0))))
    assert error["type"] == "error" and error["code"] == "forbidden"
    error = await trainee.reply(await trainee.send(MovePointer(0, (1.0, 1.0))))
    assert error["code"] == "forbidden"
    # The host's next change is the very next seq: the refused commands emitted nothing.
    ack = await host.reply(await host.send(SetVoi(0, Voi(3.0, 4.0))))
    assert ack["seq"] == before + 1
    seen = await trainee.until_seq(ack["seq"])
    assert [m["type"] for m in seen] == ["voi_changed"]
    assert all(m["type"] != "voi_changed" or m["voi"]["center"] == 3.0 for m in host.received)
    await host.close()
    await trainee.close()


async def test_pointer_is_ephemeral_and_acked_without_seq(live_server: LiveServer) -> None:
    room = live_server.create_room("ptr")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "d"))
    ack = await doc.reply(await doc.send(MovePointer(0, (5.0, 6.0))))
    assert ack == {"type": "ack", "ref": ack["ref"], "seq": None}
    moved = await host.event("pointer_moved")
    assert moved["seq"] is None and moved["position"] == [5.0, 6.0] and moved["by"] == "d"
    await host.close()
    await doc.close()


async def test_ping_pong(live_server: LiveServer) -> None:
    room = live_server.create_room("ping")
    client = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "p"))
    ref = await client.ping()
    pong = await client.next_message(lambda m: m["type"] == "pong")
    assert pong["ref"] == ref and pong["at"] > 0
    await client.close()


async def test_large_resume_falls_back_to_a_snapshot(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory(limits=Limits(resume_max_bytes=200))
    room = server.create_room("bigresume")
    host = await RoomClient.connect(server.ws_url, server.mint(room, "h", Role.HOST))
    doc_token = server.mint(room, "d")
    doc = await RoomClient.connect(server.ws_url, doc_token)
    seen = doc.welcome["seq"]
    await doc.close()
    current = await RoomClient.connect(server.ws_url, doc_token, resume_from=seen)
    assert current.welcome["snapshot"] is None  # only its own presence change: small
    await current.close()
    for n in range(5):
        await host.reply(await host.send(PostChat(f"chat {n} " + "x" * 100)))
    back = await RoomClient.connect(server.ws_url, doc_token, resume_from=seen)
    assert back.welcome["snapshot"] is not None
    assert [c["text"][:6] for c in back.welcome["snapshot"]["chat"]] == [
        f"chat {n}" for n in range(5)
    ]
    await host.close()
    await back.close()


async def test_offline_participant_times_out_through_the_room_timer(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory(offline_grace_s=0.3)
    room = server.create_room("grace")
    host = await RoomClient.connect(server.ws_url, server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(server.ws_url, server.mint(room, "d"))
    await doc.close()
    offline = await host.next_message(lambda m: m["type"] == "presence_changed")
    assert (offline["participant"], offline["online"]) == ("d", False)
    left = await host.event("participant_left")  # no input arrives: only the timer fires
    assert (left["participant"], left["reason"], left["by"]) == ("d", "timeout", None)
    await host.close()


async def test_reconnect_within_grace_keeps_the_participant(live_server: LiveServer) -> None:
    room = live_server.create_room("regrace")
    host = await RoomClient.connect(live_server.ws_url, live_server.mint(room, "h", Role.HOST))
    token = live_server.mint(room, "d")
    doc = await RoomClient.connect(live_server.ws_url, token)
    await doc.close()
    await host.next_message(lambda m: m["type"] == "presence_changed" and not m["online"])
    back = await RoomClient.connect(live_server.ws_url, token)
    online = await host.next_message(lambda m: m["type"] == "presence_changed")
    assert (online["participant"], online["online"]) == ("d", True)
    assert not any(m["type"] == "participant_left" for m in host.received)
    await host.close()
    await back.close()


async def test_events_of_one_tick_share_one_frame(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    server = live_server_factory(coalesce_s=0.3)  # a long tick, so the burst surely fits
    room = server.create_room("tick")
    host = await RoomClient.connect(server.ws_url, server.mint(room, "h", Role.HOST))
    doc = await RoomClient.connect(server.ws_url, server.mint(room, "d"))
    refs = [await host.send(SetVoi(0, Voi(float(n), 100.0))) for n in range(5)]
    acks = [await host.reply(ref) for ref in refs]
    await doc.until_seq(acks[-1]["seq"])
    voi_frames = [f for f in doc.frames if any(m["type"] == "voi_changed" for m in f)]
    assert len(voi_frames) == 1 and len(voi_frames[0]) == 5
    # The sender's acks ride in its own copy of that frame, after the events.
    host_frame = next(f for f in host.frames if any(m["type"] == "voi_changed" for m in f))
    assert [m["type"] for m in host_frame] == ["voi_changed"] * 5 + ["ack"] * 5
    await host.close()
    await doc.close()
