"""Who may read or write which study.

A room token reads a study iff its identity is not banned from the token's room
(``server.membership``) and the study is attached to that room right now (the room's own
state, read from its host between awaits); a study attached with a series list admits only
those series, at every level: a study-level resource (retrieve, ``/metadata``, a QIDO search)
holds only the admitted series (``series_scope``), an explicit other series is 403. The admin
API key reads everything. Uploads (STOW-RS) need the
admin key or a room token whose holder has ``manage_case`` in the room.

A recording-viewer token (a trainee watching a recording) reads, never writes, the studies
its room showed in its recordings: the recorder publishes that set as
``state.recorded_studies`` (room id -> studies); without a recorder it reads
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from server.appstate import AppState, app_state
from server.auth import ApiError, bearer_token, is_api_key, require_room_token
from server.membership import admitted, hosted_grants
from server.tokens import Claims, TokenError, TokenKind, verify_room_token
from session.errors import ErrorCode
from session.grants import Grant
from session.ids import Uid
from session.model import Study


@dataclass(frozen=True, slots=True)
class Reader:
    """The authenticated caller: the admin (``claims`` None) or a room token's holder."""

    claims: Claims | None

    @property
    def admin(self) -> bool:
        return self.claims is None


def authenticate(conn: HTTPConnection) -> Reader:
    """The admin key, a valid room token or a valid recording-viewer token, else 401."""
    if is_api_key(conn):
        return Reader(None)
    try:
        token = bearer_token(conn)
        return Reader(
            verify_room_token(app_state(conn).keys, token, kind=TokenKind.RECORDING_VIEWER)
        )
    except TokenError:
        return Reader(admitted(app_state(conn), require_room_token(conn)))


def room_studies(state: AppState, reader: Reader) -> dict[Uid, Study] | None:
    """The studies the caller's room admits; None means every study (admin)."""
    if reader.claims is None:
        return None
    if reader.claims.kind is TokenKind.RECORDING_VIEWER:
        recorded = state.recorded_studies
        return recorded(reader.claims.room) if recorded is not None else {}
    host = state.rooms.get(reader.claims.room)
    if host is None or host.room.closed:
        return {}
    return host.room.snapshot().state.studies


def admits(studies: dict[Uid, Study] | None, study_uid: str, series_uid: str | None = None) -> bool:
    if studies is None:
        return True
    study = studies.get(Uid(study_uid))
    if study is None:
        return False
    return series_uid is None or not study.series or Uid(series_uid) in study.series


def series_scope(studies: dict[Uid, Study] | None, study_uid: str) -> frozenset[Uid] | None:
    """The series of the study the caller may read; None: every series."""
    study = studies.get(Uid(study_uid)) if studies is not None else None
    return frozenset(study.series) if study is not None and study.series else None


def require_study(conn: HTTPConnection, study_uid: str, series_uid: str | None = None) -> Reader:
    """401 without credentials, 403 if the caller's room does not admit the study/series."""
    return require_scope(conn, study_uid, series_uid)[0]


def require_scope(
    conn: HTTPConnection, study_uid: str, series_uid: str | None = None
) -> tuple[Reader, frozenset[Uid] | None]:
    """``require_study``, and the series of the study the caller may read (None: all)."""
    reader = authenticate(conn)
    studies = room_studies(app_state(conn), reader)
    if not admits(studies, study_uid, series_uid):
        raise ApiError(ErrorCode.FORBIDDEN, "the study is not attached to this token's room")
    return reader, series_scope(studies, study_uid)


def require_uploader(conn: HTTPConnection) -> Reader:
    """The admin, or a room token whose holder has manage_case (current room grants win)."""
    if is_api_key(conn):
        return Reader(None)
    claims = require_room_token(conn)  # a recording-viewer token never writes
    grants = hosted_grants(app_state(conn), claims)  # None: the room is not open here
    if grants is None or Grant.MANAGE_CASE not in grants:
        raise ApiError(ErrorCode.FORBIDDEN, "uploading needs the manage_case grant in an open room")
    return Reader(claims)
