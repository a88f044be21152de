"""Annotations: grants, authorship, optimistic versions and geometry checks."""

import math

import pytest

from session.commands import (
    AttachStudy,
    CreateAnnotation,
    DeleteAnnotation,
    SetGrants,
    UpdateAnnotation,
)
from session.errors import ErrorCode
from session.events import AnnotationCreated, AnnotationDeleted, AnnotationUpdated
from session.grants import Grant, Role
from session.ids import AnnotationId, ParticipantId, Uid
from session.model import Annotation, AnnotationKind, ImageRef

IMAGE = ImageRef(Uid("1.2.3"), Uid("1.2.3.4"), Uid("1.2.3.4.5"))
LINE = ((10.0, 20.0), (30.0, 40.0))
A1 = AnnotationId("a1")


def create(annotation_id: str = "a1", **changes: object) -> CreateAnnotation:
    fields: dict[str, object] = {
        "id": AnnotationId(annotation_id),
        "kind": AnnotationKind.LENGTH,
        "image": IMAGE,
        "points": LINE,
        "text": "",
    }
    fields.update(changes)
    return CreateAnnotation(**fields)  # type: ignore[arg-type]


def test_create_makes_version_one_by_the_sender(h):
    events = h.send("doc", create(text="12 mm"))
    expected = Annotation(A1, AnnotationKind.LENGTH, IMAGE, LINE, ParticipantId("doc"), 1, "12 mm")
    assert events == [AnnotationCreated(expected)]
    assert h.state.annotations == {A1: expected}


def test_annotating_needs_no_control_but_the_grant(h):
    h.send("doc2", create())  # doc2 does not drive
    h.refuse("obs", create("a2"), ErrorCode.FORBIDDEN)
    h.refuse(None, create("a3"), ErrorCode.BAD_REQUEST)  # the server is nobody's author


@pytest.mark.parametrize(
    "command",
    [
        create(points=((1.0, 2.0),)),  # a length has two points
        create(kind=AnnotationKind.ANGLE),  # an angle has three
        create(points=((1.0, math.nan), (3.0, 4.0))),
        create(points=((1.0, 2.0), (math.inf, 4.0))),
        create(points=((1.0, 2.0), (1e6 + 1, 4.0))),
        create(text="x" * 501),
        create(image=ImageRef(IMAGE.study, IMAGE.series, IMAGE.sop, frame=0)),
    ],
)
def test_bad_geometry_and_text_are_bad_requests(h, command):
    h.refuse("doc", command, ErrorCode.BAD_REQUEST)


@pytest.mark.parametrize(
    ("kind", "count"),
    [
        (AnnotationKind.PROBE, 1),
        (AnnotationKind.ARROW, 2),
        (AnnotationKind.ANGLE, 3),
        (AnnotationKind.ELLIPSE, 4),
        (AnnotationKind.RECTANGLE, 4),
    ],
)
def test_each_kind_takes_its_point_count(h, kind, count):
    points = tuple((float(i), -1e6) for i in range(count))
    h.send("doc", create(kind=kind, points=points, text="x" * 500))


def test_ids_are_unique(h):
    h.send("doc", create())
    assert "taken" in h.refuse("doc2", create(), ErrorCode.CONFLICT)


def test_annotations_must_be_on_an_attached_study_once_one_is(h):
    h.send("host", AttachStudy(Uid("7.7")))
    h.refuse("doc", create(), ErrorCode.NOT_FOUND)


def test_a_room_holds_at_most_2000_annotations(h):
    for n in range(2000):
        h.room.handle(ParticipantId("doc"), create(f"n{n}"), h.tick())
    assert len(h.state.annotations) == 2000
    h.refuse("doc", create("one-more"), ErrorCode.TOO_LARGE)


def test_update_bumps_the_version_and_keeps_kind_image_author(h):
    h.send("doc", create())
    moved = ((11.0, 21.0), (31.0, 41.0))
    (event,) = h.send("doc", UpdateAnnotation(A1, 1, moved, "note"))
    assert isinstance(event, AnnotationUpdated)
    changed = event.annotation
    assert (changed.version, changed.points, changed.text) == (2, moved, "note")
    assert (changed.kind, changed.image, changed.author) == (AnnotationKind.LENGTH, IMAGE, "doc")
    assert h.state.annotations[A1] == changed


def test_update_refusals(h):
    h.send("doc", create())
    h.refuse("doc", UpdateAnnotation(AnnotationId("nope"), 1, LINE), ErrorCode.NOT_FOUND)
    h.refuse("doc2", UpdateAnnotation(A1, 1, LINE), ErrorCode.FORBIDDEN)  # not the author
    h.refuse("doc", UpdateAnnotation(A1, 2, LINE), ErrorCode.CONFLICT)  # stale base
    h.refuse("doc", UpdateAnnotation(A1, 1, LINE[:1]), ErrorCode.BAD_REQUEST)
    h.refuse("doc", UpdateAnnotation(A1, 1, LINE, "x" * 501), ErrorCode.BAD_REQUEST)
    h.refuse(None, UpdateAnnotation(A1, 1, LINE), ErrorCode.BAD_REQUEST)


def test_concurrent_edits_conflict_instead_of_overwriting(h):
    h.send("doc", create())
    h.send("host", UpdateAnnotation(A1, 1, LINE, "host edit"))  # a moderator may edit it
    assert "version 2" in h.refuse("doc", UpdateAnnotation(A1, 1, LINE, "x"), ErrorCode.CONFLICT)
    h.send("doc", UpdateAnnotation(A1, 2, LINE, "rebased"))


def test_an_author_who_lost_annotate_cannot_edit(h):
    h.send("doc", create())
    h.send("host", SetGrants(ParticipantId("doc"), frozenset()))
    h.refuse("doc", UpdateAnnotation(A1, 1, LINE), ErrorCode.FORBIDDEN)


def test_delete_by_author_or_moderator_at_the_current_version(h):
    h.send("doc", create("a1"))
    h.send("doc", create("a2"))
    h.refuse("doc2", DeleteAnnotation(A1, 1), ErrorCode.FORBIDDEN)
    h.refuse("doc", DeleteAnnotation(A1, 3), ErrorCode.CONFLICT)
    h.refuse("doc", DeleteAnnotation(AnnotationId("nope"), 1), ErrorCode.NOT_FOUND)
    assert h.send("doc", DeleteAnnotation(A1, 1)) == [AnnotationDeleted("a1", 1)]
    assert h.send("host", DeleteAnnotation(AnnotationId("a2"), 1)) == [AnnotationDeleted("a2", 1)]
    assert h.state.annotations == {}


def test_a_moderator_without_annotate_may_still_clean_up(bare):
    bare.join("doc")
    bare.join("mod", Role.OBSERVER, grants={Grant.MODERATE})
    bare.send("doc", create())
    bare.send("mod", DeleteAnnotation(A1, 1))
