"""Checks the core makes before it accepts a command; each raises ``Rejected`` with a code.

The codec has already checked types and sizes; these check meaning (who may, what exists,
which numbers make sense). They only read the state.
"""

import math
from dataclasses import dataclass, replace

from session.errors import ErrorCode, Rejected
from session.grants import Grant
from session.ids import ParticipantId, Uid
from session.model import ImageRef, Mpr, MprPlane, Presentation, Voi
from session.state import Participant, RoomState

MAX_COORDINATE = 1e6  # image pixel coordinates; far beyond any real image, still finite
MAX_PAN = 100.0  # in fitted-image sizes
MIN_ZOOM, MAX_ZOOM = 0.01, 100.0  # zoom must be > MIN_ZOOM and <= MAX_ZOOM
MAX_FPS = 120.0
MAX_SLAB = 500.0  # mm: thicker than any body


@dataclass(frozen=True, slots=True)
class Actor:
    """Who issues a command: a participant, or (``participant`` None) the trusted server."""

    participant: Participant | None

    @property
    def id(self) -> ParticipantId | None:
        return None if self.participant is None else self.participant.id

    def has(self, grant: Grant) -> bool:
        return self.participant is None or grant in self.participant.grants

    def require(self, grant: Grant) -> None:
        if not self.has(grant):
            raise Rejected(ErrorCode.FORBIDDEN, f"needs the {grant} grant")

    def require_id(self) -> ParticipantId:
        """The sender's id; commands that need one cannot come from the server itself."""
        if self.participant is None:
            raise Rejected(ErrorCode.BAD_REQUEST, "not a system command")
        return self.participant.id


SYSTEM = Actor(None)


def require_driver(state: RoomState, actor: Actor) -> None:
    """Changing the shared view needs DRIVE and holding control (the server needs neither)."""
    actor.require(Grant.DRIVE)
    if actor.participant is not None and state.driver != actor.id:
        raise Rejected(ErrorCode.FORBIDDEN, "you do not hold control")


def require_participant(state: RoomState, participant: ParticipantId) -> Participant:
    found = state.participants.get(participant)
    if found is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no participant {participant!r}")
    return found


def check_viewport(state: RoomState, viewport: int) -> None:
    if not 0 <= viewport < len(state.viewports):
        raise Rejected(ErrorCode.NOT_FOUND, f"no viewport {viewport} in layout {state.layout}")


def check_image(state: RoomState, image: ImageRef) -> None:
    """The image must belong to an attached study, unless none is attached yet.

    A room with no study attached accepts any image, so a demo or an ad-hoc consultation can
    show images before its case is set up; once a case is attached, the room admits only it.
    """
    if image.frame < 1:
        raise Rejected(ErrorCode.BAD_REQUEST, "frame numbers start at 1")
    check_series(state, image.study, image.series, "the image")


def check_series(state: RoomState, study_uid: Uid, series: Uid, what: str) -> None:
    """Like ``check_image``: in an attached study (and series), unless none is attached."""
    if not state.studies:
        return
    study = state.studies.get(study_uid)
    if study is None or (study.series and series not in study.series):
        raise Rejected(ErrorCode.NOT_FOUND, f"{what} is not in an attached study")


def check_voi(voi: Voi | None) -> None:
    if voi is None:
        return
    if not (math.isfinite(voi.center) and math.isfinite(voi.width) and voi.width > 0):
        raise Rejected(ErrorCode.BAD_REQUEST, "window width must be > 0 and both finite")


def normalize_presentation(presentation: Presentation) -> Presentation:
    """Check zoom, pan and rotation; return it with the rotation in 0, 90, 180, 270."""
    zoom = presentation.zoom
    if not (math.isfinite(zoom) and MIN_ZOOM < zoom <= MAX_ZOOM):
        raise Rejected(ErrorCode.BAD_REQUEST, f"zoom must be in ({MIN_ZOOM}, {MAX_ZOOM}]")
    if not all(math.isfinite(v) and abs(v) <= MAX_PAN for v in presentation.pan):
        raise Rejected(ErrorCode.BAD_REQUEST, f"pan must be finite and within ±{MAX_PAN}")
    if presentation.rotation % 90:
        raise Rejected(ErrorCode.BAD_REQUEST, "rotation must be a multiple of 90")
    return replace(presentation, rotation=presentation.rotation % 360)


def check_mpr(state: RoomState, mpr: Mpr) -> None:
    """The series must be attached; the point finite; each plane's camera and slab sane."""
    check_series(state, mpr.study, mpr.series, "the MPR series")
    if not all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in mpr.point):
        raise Rejected(
            ErrorCode.BAD_REQUEST, f"the MPR point must be finite, within ±{MAX_COORDINATE:g}"
        )
    for plane in mpr.planes:
        _check_plane(plane)
    check_voi(mpr.voi)


def _check_plane(plane: MprPlane) -> None:
    normalize_presentation(Presentation(zoom=plane.zoom, pan=plane.pan))
    if not (math.isfinite(plane.slab) and 0 <= plane.slab <= MAX_SLAB):
        raise Rejected(ErrorCode.BAD_REQUEST, f"slab must be in [0, {MAX_SLAB:g}] mm")


def check_fps(fps: float) -> None:
    if not (math.isfinite(fps) and 0 < fps <= MAX_FPS):
        raise Rejected(ErrorCode.BAD_REQUEST, f"fps must be in (0, {MAX_FPS}]")


def check_position(position: tuple[float, float]) -> None:
    if not all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in position):
        raise Rejected(
            ErrorCode.BAD_REQUEST, f"coordinates must be finite, within ±{MAX_COORDINATE:g}"
        )


def clean_text(text: str, limit: int, what: str) -> str:
    """Strip surrounding white space; the rest must be 1..limit characters."""
    cleaned = text.strip()
    if not 1 <= len(cleaned) <= limit:
        raise Rejected(ErrorCode.BAD_REQUEST, f"{what} must be 1 to {limit} characters")
    return cleaned
