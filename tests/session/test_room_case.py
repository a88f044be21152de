"""Moderation and the case: grants, kicks and bans, closing, studies, recording, system commands."""

import pytest

from session.commands import (
    AttachStudy,
    CloseRoom,
    CreateAnnotation,
    DetachStudy,
    GrantControl,
    Kick,
    LiftBan,
    ReleaseControl,
    RequestControl,
    SetFollowing,
    SetGrants,
    SetImage,
    SetLayout,
    SetMedia,
    SetRecording,
    TakeControl,
)
from session.errors import ErrorCode
from session.events import (
    AnnotationDeleted,
    BanChanged,
    ControlChanged,
    GrantsChanged,
    ImageChanged,
    LayoutChanged,
    ParticipantJoined,
    ParticipantLeft,
    RecordingChanged,
    RoomClosed,
    StudyAttached,
    StudyDetached,
)
from session.grants import Grant, Role, default_grants
from session.ids import AnnotationId, ParticipantId, Uid
from session.model import AnnotationKind, ImageRef, Layout, Study
from session.room import Room
from session.state import Ban

STUDY = Uid("1.2.3")
IMAGE = ImageRef(STUDY, Uid("1.2.3.4"), Uid("1.2.3.4.5"))
OTHER = ImageRef(Uid("5.6"), Uid("5.6.7"), Uid("5.6.7.8"))


def pid(name: str) -> ParticipantId:
    return ParticipantId(name)


def line(annotation_id: str, image: ImageRef) -> CreateAnnotation:
    points = ((0.0, 0.0), (1.0, 1.0))
    return CreateAnnotation(AnnotationId(annotation_id), AnnotationKind.LENGTH, image, points)


# --- grants ----------------------------------------------------------------------------------
def test_a_moderator_changes_grants(h):
    grants = frozenset({Grant.CHAT, Grant.ANNOTATE})
    assert h.send("host", SetGrants(pid("obs"), grants)) == [GrantsChanged(pid("obs"), grants)]
    assert h.state.participants[pid("obs")].grants == grants
    assert h.state.participants[pid("obs")].role is Role.OBSERVER  # the role is only a label


def test_set_grants_refusals(h):
    h.refuse("doc", SetGrants(pid("obs"), frozenset(Grant)), ErrorCode.FORBIDDEN)
    h.refuse("host", SetGrants(pid("ghost"), frozenset()), ErrorCode.NOT_FOUND)


def test_the_last_online_moderator_keeps_moderate(h):
    message = h.refuse("host", SetGrants(pid("host"), frozenset()), ErrorCode.CONFLICT)
    assert "last online moderator" in message
    h.join("host2", Role.HOST)
    h.accepted(h.room.disconnect(pid("host2"), h.tick()))
    h.refuse("host", SetGrants(pid("host"), frozenset()), ErrorCode.CONFLICT)  # host2 is offline
    h.join("host2")
    assert h.send("host", SetGrants(pid("host"), frozenset({Grant.MODERATE, Grant.CHAT}))) == [
        ControlChanged(None),
        GrantsChanged(pid("host"), frozenset({Grant.MODERATE, Grant.CHAT})),
    ]
    h.send("host", SetGrants(pid("host"), frozenset()))  # host2 still moderates
    # one moderator may demote another; the sender still moderates
    h.send("host2", SetGrants(pid("doc"), frozenset({Grant.MODERATE})))
    h.send("host2", SetGrants(pid("doc"), frozenset()))


def test_the_server_may_change_anyones_grants(h):
    assert h.system(SetGrants(pid("host"), frozenset())) == [
        ControlChanged(None),
        GrantsChanged(pid("host"), frozenset()),
    ]


# --- kick ------------------------------------------------------------------------------------
def test_kick_removes_and_releases_control(h):
    h.send("host", GrantControl(pid("doc")))
    h.send("doc2", RequestControl())
    assert h.send("host", Kick(pid("doc"), "disruptive")) == [
        ControlChanged(None),
        ParticipantLeft(pid("doc"), "kicked"),
        BanChanged(pid("doc"), "Doc", banned=True),
    ]
    assert pid("doc") not in h.state.participants
    assert h.send("host", Kick(pid("doc2"))) == [
        ParticipantLeft(pid("doc2"), "kicked"),
        BanChanged(pid("doc2"), "Doc2", banned=True),
    ]
    assert h.state.control_requests == ()


def test_kick_refusals(h):
    h.refuse("doc", Kick(pid("obs")), ErrorCode.FORBIDDEN)
    h.refuse("host", Kick(pid("ghost")), ErrorCode.NOT_FOUND)
    h.refuse("host", Kick(pid("host")), ErrorCode.BAD_REQUEST)
    assert h.system(Kick(pid("host"))) == [
        ControlChanged(None),
        ParticipantLeft(pid("host"), "kicked"),
        BanChanged(pid("host"), "Host", banned=True),
    ]
    assert h.state.bans[pid("host")] == Ban("Host", h.now, None)  # the server kicked


