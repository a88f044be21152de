"""One-line calls for HTTP routes: who read, minted, deleted or exported what.

Each takes the request, finds the audit (``state.audit``; nothing happens while it is not
running) and the caller (the admin API key, a room or recording-viewer token, or a signed
media URL), and queues one entry. None of them raises: a route's answer never depends on
its audit call (the call comes after the route's own checks passed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from starlette.requests import HTTPConnection

from server.appstate import app_state
from server.audit.service import Actor, AuditLog
from server.auth import bearer_token, is_api_key
from server.tokens import Claims, KeyRing, TokenError, TokenKind, verify_room_token

log = logging.getLogger(__name__)
ADMIN = Actor("admin", "admin")


class SeriesLike(Protocol):
    @property
    def study_uid(self) -> str: ...
    @property
    def series_uid(self) -> str: ...


def _audit(conn: HTTPConnection) -> AuditLog | None:
    return app_state(conn).audit


def _claims(keys: KeyRing, token: str | None) -> Claims | None:
    for kind in TokenKind:
        try:
            return verify_room_token(keys, token, kind=kind)
        except TokenError:
            continue
    return None


def caller(conn: HTTPConnection) -> tuple[Actor, str | None]:
    """Who is asking, and the room their token is for (None for the admin).

    The route has checked the token already; naming its holder again costs a signature
    check per request (a viewer fetches hundreds of frames), so the audit remembers the
    names of the tokens it has seen (a token's identity never changes)."""
    if is_api_key(conn):
        return ADMIN, None
    token = bearer_token(conn)
    audit = _audit(conn)
    known = audit.names.get(token) if audit is not None and token else None
    if known is not None:
        return known
    claims = _claims(app_state(conn).keys, token)
    if claims is None:
        return Actor("anonymous"), None  # e.g. a signed media URL
    named = Actor(claims.sub, claims.role.value), str(claims.room)
    if audit is not None and token:
        audit.names.remember(token, named)
    return named


def series_read(conn: HTTPConnection, records: Iterable[SeriesLike]) -> None:
    """A DICOMweb read (instances, metadata, frames, rendered, bulk data): one count per series."""
    audit = _audit(conn)
    if audit is None:
        return
    actor, room = caller(conn)
    for study, series in sorted({(r.study_uid, r.series_uid) for r in records}):
        audit.read("series.read", actor, room, {"study": study, "series": series})


def recording_read(conn: HTTPConnection, recording: str, room: str) -> None:
    audit = _audit(conn)
    if audit is not None:
        audit.read("recording.read", caller(conn)[0], room, {"recording": recording})


def recording_deleted(conn: HTTPConnection, recording: str, room: str) -> None:
    _record(conn, "recording.deleted", room, {"recording": recording})


def exported(
    conn: HTTPConnection,
    action: str,
    room: str | None,
    subject: Mapping[str, str],
    details: Mapping[str, Any] | None = None,
) -> None:
    """An export or a de-identified copy left the server (``action``: ``export.*``)."""
    _record(conn, action, room, subject, details)


def changed(
    conn: HTTPConnection,
    action: str,
    subject: Mapping[str, str],
    details: Mapping[str, Any] | None = None,
) -> None:
    """Something changed over HTTP (e.g. a series' redaction): in the caller's room."""
    audit = _audit(conn)
    if audit is not None:
        actor, room = caller(conn)
        audit.record(action, actor, room, subject=subject, details=details)


def token_minted(conn: HTTPConnection, token: str) -> None:
    """A token minted over HTTP (invite, recording viewer); the claims come from the token."""
    audit = _audit(conn)
    claims = _claims(app_state(conn).keys, token) if audit is not None else None
    if audit is None or claims is None:
        return
    audit.record(
        "token.minted",
        caller(conn)[0],
        str(claims.room),
        subject={"jti": claims.jti, "participant": claims.sub},
        details=minted_details(claims),
    )


def minted_details(claims: Claims) -> dict[str, Any]:
    grants = None if claims.grants is None else sorted(g.value for g in claims.grants)
    return {
        "kind": claims.kind.value,
        "role": claims.role.value,
        "grants": grants,
        "expires_at": claims.exp,
        "name": claims.name,
    }


def token_revoked(
    conn: HTTPConnection,
    room: str | None,
    *,
    jti: str | None = None,
    identity: str | None = None,
) -> None:
    """A revocation (by token id, or of every token of an identity in a room)."""
    subject = {k: v for k, v in (("jti", jti), ("participant", identity)) if v is not None}
    _record(conn, "token.revoked", room, subject)


def _record(
    conn: HTTPConnection,
    action: str,
    room: str | None,
    subject: Mapping[str, str],
    details: Mapping[str, Any] | None = None,
) -> None:
    audit = _audit(conn)
    if audit is not None:
        audit.record(action, caller(conn)[0], room, subject=subject, details=details)
