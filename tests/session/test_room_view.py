"""The shared view: only the driver changes it, and only with sensible values."""

import math

import pytest

from session.commands import (
    AttachStudy,
    RequestControl,
    SetActiveViewport,
    SetCine,
    SetImage,
    SetInvert,
    SetLayout,
    SetPresentation,
    SetVoi,
)
from session.errors import ErrorCode
from session.events import (
    ActiveViewportChanged,
    CineChanged,
    ImageChanged,
    InvertChanged,
    LayoutChanged,
    PresentationChanged,
    VoiChanged,
)
from session.grants import Grant, Role
from session.ids import Uid
from session.model import Cine, ImageRef, Layout, Presentation, Viewport, Voi, VoiFunction

IMAGE = ImageRef(Uid("1.2.3"), Uid("1.2.3.4"), Uid("1.2.3.4.5"))
OTHER = ImageRef(Uid("9.9"), Uid("9.9.1"), Uid("9.9.1.1"))


def test_growing_the_layout_appends_default_viewports(h):
    h.send("host", SetImage(0, IMAGE))
    assert h.send("host", SetLayout(Layout.GRID)) == [LayoutChanged(Layout.GRID)]
    state = h.state
    assert state.layout is Layout.GRID
    assert state.viewports[0].image == IMAGE
    assert state.viewports[1:] == [Viewport()] * 3


def test_shrinking_keeps_the_first_viewports_and_resets_a_lost_active_one(h):
    h.send("host", SetLayout(Layout.GRID))
    h.send("host", SetImage(1, IMAGE))
    assert h.send("host", SetActiveViewport(3)) == [ActiveViewportChanged(3)]
    assert h.send("host", SetLayout(Layout.SIDE_BY_SIDE)) == [
        LayoutChanged(Layout.SIDE_BY_SIDE),
        ActiveViewportChanged(0),
    ]
    state = h.state
    assert len(state.viewports) == 2 and state.viewports[1].image == IMAGE
    assert state.active_viewport == 0
    # shrinking while the active viewport survives does not touch it
    h.send("host", SetActiveViewport(0))
    assert h.send("host", SetLayout(Layout.ONE)) == [LayoutChanged(Layout.ONE)]


def test_each_viewport_command_changes_its_own_field(h):
    h.send("host", SetLayout(Layout.SIDE_BY_SIDE))
    voi = Voi(40.0, 400.0, VoiFunction.SIGMOID)
    presentation = Presentation(2.0, (0.5, -0.25), 180, flip_h=True)
    assert h.send("host", SetImage(1, IMAGE)) == [ImageChanged(1, IMAGE)]
    assert h.send("host", SetVoi(1, voi)) == [VoiChanged(1, voi)]
    assert h.send("host", SetPresentation(1, presentation)) == [
        PresentationChanged(1, presentation)
    ]
    assert h.send("host", SetInvert(1, invert=True)) == [InvertChanged(1, invert=True)]
    assert h.send("host", SetCine(1, playing=True, fps=24.0)) == [CineChanged(1, True, 24.0)]
    assert h.state.viewports == [
        Viewport(),
        Viewport(IMAGE, voi, presentation, invert=True, cine=Cine(True, 24.0)),
    ]
    assert h.send("host", SetVoi(1, None)) == [VoiChanged(1, None)]
    assert h.state.viewports[1].voi is None


@pytest.mark.parametrize(("rotation", "normal"), [(-90, 270), (360, 0), (450, 90), (0, 0)])
def test_rotation_is_normalized(h, rotation, normal):
    (event,) = h.send("host", SetPresentation(0, Presentation(rotation=rotation)))
    assert isinstance(event, PresentationChanged)
    assert event.presentation.rotation == normal
    assert h.state.viewports[0].presentation.rotation == normal


def view_commands(viewport: int) -> list[object]:
    return [
        SetActiveViewport(viewport),
        SetImage(viewport, IMAGE),
        SetVoi(viewport, None),
        SetPresentation(viewport, Presentation()),
        SetInvert(viewport, invert=True),
        SetCine(viewport, playing=False, fps=10.0),
    ]


