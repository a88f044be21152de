"""Commands a participant sends to its room (already validated at the edge by ``session.codec``).

Each command is one frozen dataclass; ``WIRE_NAMES`` maps the wire ``type`` string to the class.
The sender is not part of the command: the adapter passes the authenticated participant id.
"""

from dataclasses import dataclass

from session.grants import Grant
from session.ids import AnnotationId, ParticipantId, Uid
from session.model import AnnotationKind, ImageRef, Layout, Mpr, Presentation, Voi


# --- shared view (needs Grant.DRIVE and holding control) -----------------------------------
@dataclass(frozen=True, slots=True)
class SetLayout:
    layout: Layout


@dataclass(frozen=True, slots=True)
class SetActiveViewport:
    viewport: int


@dataclass(frozen=True, slots=True)
class SetImage:
    viewport: int
    image: ImageRef


@dataclass(frozen=True, slots=True)
class SetVoi:
    viewport: int
    voi: Voi | None  # None resets to the image's default window


@dataclass(frozen=True, slots=True)
class SetPresentation:
    viewport: int
    presentation: Presentation


@dataclass(frozen=True, slots=True)
class SetInvert:
    viewport: int
    invert: bool


@dataclass(frozen=True, slots=True)
class SetCine:
    viewport: int
    playing: bool
    fps: float


@dataclass(frozen=True, slots=True)
class SetMpr:
    """Show (or, with None, leave) the multiplanar reconstruction; the whole MPR view at once."""

    mpr: Mpr | None


# --- control ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RequestControl:
    pass


@dataclass(frozen=True, slots=True)
class GrantControl:
    to: ParticipantId


@dataclass(frozen=True, slots=True)
class ReleaseControl:
    pass


@dataclass(frozen=True, slots=True)
class TakeControl:
    pass


@dataclass(frozen=True, slots=True)
class WithdrawControlRequest:
    """Cancel my own pending request for control."""


@dataclass(frozen=True, slots=True)
class SetFollowing:
    following: bool


# --- annotations -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CreateAnnotation:
    id: AnnotationId
    kind: AnnotationKind
    image: ImageRef
    points: tuple[tuple[float, float], ...]
    text: str = ""


@dataclass(frozen=True, slots=True)
class UpdateAnnotation:
    id: AnnotationId
    base_version: int
    points: tuple[tuple[float, float], ...]
    text: str = ""


@dataclass(frozen=True, slots=True)
class DeleteAnnotation:
    id: AnnotationId
    base_version: int


# --- presence, chat, hands -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MovePointer:
    viewport: int
    position: tuple[float, float] | None  # image pixel coords; None hides the pointer


@dataclass(frozen=True, slots=True)
class PostChat:
    text: str


@dataclass(frozen=True, slots=True)
class RaiseHand:
    raised: bool


@dataclass(frozen=True, slots=True)
class LowerHand:
    participant: ParticipantId


@dataclass(frozen=True, slots=True)
class MuteParticipant:
    """A moderator silences someone's microphone and/or stops their camera."""

    participant: ParticipantId
    audio: bool = True
    video: bool = False


# --- review: key images ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SetKeyImage:
    image: ImageRef
    marked: bool


# --- moderation and case ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SetGrants:
    participant: ParticipantId
    grants: frozenset[Grant]


@dataclass(frozen=True, slots=True)
class Kick:
    participant: ParticipantId
    reason: str = ""


@dataclass(frozen=True, slots=True)
class LiftBan:
    """Let a kicked identity join again."""

    participant: ParticipantId


@dataclass(frozen=True, slots=True)
class CloseRoom:
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AttachStudy:
    uid: Uid
    description: str = ""
    series: tuple[Uid, ...] = ()


@dataclass(frozen=True, slots=True)
class DetachStudy:
    uid: Uid


@dataclass(frozen=True, slots=True)
class SetRecording:
    recording: bool


@dataclass(frozen=True, slots=True)
class SetWatermark:
    """Switch the identity watermark over every viewer's images (docs/security/watermark.md)."""

    watermark: bool


@dataclass(frozen=True, slots=True)
class SetMedia:
    """What the sender publishes and whether it is muted (the SFU carries the bytes)."""

    audio: bool
    video: bool
    screen: bool
    audio_muted: bool = False
    video_muted: bool = False


Command = (
    SetLayout
    | SetActiveViewport
    | SetImage
    | SetVoi
    | SetPresentation
    | SetInvert
    | SetCine
    | SetMpr
    | RequestControl
    | GrantControl
    | ReleaseControl
    | TakeControl
    | SetFollowing
    | WithdrawControlRequest
    | CreateAnnotation
    | UpdateAnnotation
    | DeleteAnnotation
    | MovePointer
    | PostChat
    | RaiseHand
    | LowerHand
    | SetGrants
    | Kick
    | LiftBan
    | CloseRoom
    | AttachStudy
    | DetachStudy
    | SetRecording
    | SetMedia
    | MuteParticipant
    | SetKeyImage
    | SetWatermark
)

WIRE_NAMES: dict[str, type[Command]] = {
    "set_layout": SetLayout,
    "set_active_viewport": SetActiveViewport,
    "set_image": SetImage,
    "set_voi": SetVoi,
    "set_presentation": SetPresentation,
    "set_invert": SetInvert,
    "set_cine": SetCine,
    "set_mpr": SetMpr,
    "request_control": RequestControl,
    "grant_control": GrantControl,
    "release_control": ReleaseControl,
    "take_control": TakeControl,
    "set_following": SetFollowing,
    "create_annotation": CreateAnnotation,
    "update_annotation": UpdateAnnotation,
    "delete_annotation": DeleteAnnotation,
    "move_pointer": MovePointer,
    "post_chat": PostChat,
    "raise_hand": RaiseHand,
    "lower_hand": LowerHand,
    "set_grants": SetGrants,
    "kick": Kick,
    "lift_ban": LiftBan,
    "close_room": CloseRoom,
    "attach_study": AttachStudy,
    "detach_study": DetachStudy,
    "set_recording": SetRecording,
    "set_media": SetMedia,
    "withdraw_control_request": WithdrawControlRequest,
    "mute_participant": MuteParticipant,
    "set_key_image": SetKeyImage,
    "set_watermark": SetWatermark,
}
