"""``apply``: the only code that mutates a ``RoomState`` — one small function per event.

The live room, a snapshot plus the log, a failover node and the recorder's playback all build
their state by calling ``apply`` with the same stamped events, so they agree exactly.

Each event applies its own fact. The few implied changes are spelled out here (and mirrored
by clients): a participant who leaves, gets control or loses DRIVE leaves the control queue;
a layout change resizes the viewport list (growing appends default viewports, shrinking keeps
the first N); ``grants_changed`` is also remembered per identity (``granted``), for a rejoin.
Everything else the room announces with its own event (e.g. ``ControlChanged``
before a driver's ``ParticipantLeft``). ``PointerMoved`` is ephemeral and changes nothing.
"""

from dataclasses import replace

from session.events import (
    ActiveViewportChanged,
    AnnotationCreated,
    AnnotationDeleted,
    AnnotationUpdated,
    BanChanged,
    ChatPosted,
    CineChanged,
    ControlChanged,
    ControlRequested,
    ControlRequestWithdrawn,
    FollowingChanged,
    GrantsChanged,
    HandChanged,
    ImageChanged,
    InvertChanged,
    KeyImageChanged,
    LayoutChanged,
    MediaChanged,
    MprChanged,
    ParticipantJoined,
    ParticipantLeft,
    PointerMoved,
    PresenceChanged,
    PresentationChanged,
    RecordingChanged,
    RoomClosed,
    Stamped,
    StudyAttached,
    StudyDetached,
    VoiChanged,
    WatermarkChanged,
)
from session.grants import Grant
from session.ids import AnnotationId, ParticipantId
from session.model import ChatMessage, Layout, Viewport
from session.state import CHAT_HISTORY, Ban, Participant, RoomState

ParticipantEvent = (
    ParticipantJoined
    | PresenceChanged
    | ParticipantLeft
    | GrantsChanged
    | FollowingChanged
    | HandChanged
    | MediaChanged
)
ViewEvent = (
    LayoutChanged
    | ActiveViewportChanged
    | ImageChanged
    | VoiChanged
    | PresentationChanged
    | InvertChanged
    | CineChanged
    | MprChanged
)
CaseEvent = (
    StudyAttached
    | StudyDetached
    | RecordingChanged
    | RoomClosed
    | PointerMoved
    | KeyImageChanged
    | BanChanged
    | WatermarkChanged
)
RoomEvent = (
    ControlRequested
    | ControlRequestWithdrawn
    | ControlChanged
    | AnnotationCreated
    | AnnotationUpdated
    | AnnotationDeleted
    | ChatPosted
    | CaseEvent
)


def apply(state: RoomState, stamped: Stamped) -> None:
    """Apply one stamped event to ``state`` in place."""
    event = stamped.event
    match event:
        case (
            ParticipantJoined()
            | PresenceChanged()
            | ParticipantLeft()
            | GrantsChanged()
            | FollowingChanged()
            | HandChanged()
            | MediaChanged()
        ):
            _apply_participant(state, event, stamped.at)
        case (
            LayoutChanged()
            | ActiveViewportChanged()
            | ImageChanged()
            | VoiChanged()
            | PresentationChanged()
            | InvertChanged()
            | CineChanged()
            | MprChanged()
        ):
            _apply_view(state, event)
        case _:
            _apply_room(state, event, stamped)


# --- participants ----------------------------------------------------------------------------
def _apply_participant(state: RoomState, event: ParticipantEvent, at: float) -> None:
    match event:
        case ParticipantJoined(pid, name, role, grants, colour):
            state.participants[pid] = Participant(
                pid, name, role, grants, joined_at=at, colour=colour
            )
        case PresenceChanged(pid, online):
            since = None if online else at
            _set(state, replace(state.participants[pid], online=online, offline_since=since))
        case ParticipantLeft(pid):
            del state.participants[pid]
            _dequeue(state, pid)
        case GrantsChanged(pid, grants):
            _set(state, replace(state.participants[pid], grants=grants))
            state.granted[pid] = grants  # remembered for a rejoin after the grace or a ban
            if Grant.DRIVE not in grants:
                _dequeue(state, pid)
        case FollowingChanged(pid, following):
            _set(state, replace(state.participants[pid], following=following))
        case HandChanged(pid, raised):
            _set(state, replace(state.participants[pid], hand_raised=raised))
        case _:
            _apply_media(state, event)


