"""Pointer, chat, raised hands and published media.

A moderator's ``MuteParticipant`` yields the target's ``MediaChanged`` (microphone muted and/or
camera off) with ``by`` the moderator; the target's client follows it and may unmute itself
later with ``SetMedia``, as in any call.
"""

from session.checks import Actor, check_position, check_viewport, clean_text, require_participant
from session.commands import LowerHand, MovePointer, MuteParticipant, PostChat, RaiseHand, SetMedia
from session.errors import ErrorCode, Rejected
from session.events import ChatPosted, Event, HandChanged, MediaChanged, PointerMoved
from session.grants import Grant
from session.state import Participant, RoomState

MAX_CHAT = 2000

SocialCommand = MovePointer | PostChat | RaiseHand | LowerHand | SetMedia | MuteParticipant


def decide_social(state: RoomState, actor: Actor, command: SocialCommand) -> list[Event]:
    match command:
        case MovePointer(viewport, position):
            return [_pointer(state, actor, viewport, position)]
        case PostChat(text):
            sender = actor.require_id()
            actor.require(Grant.CHAT)
            return [ChatPosted(sender, clean_text(text, MAX_CHAT, "a chat message"))]
        case RaiseHand(raised):
            sender = actor.require_id()
            actor.require(Grant.RAISE_HAND)
            return [HandChanged(sender, raised)]
        case LowerHand(participant):
            actor.require(Grant.MODERATE)
            return [HandChanged(require_participant(state, participant).id, raised=False)]
        case MuteParticipant():
            actor.require(Grant.MODERATE)
            return [_mute(state, command)]
        case _:
            return [_media(actor, command)]


def _pointer(
    state: RoomState, actor: Actor, viewport: int, position: tuple[float, float] | None
) -> PointerMoved:
    sender = actor.require_id()
    actor.require(Grant.POINT)
    check_viewport(state, viewport)
    if position is not None:
        check_position(position)
    return PointerMoved(sender, viewport, position)


def _media(actor: Actor, command: SetMedia) -> MediaChanged:
    """Publishing anything needs PUBLISH_MEDIA; stopping (all off) is always allowed."""
    sender = actor.require_id()
    if (command.audio or command.video or command.screen) and not actor.has(Grant.PUBLISH_MEDIA):
        raise Rejected(ErrorCode.FORBIDDEN, "needs the publish_media grant")
    return MediaChanged(
        sender,
        command.audio,
        command.video,
        command.screen,
        command.audio_muted,
        command.video_muted,
    )


def _mute(state: RoomState, command: MuteParticipant) -> MediaChanged:
    target = require_participant(state, command.participant)
    if not (command.audio or command.video):
        raise Rejected(ErrorCode.BAD_REQUEST, "mute the audio, the video or both")
    muted = _muted(target, command.audio, command.video)
    if muted == _media_of(target):
        raise Rejected(ErrorCode.CONFLICT, f"{target.id!r} publishes nothing to mute or stop")
    return muted


def _muted(p: Participant, audio: bool, video: bool) -> MediaChanged:
    """The target's media after a moderator muted its microphone and/or stopped its camera."""
    audio_muted = p.audio_muted or (audio and p.audio)
    return MediaChanged(p.id, p.audio, p.video and not video, p.screen, audio_muted, p.video_muted)


def _media_of(p: Participant) -> MediaChanged:
    return MediaChanged(p.id, p.audio, p.video, p.screen, p.audio_muted, p.video_muted)