@pytest.mark.parametrize("command", [SetLayout(Layout.GRID), *view_commands(0)])
def test_only_the_driver_changes_the_view(h, command):
    assert "control" in h.refuse("doc", command, ErrorCode.FORBIDDEN)  # has DRIVE, not control
    assert "drive" in h.refuse("obs", command, ErrorCode.FORBIDDEN)  # lacks DRIVE


@pytest.mark.parametrize("command", view_commands(1))
def test_viewport_out_of_range_is_not_found(h, command):
    h.refuse("host", command, ErrorCode.NOT_FOUND)


@pytest.mark.parametrize("command", view_commands(-1))
def test_negative_viewport_is_not_found(h, command):
    h.refuse("host", command, ErrorCode.NOT_FOUND)


BAD_VIEW_VALUES = [
    SetVoi(0, Voi(40.0, 0.0)),
    SetVoi(0, Voi(40.0, -1.0)),
    SetVoi(0, Voi(40.0, math.inf)),
    SetVoi(0, Voi(math.nan, 400.0)),
    SetPresentation(0, Presentation(zoom=0.01)),
    SetPresentation(0, Presentation(zoom=100.5)),
    SetPresentation(0, Presentation(zoom=math.nan)),
    SetPresentation(0, Presentation(pan=(100.5, 0.0))),
    SetPresentation(0, Presentation(pan=(0.0, -math.inf))),
    SetPresentation(0, Presentation(rotation=45)),
    SetCine(0, playing=True, fps=0.0),
    SetCine(0, playing=False, fps=120.5),
    SetCine(0, playing=True, fps=math.nan),
    SetImage(0, ImageRef(Uid("1.2"), Uid("1.2.3"), Uid("1.2.3.4"), frame=0)),
]


@pytest.mark.parametrize("command", BAD_VIEW_VALUES)
def test_meaningless_values_are_bad_requests(h, command):
    h.refuse("host", command, ErrorCode.BAD_REQUEST)


def test_edge_values_are_accepted(h):
    h.send("host", SetPresentation(0, Presentation(zoom=100.0, pan=(100.0, -100.0))))
    h.send("host", SetPresentation(0, Presentation(zoom=0.0101)))
    h.send("host", SetCine(0, playing=True, fps=120.0))
    h.send("host", SetVoi(0, Voi(-1000.0, 1e-6)))


def test_images_outside_the_attached_studies_are_not_found(h):
    """With no study attached any image is shown; once one is, only its images are."""
    h.send("host", SetImage(0, OTHER))
    h.send("host", AttachStudy(IMAGE.study, "CT chest", series=(IMAGE.series,)))
    h.refuse("host", SetImage(0, OTHER), ErrorCode.NOT_FOUND)
    other_series = ImageRef(IMAGE.study, Uid("1.2.3.99"), Uid("1.2.3.99.1"))
    h.refuse("host", SetImage(0, other_series), ErrorCode.NOT_FOUND)
    assert h.send("host", SetImage(0, IMAGE)) == [ImageChanged(0, IMAGE)]


def test_a_study_without_a_series_list_admits_all_its_series(h):
    h.send("host", AttachStudy(IMAGE.study))
    any_series = ImageRef(IMAGE.study, Uid("1.2.3.99"), Uid("1.2.3.99.1"), frame=3)
    assert h.send("host", SetImage(0, any_series)) == [ImageChanged(0, any_series)]


def test_a_participant_given_control_drives(bare):
    bare.join("pres", Role.PRESENTER)
    bare.join("mod", Role.HOST, grants={Grant.MODERATE})
    bare.refuse("pres", SetLayout(Layout.GRID), ErrorCode.FORBIDDEN)
    bare.send("pres", RequestControl())
    assert bare.send("pres", SetLayout(Layout.GRID)) == [LayoutChanged(Layout.GRID)]
