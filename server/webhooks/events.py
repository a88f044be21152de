"""What a webhook announces, and the JSON body of each announcement.

Bodies carry ids, names and roles, never patient data or image content: the room's title
(which may name a patient) is left out too; a receiver that needs it asks the admin API.
Every announcement has a stable ``id`` (the room's id and the event's seq), so a re-sent or
re-observed event (a restart, a room moving node) is stored and delivered once per endpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from recorder.format import Manifest
from session.events import ParticipantJoined, ParticipantLeft, RoomClosed, Stamped
from session.ids import RoomId


class WebhookEvent(StrEnum):
    ROOM_STARTED = "room_started"
    ROOM_ENDED = "room_ended"
    PARTICIPANT_JOINED = "participant_joined"
    PARTICIPANT_LEFT = "participant_left"
    RECORDING_FINISHED = "recording_finished"
    # Reserved: emitted once signed consultation reports exist (issue 12 names it).
    REPORT_SIGNED = "report_signed"


@dataclass(frozen=True, slots=True)
class Announcement:
    """One event to deliver to every endpoint subscribed to ``event``."""

    id: str
    event: WebhookEvent
    body: bytes


def _announce(event_id: str, event: WebhookEvent, at: float, **fields: Any) -> Announcement:
    payload = {"id": event_id, "event": event.value, "created_at": at, **fields}
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Announcement(event_id, event, body)


def room_started(room: RoomId, at: float) -> Announcement:
    return _announce(f"{room}:started", WebhookEvent.ROOM_STARTED, at, room={"id": room})


def from_stamped(room: RoomId, stamped: Stamped) -> Announcement | None:
    """The announcement of one room event, or None if it is not announced."""
    event, event_id = stamped.event, f"{room}:{stamped.seq}"
    room_json = {"id": room}
    if isinstance(event, ParticipantJoined):
        person = {"id": event.participant, "name": event.name, "role": event.role.value}
        return _announce(
            event_id,
            WebhookEvent.PARTICIPANT_JOINED,
            stamped.at,
            room=room_json,
            participant=person,
        )
    if isinstance(event, ParticipantLeft):
        person = {"id": event.participant, "reason": event.reason}
        return _announce(
            event_id, WebhookEvent.PARTICIPANT_LEFT, stamped.at, room=room_json, participant=person
        )
    if isinstance(event, RoomClosed):
        return _announce(
            event_id, WebhookEvent.ROOM_ENDED, stamped.at, room=room_json, reason=event.reason
        )
    return None


def recording_finished(manifest: Manifest) -> Announcement:
    recording = {
        "id": manifest.id,
        "status": manifest.status.value,
        "started_at": manifest.started_at,
        "ended_at": manifest.ended_at,
        "reason": manifest.reason,
        "events": manifest.events,
        "tracks": len(manifest.tracks),
    }
    at = manifest.ended_at or manifest.started_at
    return _announce(
        f"recording:{manifest.id}",
        WebhookEvent.RECORDING_FINISHED,
        at,
        room={"id": manifest.room},
        recording=recording,
    )
