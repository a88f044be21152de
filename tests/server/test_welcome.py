"""The welcome with a spliced, cached snapshot is byte-identical to the codec's own encoding."""

from server.connection import Identity
from server.welcome import Welcomer
from session.codec import codec_limits, decode_server_frame, encode_frame, encode_welcome
from session.commands import PostChat
from session.grants import Role
from session.ids import ParticipantId, RoomId
from session.room import Room

ROOM = RoomId("w")


def joined_room(count: int) -> Room:
    room = Room(ROOM, title="Welcome", now=0.0)
    for n in range(count):
        room.join(ParticipantId(f"p{n}"), f"P {n}", Role.OBSERVER, None, 1.0)
    return room


def ident(pid: str) -> Identity:
    return Identity(ROOM, ParticipantId(pid), pid, Role.OBSERVER, None)


def test_spliced_snapshot_equals_the_codec_encoding() -> None:
    room = joined_room(50)
    messages, seq = Welcomer(room, 1 << 20).messages(ident("p3"), None, now=5.0) or ([], 0)
    snap = room.snapshot()
    member = snap.state.participants[ParticipantId("p3")]
    expected = encode_welcome(
        room=ROOM,
        you=ParticipantId("p3"),
        role=member.role,
        grants=member.grants,
        seq=snap.seq,
        at=5.0,
        limits=codec_limits(),
        snapshot=snap,
    )
    assert messages == [expected] and seq == snap.seq


def test_snapshot_is_shared_until_the_next_durable_event() -> None:
    room = joined_room(3)
    welcomer = Welcomer(room, 1 << 20)
    first = welcomer.snapshot()
    assert welcomer.snapshot() is first
    room.handle(ParticipantId("p0"), PostChat("hello"), 2.0)
    second = welcomer.snapshot()
    assert second is not first and second.seq == first.seq + 1
    messages, _ = welcomer.messages(ident("p1"), None, now=3.0) or ([], 0)
    (welcome,) = decode_server_frame(encode_frame(messages))
    assert [c["text"] for c in welcome["snapshot"]["chat"]] == ["hello"]


def test_resume_sends_missed_events_without_a_snapshot() -> None:
    room = joined_room(2)
    seen = room.seq
    room.handle(ParticipantId("p0"), PostChat("one"), 2.0)
    room.handle(ParticipantId("p0"), PostChat("two"), 2.0)
    messages, seq = Welcomer(room, 1 << 20).messages(ident("p1"), seen, now=3.0) or ([], 0)
    decoded = decode_server_frame(encode_frame(messages))
    assert decoded[0]["snapshot"] is None and decoded[0]["seq"] == seq
    assert [m["text"] for m in decoded[1:]] == ["one", "two"]
    assert Welcomer(room, 10).messages(ident("p1"), seen, now=3.0) is not None
    small = Welcomer(room, 10).messages(ident("p1"), seen, now=3.0)
    assert small is not None and len(small[0]) == 1  # too many bytes missed: a snapshot


def test_someone_no_longer_in_the_room_gets_nothing() -> None:
    assert Welcomer(joined_room(1), 1 << 20).messages(ident("ghost"), None, now=1.0) is None
