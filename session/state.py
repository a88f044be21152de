"""The room's durable state: what a snapshot holds and what the reducer rebuilds from events.

``RoomState`` is mutable, but only ``session.reducer.apply`` mutates it; every value stored
inside it (``Participant``, ``Viewport``, ``Annotation``, ...) is frozen and replaced whole,
so ``copy()`` only needs to copy the containers.
"""

from dataclasses import dataclass, field, replace

from session.grants import Grant, Role
from session.ids import AnnotationId, ParticipantId, RoomId, Uid
from session.model import Annotation, ChatMessage, ImageRef, Layout, Mpr, Study, Viewport

CHAT_HISTORY = 200
"""How many chat messages the state (and so every snapshot) keeps."""
PALETTE_SIZE = 24
"""Identity colours the room hands out (the client's colour-blind-safe palette has as many)."""
MAX_KEY_IMAGES = 64


@dataclass(frozen=True, slots=True)
class Participant:
    id: ParticipantId
    name: str
    role: Role
    grants: frozenset[Grant]
    joined_at: float
    online: bool = True
    following: bool = True  # new participants follow the driver's view
    hand_raised: bool = False
    audio: bool = False
    video: bool = False
    screen: bool = False
    audio_muted: bool = False
    video_muted: bool = False
    colour: int = 0  # identity colour index, assigned by the room at join
    # When the participant went offline (server time); the grace timer runs from here.
    # Kept in the state, not in the room, so a restored room re-arms the same timers.
    offline_since: float | None = None

    def can(self, grant: Grant) -> bool:
        return grant in self.grants


@dataclass(frozen=True, slots=True)
class Ban:
    """Why an identity may not join: who it was (``name``), and when and by whom it was kicked."""

    name: str
    at: float
    by: ParticipantId | None = None  # None: the server (admin API)


def default_viewports(layout: Layout) -> list[Viewport]:
    return [Viewport() for _ in range(layout.viewport_count)]


@dataclass(slots=True)
class RoomState:
    room_id: RoomId
    title: str = ""
    closed: bool = False
    layout: Layout = Layout.ONE
    active_viewport: int = 0
    viewports: list[Viewport] = field(default_factory=lambda: default_viewports(Layout.ONE))
    participants: dict[ParticipantId, Participant] = field(default_factory=dict)
    driver: ParticipantId | None = None
    control_requests: tuple[ParticipantId, ...] = ()  # oldest request first
    annotations: dict[AnnotationId, Annotation] = field(default_factory=dict)  # creation order
    studies: dict[Uid, Study] = field(default_factory=dict)  # attach order
    chat: list[ChatMessage] = field(default_factory=list)  # oldest first, last CHAT_HISTORY
    recording: bool = False
    key_images: tuple[ImageRef, ...] = ()  # marked order
    # Identities a kick banned, until a moderator lifts it (kick order).
    bans: dict[ParticipantId, Ban] = field(default_factory=dict)
    # The grants a moderator last set per identity: a rejoin (after the grace, or a kick
    # lifted) gets these, not its token's role default.
    granted: dict[ParticipantId, frozenset[Grant]] = field(default_factory=dict)
    # Every viewer's images carry their identity (a consultation's default; moderators switch).
    watermark: bool = True
    mpr: Mpr | None = None  # set: every page shows this MPR instead of the stack layout

    def copy(self) -> "RoomState":
        """An independent copy: containers are copied, their frozen values shared."""
        return replace(
            self,
            viewports=list(self.viewports),
            participants=dict(self.participants),
            annotations=dict(self.annotations),
            studies=dict(self.studies),
            chat=list(self.chat),
            bans=dict(self.bans),
            granted=dict(self.granted),
        )
