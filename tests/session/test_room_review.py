"""Issue 16 additions to the room: identity colours, withdrawing a control request, a
moderator muting someone, and key images."""

import pytest

from session.commands import (
    AttachStudy,
    DetachStudy,
    MuteParticipant,
    RequestControl,
    SetKeyImage,
    SetMedia,
    WithdrawControlRequest,
)
from session.errors import ErrorCode
from session.events import (
    ControlRequested,
    ControlRequestWithdrawn,
    KeyImageChanged,
    MediaChanged,
    ParticipantJoined,
    StudyDetached,
)
from session.ids import ParticipantId, Uid
from session.model import ImageRef
from session.room import Room
from session.state import MAX_KEY_IMAGES, PALETTE_SIZE

STUDY, OTHER = Uid("1.2.3"), Uid("1.2.9")


def pid(name: str) -> ParticipantId:
    return ParticipantId(name)


def image(study: Uid = STUDY, sop: str = "1.2.3.4.1") -> ImageRef:
    return ImageRef(study, Uid(f"{study}.4"), Uid(sop))


# --- identity colours ------------------------------------------------------------------------
def colours(h) -> list[int]:
    return [p.colour for p in h.state.participants.values()]


def test_up_to_24_members_get_distinct_colours(bare):
    for k in range(PALETTE_SIZE):
        (joined,) = bare.join(f"p{k}")
        assert isinstance(joined, ParticipantJoined)
        assert joined.colour == k
    assert sorted(colours(bare)) == list(range(PALETTE_SIZE))
    (extra,) = bare.join("p24")
    assert isinstance(extra, ParticipantJoined)
    assert extra.colour == PALETTE_SIZE % PALETTE_SIZE  # beyond 24, colours repeat


def test_a_leaver_frees_its_colour_for_the_next_joiner(h):
    doc = h.room.participant(pid("doc"))
    assert doc is not None and doc.colour == 1
    h.room.leave(pid("doc"), h.tick())
    (joined,) = h.join("late")
    assert isinstance(joined, ParticipantJoined) and joined.colour == 1
    assert len(set(colours(h))) == len(colours(h))


def test_colours_survive_a_snapshot_and_replay(h):
    snap = h.room.snapshot()
    h.join("late")
    restored = Room.restore(h.room.id, snap, h.room.events_since(snap.seq) or ())
    assert restored.snapshot().state == h.state


# --- withdrawing a control request -----------------------------------------------------------
def test_a_requester_withdraws_its_request(h):
    assert h.send("doc", RequestControl()) == [ControlRequested(pid("doc"))]
    assert h.send("doc", WithdrawControlRequest()) == [ControlRequestWithdrawn(pid("doc"))]
    assert h.state.control_requests == ()
    h.refuse("doc", WithdrawControlRequest(), ErrorCode.CONFLICT)
    h.refuse(None, WithdrawControlRequest(), ErrorCode.BAD_REQUEST)


# --- a moderator mutes someone ---------------------------------------------------------------
def publish(h, who: str) -> None:
    h.send(who, SetMedia(audio=True, video=True, screen=False))


def test_a_moderator_mutes_the_microphone_and_stops_the_camera(h):
    publish(h, "doc")
    assert h.send("host", MuteParticipant(pid("doc"))) == [
        MediaChanged(pid("doc"), True, True, False, audio_muted=True, video_muted=False)
    ]
    assert h.send("host", MuteParticipant(pid("doc"), audio=False, video=True)) == [
        MediaChanged(pid("doc"), True, False, False, audio_muted=True, video_muted=False)
    ]
    h.refuse("host", MuteParticipant(pid("doc"), audio=True, video=True), ErrorCode.CONFLICT)


@pytest.mark.parametrize(
    ("sender", "command", "code"),
    [
        ("doc2", MuteParticipant(pid("doc")), ErrorCode.FORBIDDEN),
        ("host", MuteParticipant(pid("nobody")), ErrorCode.NOT_FOUND),
        ("host", MuteParticipant(pid("doc"), audio=False, video=False), ErrorCode.BAD_REQUEST),
        ("host", MuteParticipant(pid("obs")), ErrorCode.CONFLICT),  # publishes nothing
    ],
)
def test_mute_refusals(h, sender, command, code):
    publish(h, "doc")
    h.refuse(sender, command, code)


# --- key images ------------------------------------------------------------------------------
def test_key_images_are_marked_in_order_and_unmarked(h):
    first, second = image(sop="1.2.3.4.1"), image(sop="1.2.3.4.2")
    assert h.send("doc", SetKeyImage(first, marked=True)) == [KeyImageChanged(first, True)]
    h.send("host", SetKeyImage(second, marked=True))
    assert h.state.key_images == (first, second)
    h.refuse("doc2", SetKeyImage(first, marked=True), ErrorCode.CONFLICT)
    assert h.send("doc2", SetKeyImage(first, marked=False)) == [KeyImageChanged(first, False)]
    assert h.state.key_images == (second,)
    h.refuse("doc", SetKeyImage(first, marked=False), ErrorCode.CONFLICT)


def test_key_image_refusals(h):
    h.refuse("obs", SetKeyImage(image(), marked=True), ErrorCode.FORBIDDEN)
    h.system(AttachStudy(STUDY))
    h.refuse("doc", SetKeyImage(image(OTHER), marked=True), ErrorCode.NOT_FOUND)
    for k in range(MAX_KEY_IMAGES):
        h.send("doc", SetKeyImage(image(sop=f"1.2.3.4.{k}"), marked=True))
    h.refuse("doc", SetKeyImage(image(sop="1.2.3.5"), marked=True), ErrorCode.TOO_LARGE)


def test_detaching_a_study_unmarks_its_key_images_first(h):
    h.system(AttachStudy(STUDY))
    h.system(AttachStudy(OTHER))
    mine, kept = image(), image(OTHER, "1.2.9.4.1")
    h.send("doc", SetKeyImage(mine, marked=True))
    h.send("doc", SetKeyImage(kept, marked=True))
    assert h.system(DetachStudy(STUDY)) == [KeyImageChanged(mine, False), StudyDetached(STUDY)]
    assert h.state.key_images == (kept,)