# --- bans ------------------------------------------------------------------------------------
def test_a_kick_bans_the_identity_until_a_moderator_lifts_it(h):
    h.send("host", Kick(pid("doc")))
    assert h.state.bans == {pid("doc"): Ban("Doc", h.now, pid("host"))}
    message = h.refused(
        lambda now: h.room.join(pid("doc"), "Doc", Role.PARTICIPANT, None, now), ErrorCode.BANNED
    )
    assert "moderator" in message
    h.refuse("doc2", LiftBan(pid("doc")), ErrorCode.FORBIDDEN)
    h.refuse("host", LiftBan(pid("doc2")), ErrorCode.NOT_FOUND)
    assert h.send("host", LiftBan(pid("doc"))) == [BanChanged(pid("doc"), "Doc", banned=False)]
    assert h.state.bans == {}
    h.refuse("host", LiftBan(pid("doc")), ErrorCode.NOT_FOUND)
    assert h.join("doc", name="Doc again")[0] == ParticipantJoined(
        pid("doc"), "Doc again", Role.PARTICIPANT, default_grants(Role.PARTICIPANT), 1
    )


def test_a_ban_holds_whatever_the_token_says(h):
    h.send("host", Kick(pid("obs")))
    for role in Role:
        h.refused(
            lambda now, role=role: h.room.join(pid("obs"), "Obs", role, frozenset(Grant), now),
            ErrorCode.BANNED,
        )
    assert h.system(LiftBan(pid("obs"))) == [BanChanged(pid("obs"), "Obs", banned=False)]


def test_bans_survive_a_snapshot_and_a_replay(h):
    h.send("host", Kick(pid("doc")))
    snapshot = h.room.snapshot()
    h.send("host", Kick(pid("doc2")))
    restored = Room.restore(h.room.id, snapshot, h.room.events_since(snapshot.seq) or ())
    assert restored.snapshot().state == h.state
    assert set(restored.snapshot().state.bans) == {pid("doc"), pid("doc2")}
    assert restored.join(pid("doc2"), "Doc2", Role.HOST, None, h.tick()).refusal is not None


# --- grants the room set outlive the participant ----------------------------------------------
def test_grants_set_by_a_moderator_survive_the_grace(h):
    cut = frozenset({Grant.CHAT})
    h.send("host", SetGrants(pid("doc"), cut))
    h.accepted(h.room.disconnect(pid("doc"), h.tick()))
    h.accepted(h.room.handle_timer(h.now + 60.0))
    assert pid("doc") not in h.state.participants
    assert h.state.granted[pid("doc")] == cut
    joined = h.join("doc", grants=frozenset(Grant))  # even a token granting everything
    assert joined == [ParticipantJoined(pid("doc"), "Doc", Role.PARTICIPANT, cut, 1)]


def test_grants_set_by_a_moderator_survive_a_lifted_ban(h):
    h.send("host", SetGrants(pid("doc"), frozenset()))
    h.send("host", Kick(pid("doc")))
    h.send("host", LiftBan(pid("doc")))
    h.join("doc")
    assert h.state.participants[pid("doc")].grants == frozenset()
    assert h.state.participants[pid("doc2")].grants == default_grants(Role.PARTICIPANT)


# --- close -----------------------------------------------------------------------------------
def test_closing_stops_recording_first(h):
    h.refuse("doc", CloseRoom(), ErrorCode.FORBIDDEN)
    h.send("host", SetRecording(recording=True))
    assert h.send("host", CloseRoom("consultation over")) == [
        RecordingChanged(recording=False),
        RoomClosed("consultation over"),
    ]
    state = h.state
    assert state.closed and not state.recording
    h.refuse("host", SetRecording(recording=True), ErrorCode.ROOM_CLOSED)


def test_the_server_closes_a_room(h):
    assert h.system(CloseRoom("expired")) == [RoomClosed("expired")]
    assert h.room.closed


# --- studies ---------------------------------------------------------------------------------
def test_attach_and_detach(h):
    series = (IMAGE.series,)
    assert h.send("host", AttachStudy(STUDY, "CT chest", series)) == [
        StudyAttached(Study(STUDY, "CT chest", series))
    ]
    assert h.state.studies == {STUDY: Study(STUDY, "CT chest", series)}
    live = h.room.studies  # a read-only live view, for the DICOMweb access check
    assert dict(live) == h.state.studies
    with pytest.raises(TypeError):
        live[STUDY] = Study(STUDY)  # type: ignore[index]
    h.refuse("host", AttachStudy(STUDY), ErrorCode.CONFLICT)
    assert h.send("host", DetachStudy(STUDY)) == [StudyDetached(STUDY)]
    assert h.state.studies == {}
    h.refuse("host", DetachStudy(STUDY), ErrorCode.NOT_FOUND)


