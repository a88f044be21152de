"""Typed identifiers used across the room core."""

from typing import NewType

RoomId = NewType("RoomId", str)
"""A room's id: 1-64 chars of ``[A-Za-z0-9_-]``."""

ParticipantId = NewType("ParticipantId", str)
"""A participant's stable identity (the token's ``sub``)."""

AnnotationId = NewType("AnnotationId", str)
"""Client-proposed, room-unique annotation id (1-64 printable ASCII chars)."""

Uid = NewType("Uid", str)
"""A DICOM UID: digits and dots, at most 64 chars."""

Seq = NewType("Seq", int)
"""A room's event sequence number; strictly increasing from 1."""