def _apply_media(state: RoomState, event: MediaChanged) -> None:
    _set(
        state,
        replace(
            state.participants[event.participant],
            audio=event.audio,
            video=event.video,
            screen=event.screen,
            audio_muted=event.audio_muted,
            video_muted=event.video_muted,
        ),
    )


def _set(state: RoomState, participant: Participant) -> None:
    state.participants[participant.id] = participant


def _dequeue(state: RoomState, participant: ParticipantId) -> None:
    state.control_requests = tuple(p for p in state.control_requests if p != participant)


# --- shared view -----------------------------------------------------------------------------
def _apply_view(state: RoomState, event: ViewEvent) -> None:
    match event:
        case LayoutChanged(layout):
            _apply_layout(state, layout)
        case ActiveViewportChanged(index):
            state.active_viewport = index
        case ImageChanged(index, image):
            _viewport(state, index, replace(state.viewports[index], image=image))
        case VoiChanged(index, voi):
            _viewport(state, index, replace(state.viewports[index], voi=voi))
        case PresentationChanged(index, presentation):
            _viewport(state, index, replace(state.viewports[index], presentation=presentation))
        case InvertChanged(index, invert):
            _viewport(state, index, replace(state.viewports[index], invert=invert))
        case MprChanged(mpr):
            state.mpr = mpr
        case _:
            index, playing, fps = event.viewport, event.playing, event.fps
            cine = replace(state.viewports[index].cine, playing=playing, fps=fps)
            _viewport(state, index, replace(state.viewports[index], cine=cine))


def _apply_layout(state: RoomState, layout: Layout) -> None:
    count = layout.viewport_count
    kept = state.viewports[:count]
    state.viewports = kept + [Viewport() for _ in range(count - len(kept))]
    state.layout = layout


def _viewport(state: RoomState, index: int, viewport: Viewport) -> None:
    state.viewports[index] = viewport


# --- control, annotations, chat, case --------------------------------------------------------
def _apply_room(state: RoomState, event: RoomEvent, stamped: Stamped) -> None:
    match event:
        case ControlRequested(pid):
            state.control_requests = (*state.control_requests, pid)
        case ControlRequestWithdrawn(pid):
            _dequeue(state, pid)
        case ControlChanged(driver):
            state.driver = driver
            if driver is not None:
                _dequeue(state, driver)
        case AnnotationCreated(annotation) | AnnotationUpdated(annotation):
            state.annotations[annotation.id] = annotation
        case AnnotationDeleted(annotation_id):
            del state.annotations[AnnotationId(annotation_id)]
        case ChatPosted(author, text):
            message = ChatMessage(author, text, at=stamped.at, seq=stamped.seq or 0)
            state.chat = [*state.chat[-(CHAT_HISTORY - 1) :], message]
        case _:
            _apply_case(state, event, stamped)


def _apply_case(state: RoomState, event: CaseEvent, stamped: Stamped) -> None:
    match event:
        case StudyAttached(study):
            state.studies[study.uid] = study
        case StudyDetached(uid):
            del state.studies[uid]
        case RecordingChanged(recording):
            state.recording = recording
        case RoomClosed():
            state.closed = True
        case KeyImageChanged(image, marked):
            others = tuple(k for k in state.key_images if k != image)
            state.key_images = (*others, image) if marked else others
        case BanChanged(pid, name, banned):
            if banned:
                state.bans[pid] = Ban(name, stamped.at, stamped.by)
            else:
                state.bans.pop(pid, None)
        case WatermarkChanged(watermark):
            state.watermark = watermark
        case _:
            pass  # PointerMoved: ephemeral presence, not part of the durable state
