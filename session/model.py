"""Value types of the shared view and annotations (immutable; the room replaces them)."""

from dataclasses import dataclass, field
from enum import StrEnum

from session.ids import AnnotationId, ParticipantId, Uid


class VoiFunction(StrEnum):
    """PS3.3 C.11.2.1.3 VOI LUT Function."""

    LINEAR = "LINEAR"
    LINEAR_EXACT = "LINEAR_EXACT"
    SIGMOID = "SIGMOID"


class Layout(StrEnum):
    ONE = "1x1"
    SIDE_BY_SIDE = "1x2"
    GRID = "2x2"

    @property
    def viewport_count(self) -> int:
        return {"1x1": 1, "1x2": 2, "2x2": 4}[self.value]


class AnnotationKind(StrEnum):
    LENGTH = "length"
    ANGLE = "angle"
    ELLIPSE = "ellipse"
    RECTANGLE = "rectangle"
    PROBE = "probe"
    ARROW = "arrow"

    @property
    def point_count(self) -> int:
        """How many image-space points the geometry has (Cornerstone3D handle counts)."""
        return _POINT_COUNTS[self.value]


_POINT_COUNTS = {"length": 2, "angle": 3, "ellipse": 4, "rectangle": 4, "probe": 1, "arrow": 2}


@dataclass(frozen=True, slots=True)
class ImageRef:
    """One image: a SOP instance and (for multi-frame objects) a 1-based frame number."""

    study: Uid
    series: Uid
    sop: Uid
    frame: int = 1


@dataclass(frozen=True, slots=True)
class Voi:
    """Window centre and width in modality units (HU for CT)."""

    center: float
    width: float
    function: VoiFunction = VoiFunction.LINEAR


@dataclass(frozen=True, slots=True)
class Presentation:
    """Camera relative to fit-to-window, so it means the same on every screen size.

    ``zoom`` 1.0 is fit-to-window; ``pan`` is the displayed image centre's offset as a
    fraction of the fitted image size (x right, y down); ``rotation`` in degrees, a multiple of 90.
    """

    zoom: float = 1.0
    pan: tuple[float, float] = (0.0, 0.0)
    rotation: int = 0
    flip_h: bool = False
    flip_v: bool = False


@dataclass(frozen=True, slots=True)
class Cine:
    playing: bool = False
    fps: float = 10.0


@dataclass(frozen=True, slots=True)
class Viewport:
    image: ImageRef | None = None
    voi: Voi | None = None  # None: the image's own default window
    presentation: Presentation = field(default_factory=Presentation)
    invert: bool = False
    cine: Cine = field(default_factory=Cine)


@dataclass(frozen=True, slots=True)
class MprPlane:
    """One MPR orientation's camera: ``zoom`` and ``pan`` as in ``Presentation`` (relative to
    fit-to-window), ``slab`` the slab thickness in mm (0: one reconstructed slice)."""

    zoom: float = 1.0
    pan: tuple[float, float] = (0.0, 0.0)
    slab: float = 0.0


@dataclass(frozen=True, slots=True)
class Mpr:
    """Multiplanar reconstruction of one volume series: axial, coronal and sagittal views
    that cross at ``point`` (patient coordinates, mm), each with its own camera, one window.

    Only the semantic view travels: every client builds the volume from the same lossless
    slices and reconstructs the planes itself.
    """

    study: Uid
    series: Uid
    point: tuple[float, float, float]
    planes: tuple[MprPlane, MprPlane, MprPlane] = (MprPlane(), MprPlane(), MprPlane())
    voi: Voi | None = None  # None: the series' own default window


@dataclass(frozen=True, slots=True)
class Annotation:
    id: AnnotationId
    kind: AnnotationKind
    image: ImageRef
    points: tuple[tuple[float, float], ...]  # image pixel coordinates (column, row)
    author: ParticipantId
    version: int
    text: str = ""


@dataclass(frozen=True, slots=True)
class Study:
    uid: Uid
    description: str = ""
    series: tuple[Uid, ...] = ()  # empty: every series of the study


@dataclass(frozen=True, slots=True)
class ChatMessage:
    author: ParticipantId
    text: str
    at: float
    seq: int
