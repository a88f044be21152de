"""MPR: the driver's whole reconstruction (series, crosshair point, plane cameras, window)."""

import pytest

from session.commands import AttachStudy, DetachStudy, SetMpr
from session.errors import ErrorCode
from session.events import MprChanged
from session.ids import Uid
from session.model import Mpr, MprPlane, Voi

MPR = Mpr(
    Uid("1.2.3"),
    Uid("1.2.3.4"),
    (10.0, -20.5, 33.0),
    (MprPlane(), MprPlane(2.0, (0.25, -0.5), 5.0), MprPlane(slab=0.0)),
    Voi(40.0, 400.0),
)


def test_the_driver_sets_and_leaves_the_mpr(h):
    assert h.send("host", SetMpr(MPR)) == [MprChanged(MPR)]
    assert h.state.mpr == MPR
    assert h.send("host", SetMpr(None)) == [MprChanged(None)]
    assert h.state.mpr is None


def test_the_stack_layout_is_kept_under_the_mpr(h):
    before = list(h.state.viewports), h.state.layout
    h.send("host", SetMpr(MPR))
    h.send("host", SetMpr(None))
    assert (list(h.state.viewports), h.state.layout) == before


def test_only_the_driver_sets_the_mpr(h):
    assert "control" in h.refuse("doc", SetMpr(MPR), ErrorCode.FORBIDDEN)
    assert "drive" in h.refuse("obs", SetMpr(None), ErrorCode.FORBIDDEN)
    assert h.state.mpr is None


def test_the_series_must_be_attached_once_a_study_is(h):
    h.send("host", AttachStudy(Uid("9.9")))
    assert "MPR series" in h.refuse("host", SetMpr(MPR), ErrorCode.NOT_FOUND)
    h.send("host", AttachStudy(Uid("1.2.3")))
    assert h.send("host", SetMpr(MPR)) == [MprChanged(MPR)]


def test_a_study_shown_in_mpr_cannot_be_detached(h):
    h.send("host", AttachStudy(Uid("1.2.3")))
    h.send("host", SetMpr(MPR))
    h.refuse("host", DetachStudy(Uid("1.2.3")), ErrorCode.CONFLICT)
    h.send("host", SetMpr(None))
    assert h.send("host", DetachStudy(Uid("1.2.3")))


@pytest.mark.parametrize(
    "bad",
    [
        Mpr(MPR.study, MPR.series, (0.0, float("nan"), 0.0)),
        Mpr(MPR.study, MPR.series, (2e6, 0.0, 0.0)),
        Mpr(MPR.study, MPR.series, (0.0, 0.0, 0.0), (MprPlane(zoom=0.0),) * 3),
        Mpr(MPR.study, MPR.series, (0.0, 0.0, 0.0), (MprPlane(pan=(101.0, 0.0)),) * 3),
        Mpr(MPR.study, MPR.series, (0.0, 0.0, 0.0), (MprPlane(slab=-1.0),) * 3),
        Mpr(MPR.study, MPR.series, (0.0, 0.0, 0.0), (MprPlane(slab=501.0),) * 3),
        Mpr(MPR.study, MPR.series, (0.0, 0.0, 0.0), voi=Voi(40.0, 0.0)),
    ],
)
def test_bad_values_are_refused_and_change_nothing(h, bad):
    h.send("host", SetMpr(MPR))
    h.refuse("host", SetMpr(bad), ErrorCode.BAD_REQUEST)
    assert h.state.mpr == MPR
