"""Annotations: anyone with ANNOTATE draws; the author (or a moderator) edits and deletes.

Edits carry the version they were based on; a stale version is refused with ``conflict``
so two people editing the same measurement never silently overwrite each other.
"""

from dataclasses import replace

from session.checks import Actor, check_image, check_position
from session.commands import CreateAnnotation, DeleteAnnotation, UpdateAnnotation
from session.errors import ErrorCode, Rejected
from session.events import AnnotationCreated, AnnotationDeleted, AnnotationUpdated, Event
from session.grants import Grant
from session.ids import AnnotationId
from session.model import Annotation, AnnotationKind
from session.state import RoomState

MAX_ANNOTATIONS = 2000
MAX_ANNOTATION_TEXT = 500

AnnotationCommand = CreateAnnotation | UpdateAnnotation | DeleteAnnotation


def decide_annotation(state: RoomState, actor: Actor, command: AnnotationCommand) -> list[Event]:
    match command:
        case CreateAnnotation():
            return [AnnotationCreated(_create(state, actor, command))]
        case UpdateAnnotation(annotation_id, base_version, points, text):
            current = _editable(state, actor, annotation_id, base_version)
            _check_shape(current.kind, points, text)
            changed = replace(current, points=points, text=text, version=current.version + 1)
            return [AnnotationUpdated(changed)]
        case _:
            current = _editable(state, actor, command.id, command.base_version)
            return [AnnotationDeleted(current.id, current.version)]


def _create(state: RoomState, actor: Actor, command: CreateAnnotation) -> Annotation:
    author = actor.require_id()
    actor.require(Grant.ANNOTATE)
    if command.id in state.annotations:
        raise Rejected(ErrorCode.CONFLICT, f"annotation id {command.id!r} is taken")
    if len(state.annotations) >= MAX_ANNOTATIONS:
        raise Rejected(ErrorCode.TOO_LARGE, f"a room holds at most {MAX_ANNOTATIONS} annotations")
    check_image(state, command.image)
    _check_shape(command.kind, command.points, command.text)
    return Annotation(
        command.id, command.kind, command.image, command.points, author, 1, command.text
    )


def _editable(
    state: RoomState, actor: Actor, annotation_id: AnnotationId, base_version: int
) -> Annotation:
    """The annotation, if the sender may change it and edits the current version."""
    sender = actor.require_id()
    current = state.annotations.get(annotation_id)
    if current is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no annotation {annotation_id!r}")
    own = current.author == sender and actor.has(Grant.ANNOTATE)
    if not (own or actor.has(Grant.MODERATE)):
        raise Rejected(ErrorCode.FORBIDDEN, "only its author or a moderator can change it")
    if base_version != current.version:
        message = f"annotation is at version {current.version}, not {base_version}"
        raise Rejected(ErrorCode.CONFLICT, message)
    return current


def _check_shape(kind: AnnotationKind, points: tuple[tuple[float, float], ...], text: str) -> None:
    if len(points) != kind.point_count:
        message = f"a {kind} annotation has {kind.point_count} points, not {len(points)}"
        raise Rejected(ErrorCode.BAD_REQUEST, message)
    for point in points:
        check_position(point)
    if len(text) > MAX_ANNOTATION_TEXT:
        message = f"annotation text is at most {MAX_ANNOTATION_TEXT} characters"
        raise Rejected(ErrorCode.BAD_REQUEST, message)
