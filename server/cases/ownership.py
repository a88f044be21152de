"""Which rooms a stored study belongs to, and which rooms it is shared with.

One row of ``study_rooms`` (in the index, so it commits with the import that made it) per
study and room:

- ``owner``: the room that imported, pulled (PACS) or uploaded (STOW) the study; the admin
  API key may name more owners. An owner room adds instances and shares the study.
- ``shared``: a room an owner (or the admin) shared the study with, or a room the admin
  attached it to. That room may attach and read the study; it never writes to it.

A study without a row is *unowned* (an admin import that named no room): only the API key
reaches it, until it attaches or shares it. A room's own upload into a study that exists
and is not its own (owned elsewhere, or unowned) is refused; so is a duplicate of one of its
instances, which would otherwise make the uploader an owner. docs/security/ownership.md.
"""

from __future__ import annotations

import enum
import sqlite3
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS study_rooms (
    study_uid TEXT NOT NULL, room_id TEXT NOT NULL, access TEXT NOT NULL,
    PRIMARY KEY (study_uid, room_id)
);
CREATE INDEX IF NOT EXISTS study_rooms_by_room ON study_rooms(room_id);
"""


class Access(enum.StrEnum):
    OWNER = "owner"
    SHARED = "shared"


@dataclass(frozen=True, slots=True)
class Uploader:
    """The room an import is made for.

    ``enforce``: a room's own upload (STOW with a room token), refused into a study the room
    does not own. Without it (the API key naming a room), the room becomes an owner anyway.
    """

    room: str
    enforce: bool = True


def rooms(conn: sqlite3.Connection, study_uid: str) -> dict[str, Access]:
    sql = "SELECT room_id, access FROM study_rooms WHERE study_uid=? ORDER BY room_id"
    return {room: Access(access) for room, access in conn.execute(sql, (study_uid,))}


def study_exists(conn: sqlite3.Connection, study_uid: str) -> bool:
    sql = "SELECT 1 FROM studies WHERE study_uid=?"
    return conn.execute(sql, (study_uid,)).fetchone() is not None


def upload_refusal(conn: sqlite3.Connection, study_uid: str, uploader: Uploader) -> str | None:
    """Why ``uploader`` may not add instances to ``study_uid`` (None: it may)."""
    if not uploader.enforce or not study_exists(conn, study_uid):
        return None
    if rooms(conn, study_uid).get(uploader.room) is Access.OWNER:
        return None
    return f"study {study_uid} is stored already and does not belong to room {uploader.room}"


def grant(conn: sqlite3.Connection, study_uid: str, room: str, access: Access) -> None:
    """Give ``room`` ``access`` to the study; an owner stays an owner when shared with."""
    conn.execute(
        "INSERT INTO study_rooms VALUES (?,?,?) ON CONFLICT(study_uid, room_id) DO UPDATE"
        " SET access = CASE WHEN access = 'owner' THEN 'owner' ELSE excluded.access END",
        (study_uid, room, access.value),
    )


def unshare(conn: sqlite3.Connection, study_uid: str, room: str) -> bool:
    """Take a share back (an owner row is left alone); True if there was one."""
    sql = "DELETE FROM study_rooms WHERE study_uid=? AND room_id=? AND access='shared'"
    return conn.execute(sql, (study_uid, room)).rowcount > 0
