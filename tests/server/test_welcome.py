"""The welcome with a spliced, cached snapshot is byte-identical to the codec's own encoding."""

import msgpack

from server.connection import Identity
from server.welcome import StateEncoder, Welcomer
from session.codec import (
    codec_limits,
    decode_server_frame,
    encode_frame,
    encode_welcome,
    state_to_wire,
)
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


def welcome_state(welcomer: Welcomer, pid: str, now: float) -> bytes:
    messages, _ = welcomer.messages(ident(pid), None, now=now) or ([b""], 0)
    return messages[0]


def test_a_join_storm_encodes_each_participant_once() -> None:
    """One joiner per tick, each welcomed with a fresh snapshot: the work per join is the
    joiner's own entry, not everyone's (the old O(N²): N encodings per snapshot)."""
    room = Room(ROOM, now=0.0)
    welcomer = Welcomer(room, 1 << 20)
    count = 300
    for n in range(count):
        room.join(ParticipantId(f"p{n}"), f"P {n}", Role.OBSERVER, None, 1.0)
        welcome = welcome_state(welcomer, f"p{n}", now=2.0)
        assert len(decode_server_frame(encode_frame([welcome]))[0]["snapshot"]["participants"]) == (
            n + 1
        )
    assert welcomer.encoder.encoded == count


def test_cached_entries_follow_changes_and_leavers() -> None:
    """Entries are byte-identical to the codec after presence changes, grants, and leaves."""
    room = joined_room(40)
    welcomer = Welcomer(room, 1 << 20)
    welcome_state(welcomer, "p0", now=2.0)
    room.disconnect(ParticipantId("p5"), 3.0)  # p5 changes: re-encoded
    room.leave(ParticipantId("p7"), 3.0)  # p7 goes: its entry too
    room.handle(ParticipantId("p1"), PostChat("hi"), 3.0)
    before = welcomer.encoder.encoded
    got = welcome_state(welcomer, "p0", now=4.0)
    snap = room.snapshot()
    member = snap.state.participants[ParticipantId("p0")]
    expected = encode_welcome(
        room=ROOM,
        you=ParticipantId("p0"),
        role=member.role,
        grants=member.grants,
        seq=snap.seq,
        at=4.0,
        limits=codec_limits(),
        snapshot=snap,
    )
    assert got == expected
    assert welcomer.encoder.encoded == before + 1  # only p5


def test_state_encoder_map_headers_match_msgpack() -> None:
    """Participant maps of every header size (fixmap, map16) encode as msgpack does."""
    for count in (0, 1, 15, 16, 17):
        state = joined_room(count).snapshot().state
        assert StateEncoder().encode(state) == msgpack.packb(
            state_to_wire(state), use_bin_type=True
        )
