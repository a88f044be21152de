"""Which room events the audit keeps, and how each one reads as an audit entry.

Kept: who joined, came online, went offline, left or was kicked; grant and control changes;
annotations; study attach/detach; key images; recording on/off; the room's close. Not kept:
the shared view (image, window, zoom: dozens a second while someone drives), pointers, media
flags and chat text (the chat is in the room log and the recording; the audit records who
did what to which patient's images, not what was said).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from session.events import (
    AnnotationCreated,
    AnnotationDeleted,
    AnnotationUpdated,
    ControlChanged,
    ControlRequested,
    Event,
    GrantsChanged,
    KeyImageChanged,
    ParticipantJoined,
    ParticipantLeft,
    PresenceChanged,
    RecordingChanged,
    RoomClosed,
    StudyAttached,
    StudyDetached,
)
from session.model import Annotation, ImageRef


@dataclass(frozen=True, slots=True)
class Fact:
    """An audit-worthy event: the action, what it concerns, and the particulars."""

    action: str
    subject: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


def _image(image: ImageRef) -> dict[str, str]:
    return {"study": image.study, "series": image.series, "sop": image.sop}


def _annotation(action: str, annotation: Annotation) -> Fact:
    subject = {"annotation": annotation.id, **_image(annotation.image)}
    details = {
        "kind": annotation.kind.value,
        "version": annotation.version,
        "author": annotation.author,
    }
    return Fact(action, subject, details)


def _membership(event: Event) -> Fact | None:
    match event:
        case ParticipantJoined(participant=who, name=name, role=role, grants=grants):
            details = {"name": name, "role": role.value, "grants": sorted(g.value for g in grants)}
            return Fact("participant.joined", {"participant": who}, details)
        case PresenceChanged(participant=who, online=online):
            return Fact(
                "participant.online" if online else "participant.offline", {"participant": who}
            )
        case ParticipantLeft(participant=who, reason="kicked"):
            return Fact("participant.kicked", {"participant": who})
        case ParticipantLeft(participant=who, reason=reason):
            return Fact("participant.left", {"participant": who}, {"reason": reason})
        case GrantsChanged(participant=who, grants=grants):
            return Fact(
                "grants.changed", {"participant": who}, {"grants": sorted(g.value for g in grants)}
            )
    return None


def _work(event: Event) -> Fact | None:  # noqa: PLR0911 - one line per kept event
    match event:
        case ControlChanged(driver=driver):
            return Fact("control.changed", {"participant": driver or ""})
        case ControlRequested(participant=who):
            return Fact("control.requested", {"participant": who})
        case AnnotationCreated(annotation=annotation):
            return _annotation("annotation.created", annotation)
        case AnnotationUpdated(annotation=annotation):
            return _annotation("annotation.updated", annotation)
        case AnnotationDeleted(id=annotation_id, version=version):
            return Fact("annotation.deleted", {"annotation": annotation_id}, {"version": version})
        case KeyImageChanged(image=image, marked=marked):
            return Fact("key_image.marked" if marked else "key_image.unmarked", _image(image))
    return None


def _case(event: Event) -> Fact | None:
    match event:
        case StudyAttached(study=study):
            details = {"description": study.description, "series": list(study.series)}
            return Fact("study.attached", {"study": study.uid}, details)
        case StudyDetached(uid=uid):
            return Fact("study.detached", {"study": uid})
        case RecordingChanged(recording=on):
            return Fact("recording.started" if on else "recording.stopped")
        case RoomClosed(reason=reason):
            return Fact("room.closed", details={"reason": reason})
    return None


def fact_for(event: Event) -> Fact | None:
    """The audit entry's content for a room event, or None when the audit skips it."""
    return _membership(event) or _work(event) or _case(event)
