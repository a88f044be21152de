"""Pointer, chat, raised hands and media flags."""

import math

import pytest

from session.commands import LowerHand, MovePointer, PostChat, RaiseHand, SetLayout, SetMedia
from session.errors import ErrorCode
from session.events import ChatPosted, HandChanged, MediaChanged, PointerMoved
from session.grants import Grant, Role
from session.ids import ParticipantId
from session.model import ChatMessage, Layout


def pid(name: str) -> ParticipantId:
    return ParticipantId(name)


def test_pointer_moves_are_ephemeral(h):
    before = h.room.snapshot()
    outcome = h.room.handle(pid("doc"), MovePointer(0, (12.5, 40.0)), h.tick())
    (stamped,) = outcome.events
    assert stamped.seq is None and stamped.by == "doc"
    assert stamped.event == PointerMoved(pid("doc"), 0, (12.5, 40.0))
    assert h.room.seq == before.seq
    assert h.room.snapshot().state == before.state
    assert h.room.events_since(before.seq) == ()
    assert h.send("doc", MovePointer(0, None)) == [PointerMoved(pid("doc"), 0, None)]


@pytest.mark.parametrize(
    ("sender", "command", "code"),
    [
        ("obs", MovePointer(0, (1.0, 1.0)), ErrorCode.FORBIDDEN),
        ("doc", MovePointer(1, (1.0, 1.0)), ErrorCode.NOT_FOUND),
        ("doc", MovePointer(0, (math.nan, 1.0)), ErrorCode.BAD_REQUEST),
        ("doc", MovePointer(0, (1.0, -2e6)), ErrorCode.BAD_REQUEST),
        (None, MovePointer(0, None), ErrorCode.BAD_REQUEST),
    ],
)
def test_pointer_refusals(h, sender, command, code):
    h.refuse(sender, command, code)


def test_pointer_reaches_viewports_of_a_bigger_layout(h):
    h.send("host", SetLayout(Layout.GRID))
    h.send("doc", MovePointer(3, (0.0, 0.0)))


def test_chat_is_stripped_and_kept(h):
    assert h.send("obs", PostChat("  hello  ")) == [ChatPosted(pid("obs"), "hello")]
    (message,) = h.state.chat
    assert message == ChatMessage(pid("obs"), "hello", at=h.now, seq=h.room.seq)


@pytest.mark.parametrize("text", ["", "   \n", "x" * 2001])
def test_chat_must_be_1_to_2000_characters(h, text):
    h.refuse("doc", PostChat(text), ErrorCode.BAD_REQUEST)


def test_chat_needs_the_grant_and_a_sender(bare):
    bare.join("mute", Role.PARTICIPANT, grants={Grant.DRIVE})
    bare.refuse("mute", PostChat("hi"), ErrorCode.FORBIDDEN)
    bare.refuse(None, PostChat("hi"), ErrorCode.BAD_REQUEST)
    bare.join("talker", Role.OBSERVER)
    bare.send("talker", PostChat("x" * 2000))


def test_the_state_keeps_the_last_200_messages(h):
    for n in range(205):
        h.send("doc", PostChat(f"m{n}"))
    chat = h.state.chat
    assert len(chat) == 200
    assert [m.text for m in chat[:2]] == ["m5", "m6"]
    assert chat[-1].text == "m204"


def test_hands_rise_and_a_moderator_lowers_them(h):
    assert h.send("obs", RaiseHand(raised=True)) == [HandChanged(pid("obs"), raised=True)]
    assert h.state.participants[pid("obs")].hand_raised
    h.refuse("doc", LowerHand(pid("obs")), ErrorCode.FORBIDDEN)
    h.refuse("host", LowerHand(pid("ghost")), ErrorCode.NOT_FOUND)
    assert h.send("host", LowerHand(pid("obs"))) == [HandChanged(pid("obs"), raised=False)]
    assert h.send("obs", RaiseHand(raised=False)) == [HandChanged(pid("obs"), raised=False)]
    assert h.system(LowerHand(pid("obs"))) == [HandChanged(pid("obs"), raised=False)]


def test_raising_a_hand_needs_the_grant(bare):
    bare.join("x", Role.OBSERVER, grants={Grant.CHAT})
    bare.refuse("x", RaiseHand(raised=True), ErrorCode.FORBIDDEN)
    bare.refuse(None, RaiseHand(raised=True), ErrorCode.BAD_REQUEST)


def test_media_flags_are_recorded(h):
    assert h.send("doc", SetMedia(audio=True, video=True, screen=False, audio_muted=True)) == [
        MediaChanged(pid("doc"), True, True, False, True, False)
    ]
    doc = h.state.participants[pid("doc")]
    assert (doc.audio, doc.video, doc.screen, doc.audio_muted, doc.video_muted) == (
        True,
        True,
        False,
        True,
        False,
    )


@pytest.mark.parametrize(
    "media",
    [
        SetMedia(audio=True, video=False, screen=False),
        SetMedia(audio=False, video=True, screen=False),
        SetMedia(audio=False, video=False, screen=True),
    ],
)
def test_publishing_needs_the_grant(h, media):
    h.refuse("obs", media, ErrorCode.FORBIDDEN)


def test_stopping_media_needs_no_grant(h):
    off = SetMedia(audio=False, video=False, screen=False, video_muted=True)
    assert h.send("obs", off) == [MediaChanged(pid("obs"), False, False, False, False, True)]
    h.refuse(None, off, ErrorCode.BAD_REQUEST)
