"""``apply`` directly: each event's fact, the few implied changes, and copies of the state."""

from session.events import (
    ActiveViewportChanged,
    ChatPosted,
    ControlChanged,
    ControlRequested,
    Event,
    GrantsChanged,
    LayoutChanged,
    ParticipantJoined,
    ParticipantLeft,
    PointerMoved,
    PresenceChanged,
    RoomClosed,
    Stamped,
)
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId
from session.model import ChatMessage, Layout, Viewport
from session.reducer import apply
from session.state import Participant, RoomState

A, B = ParticipantId("a"), ParticipantId("b")


def state_with(*events: Event) -> RoomState:
    state = RoomState(RoomId("r"))
    for seq, event in enumerate(events, start=1):
        apply(state, Stamped(seq, float(seq), None, event))
    return state


def joined(participant: ParticipantId) -> ParticipantJoined:
    return ParticipantJoined(participant, participant.upper(), Role.PARTICIPANT, frozenset(Grant))


def test_defaults():
    state = RoomState(RoomId("r"))
    assert (state.layout, state.active_viewport, state.viewports) == (Layout.ONE, 0, [Viewport()])
    assert state.driver is None and state.control_requests == () and not state.closed


def test_join_and_presence_keep_the_times():
    state = state_with(joined(A), PresenceChanged(A, online=False))
    assert state.participants[A] == Participant(
        A, "A", Role.PARTICIPANT, frozenset(Grant), joined_at=1.0, online=False, offline_since=2.0
    )
    apply(state, Stamped(3, 3.0, A, PresenceChanged(A, online=True)))
    assert state.participants[A].offline_since is None


def test_the_control_queue_drops_whoever_gets_control_leaves_or_loses_drive():
    state = state_with(
        joined(A),
        joined(B),
        ControlRequested(A),
        ControlRequested(B),
        ControlChanged(None),  # nobody to dequeue
    )
    assert state.control_requests == (A, B)
    apply(state, Stamped(6, 6.0, None, ControlChanged(A)))
    assert (state.driver, state.control_requests) == (A, (B,))
    apply(state, Stamped(7, 7.0, None, GrantsChanged(B, frozenset({Grant.DRIVE}))))
    assert state.control_requests == (B,)
    apply(state, Stamped(8, 8.0, None, ParticipantLeft(B, "left")))
    assert state.control_requests == ()
    apply(state, Stamped(9, 9.0, None, ControlRequested(A)))
    apply(state, Stamped(10, 10.0, None, GrantsChanged(A, frozenset())))
    assert state.control_requests == ()


def test_layout_resizes_viewports_without_touching_the_active_index():
    state = state_with(LayoutChanged(Layout.GRID), ActiveViewportChanged(3))
    assert len(state.viewports) == 4
    apply(state, Stamped(3, 3.0, None, LayoutChanged(Layout.SIDE_BY_SIDE)))
    assert len(state.viewports) == 2
    assert state.active_viewport == 3  # the room announces the reset as its own event


def test_chat_keeps_seq_and_time_and_the_last_200():
    state = state_with(*[ChatPosted(A, f"m{n}") for n in range(201)])
    assert len(state.chat) == 200
    assert state.chat[0] == ChatMessage(A, "m1", at=2.0, seq=2)


def test_pointer_moves_change_nothing():
    state = state_with(joined(A))
    before = state.copy()
    apply(state, Stamped(None, 2.0, A, PointerMoved(A, 0, (1.0, 2.0))))
    assert state == before


def test_closing():
    assert state_with(RoomClosed("bye")).closed


def test_copy_is_independent_and_equal():
    state = state_with(joined(A), ChatPosted(A, "hi"))
    copy = state.copy()
    assert copy == state and copy is not state
    apply(copy, Stamped(3, 3.0, None, LayoutChanged(Layout.GRID)))
    apply(copy, Stamped(4, 4.0, None, ChatPosted(A, "again")))
    apply(copy, Stamped(5, 5.0, None, ParticipantLeft(A, "left")))
    assert copy != state
    assert len(state.viewports) == 1 and len(state.chat) == 1 and A in state.participants


def test_participant_can():
    participant = Participant(A, "A", Role.OBSERVER, frozenset({Grant.CHAT}), joined_at=0.0)
    assert participant.can(Grant.CHAT) and not participant.can(Grant.DRIVE)