def test_managing_the_case_needs_the_grant(h):
    h.refuse("doc", AttachStudy(STUDY), ErrorCode.FORBIDDEN)
    h.send("host", AttachStudy(STUDY))
    h.refuse("doc", DetachStudy(STUDY), ErrorCode.FORBIDDEN)


def test_a_shown_study_cannot_be_detached(h):
    h.send("host", AttachStudy(STUDY))
    h.send("host", SetLayout(Layout.SIDE_BY_SIDE))
    h.send("host", SetImage(1, IMAGE))
    assert "viewport" in h.refuse("host", DetachStudy(STUDY), ErrorCode.CONFLICT)


def test_detaching_deletes_the_studys_annotations_only(h):
    h.send("doc", line("other", OTHER))  # before any study is attached: any image
    h.send("host", AttachStudy(STUDY))
    h.send("host", AttachStudy(OTHER.study))
    h.send("doc", line("a", IMAGE))
    h.send("doc2", line("b", IMAGE))
    h.send("host", SetImage(0, OTHER))
    assert h.send("host", DetachStudy(STUDY)) == [
        AnnotationDeleted("a", 1),
        AnnotationDeleted("b", 1),
        StudyDetached(STUDY),
    ]
    assert list(h.state.annotations) == ["other"]


# --- recording -------------------------------------------------------------------------------
def test_recording_toggles_and_refuses_no_ops(h):
    h.refuse("host", SetRecording(recording=False), ErrorCode.CONFLICT)
    assert h.send("host", SetRecording(recording=True)) == [RecordingChanged(recording=True)]
    assert h.state.recording
    h.refuse("host", SetRecording(recording=True), ErrorCode.CONFLICT)
    h.refuse("doc", SetRecording(recording=False), ErrorCode.FORBIDDEN)
    assert h.system(SetRecording(recording=False)) == [RecordingChanged(recording=False)]


# --- the server's own commands ---------------------------------------------------------------
def test_system_commands_are_stamped_by_nobody_and_need_no_control(h):
    outcome = h.room.handle_system(SetLayout(Layout.GRID), h.tick())
    assert [s.by for s in outcome.events] == [None]
    assert h.accepted(outcome) == [LayoutChanged(Layout.GRID)]
    assert h.system(AttachStudy(STUDY)) == [StudyAttached(Study(STUDY))]
    assert h.system(SetImage(2, IMAGE)) == [ImageChanged(2, IMAGE)]
    assert h.system(GrantControl(pid("doc"))) == [ControlChanged(pid("doc"))]
    h.refuse(None, SetImage(0, OTHER), ErrorCode.NOT_FOUND)  # still validated
    h.refuse(None, DetachStudy(STUDY), ErrorCode.CONFLICT)


def test_system_sets_up_a_room_before_anyone_joins(bare):
    bare.system(AttachStudy(STUDY, "demo"))
    bare.system(SetImage(0, IMAGE))
    assert bare.state.viewports[0].image == IMAGE


@pytest.mark.parametrize(
    "command",
    [
        RequestControl(),
        ReleaseControl(),
        TakeControl(),
        SetFollowing(following=True),
        SetMedia(audio=False, video=False, screen=False),
    ],
)
def test_commands_that_need_a_sender_are_refused_to_the_server(h, command):
    assert "system" in h.refuse(None, command, ErrorCode.BAD_REQUEST)


def test_unknown_command_objects_are_refused(h):
    h.refuse("host", object(), ErrorCode.UNKNOWN_COMMAND)  # type: ignore[arg-type]


# --- standing: what the HTTP edge asks -------------------------------------------------------
def test_standing_is_the_rooms_word_not_the_tokens(h):
    everything = frozenset(Grant)
    assert h.room.standing(pid("doc"), everything) == default_grants(Role.PARTICIPANT)
    assert h.room.standing(pid("stranger"), everything) == everything  # the token's, at join
    h.send("host", SetGrants(pid("doc"), frozenset({Grant.CHAT})))
    assert h.room.standing(pid("doc"), everything) == {Grant.CHAT}
    h.send("host", Kick(pid("doc")))
    assert h.room.standing(pid("doc"), everything) is None
    h.send("host", LiftBan(pid("doc")))
    assert h.room.standing(pid("doc"), everything) == {Grant.CHAT}  # remembered, not a member
