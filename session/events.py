"""Facts the room announces, one frozen dataclass each, named in the past tense.

Every accepted command yields one or more events. Durable events are wrapped in ``Stamped``
with the room's next sequence number and the server time; they enter the bounded log, reach
every participant, and replaying them over a snapshot rebuilds the state exactly
(``session.reducer.apply``). ``PointerMoved`` is ephemeral presence: stamped with ``seq=None``,
never logged, and the first thing a slow connection drops.
"""

from dataclasses import dataclass

from session.grants import Grant, Role
from session.ids import ParticipantId, Uid
from session.model import Annotation, ImageRef, Layout, Mpr, Presentation, Study, Voi


@dataclass(frozen=True, slots=True)
class ParticipantJoined:
    participant: ParticipantId
    name: str
    role: Role
    grants: frozenset[Grant]
    colour: int = 0  # the room's identity colour index, 0..PALETTE_SIZE-1


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    participant: ParticipantId
    online: bool


@dataclass(frozen=True, slots=True)
class ParticipantLeft:
    participant: ParticipantId
    reason: str  # "left", "timeout", "kicked"


@dataclass(frozen=True, slots=True)
class GrantsChanged:
    participant: ParticipantId
    grants: frozenset[Grant]


@dataclass(frozen=True, slots=True)
class LayoutChanged:
    layout: Layout


@dataclass(frozen=True, slots=True)
class ActiveViewportChanged:
    viewport: int


@dataclass(frozen=True, slots=True)
class ImageChanged:
    viewport: int
    image: ImageRef


@dataclass(frozen=True, slots=True)
class VoiChanged:
    viewport: int
    voi: Voi | None


@dataclass(frozen=True, slots=True)
class PresentationChanged:
    viewport: int
    presentation: Presentation


@dataclass(frozen=True, slots=True)
class InvertChanged:
    viewport: int
    invert: bool


@dataclass(frozen=True, slots=True)
class CineChanged:
    viewport: int
    playing: bool
    fps: float


@dataclass(frozen=True, slots=True)
class MprChanged:
    mpr: Mpr | None


@dataclass(frozen=True, slots=True)
class ControlRequested:
    participant: ParticipantId


@dataclass(frozen=True, slots=True)
class ControlRequestWithdrawn:
    participant: ParticipantId


@dataclass(frozen=True, slots=True)
class ControlChanged:
    driver: ParticipantId | None


@dataclass(frozen=True, slots=True)
class FollowingChanged:
    participant: ParticipantId
    following: bool


@dataclass(frozen=True, slots=True)
class AnnotationCreated:
    annotation: Annotation


@dataclass(frozen=True, slots=True)
class AnnotationUpdated:
    annotation: Annotation


@dataclass(frozen=True, slots=True)
class AnnotationDeleted:
    id: str
    version: int  # the version that was deleted


@dataclass(frozen=True, slots=True)
class PointerMoved:
    participant: ParticipantId
    viewport: int
    position: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class ChatPosted:
    author: ParticipantId
    text: str


@dataclass(frozen=True, slots=True)
class HandChanged:
    participant: ParticipantId
    raised: bool


@dataclass(frozen=True, slots=True)
class StudyAttached:
    study: Study


@dataclass(frozen=True, slots=True)
class StudyDetached:
    uid: Uid


@dataclass(frozen=True, slots=True)
class RecordingChanged:
    recording: bool


@dataclass(frozen=True, slots=True)
class MediaChanged:
    participant: ParticipantId
    audio: bool
    video: bool
    screen: bool
    audio_muted: bool
    video_muted: bool


@dataclass(frozen=True, slots=True)
class KeyImageChanged:
    image: ImageRef
    marked: bool


@dataclass(frozen=True, slots=True)
class BanChanged:
    """A kick banned an identity (``banned``), or a moderator lifted its ban."""

    participant: ParticipantId
    name: str
    banned: bool


@dataclass(frozen=True, slots=True)
class WatermarkChanged:
    watermark: bool


@dataclass(frozen=True, slots=True)
class RoomClosed:
    reason: str


Event = (
    ParticipantJoined
    | PresenceChanged
    | ParticipantLeft
    | GrantsChanged
    | LayoutChanged
    | ActiveViewportChanged
    | ImageChanged
    | VoiChanged
    | PresentationChanged
    | InvertChanged
    | CineChanged
    | MprChanged
    | ControlRequested
    | ControlRequestWithdrawn
    | ControlChanged
    | FollowingChanged
    | AnnotationCreated
    | AnnotationUpdated
    | AnnotationDeleted
    | PointerMoved
    | ChatPosted
    | HandChanged
    | StudyAttached
    | StudyDetached
    | RecordingChanged
    | MediaChanged
    | KeyImageChanged
    | BanChanged
    | WatermarkChanged
    | RoomClosed
)

WIRE_NAMES: dict[str, type[Event]] = {
    "participant_joined": ParticipantJoined,
    "presence_changed": PresenceChanged,
    "participant_left": ParticipantLeft,
    "grants_changed": GrantsChanged,
    "layout_changed": LayoutChanged,
    "active_viewport_changed": ActiveViewportChanged,
    "image_changed": ImageChanged,
    "voi_changed": VoiChanged,
    "presentation_changed": PresentationChanged,
    "invert_changed": InvertChanged,
    "cine_changed": CineChanged,
    "mpr_changed": MprChanged,
    "control_requested": ControlRequested,
    "control_changed": ControlChanged,
    "following_changed": FollowingChanged,
    "annotation_created": AnnotationCreated,
    "annotation_updated": AnnotationUpdated,
    "annotation_deleted": AnnotationDeleted,
    "pointer_moved": PointerMoved,
    "chat_posted": ChatPosted,
    "hand_changed": HandChanged,
    "study_attached": StudyAttached,
    "study_detached": StudyDetached,
    "recording_changed": RecordingChanged,
    "media_changed": MediaChanged,
    "room_closed": RoomClosed,
    "control_request_withdrawn": ControlRequestWithdrawn,
    "key_image_changed": KeyImageChanged,
    "ban_changed": BanChanged,
    "watermark_changed": WatermarkChanged,
}


@dataclass(frozen=True, slots=True)
class Stamped:
    """An event as the room emitted it: ``seq`` is None for ephemeral events."""

    seq: int | None
    at: float  # server time, seconds since the Unix epoch
    by: ParticipantId | None  # who caused it; None for the room itself
    event: Event
