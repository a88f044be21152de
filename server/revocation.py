"""The token revocation list: what the server no longer trusts, checked by every verification.

An entry revokes one of:

- ``jti``: one token, or one invite and every access token bought with it (``Claims.origin_jti``);
- ``room``: every token of a room issued (``origin_iat``) at or before the revocation;
- ``identity``: every token of one identity issued at or before it, in one room or everywhere.

Room and identity entries compare issue times (``iat`` carries milliseconds), so tokens
minted after the revocation work again (a new invite for the same person). Every entry
expires ``max_token_ttl_s`` after it was made: by then every token it could match has expired
anyway, so the list stays as small as the revocations of the last week.

``RevocationList`` is the in-memory copy a node checks synchronously (``KeyRing.revoked``);
``Revoker`` keeps it, the durable store (``server.revocation_store``: SQLite in the data dir, or
Redis shared by every node) and the live sockets in step: a revocation made on any node closes
the matching sockets on every node with 4014.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Protocol

from server.tokens import IDENTITY_RE, ROOM_ID_RE, Claims
from session.codec import CloseCode

log = logging.getLogger(__name__)
MAX_JTI_CHARS = 128
MAX_REASON_CHARS = 200


class Scope(StrEnum):
    JTI = "jti"
    ROOM = "room"
    IDENTITY = "identity"


class BadRevocation(ValueError):
    """A revocation request that names nothing valid (the admin API answers 400)."""


@dataclass(frozen=True, slots=True)
class Revocation:
    id: str
    scope: Scope
    revoked_at: float
    expires_at: float
    jti: str | None = None
    room: str | None = None
    identity: str | None = None
    reason: str = ""

    def matches(self, claims: Claims) -> bool:
        match self.scope:
            case Scope.JTI:
                return self.jti in (claims.jti, claims.origin_jti)
            case Scope.ROOM:
                return claims.room == self.room and self._issued_before(claims)
            case Scope.IDENTITY:
                in_room = self.room is None or claims.room == self.room
                return claims.sub == self.identity and in_room and self._issued_before(claims)

    def _issued_before(self, claims: Claims) -> bool:
        return claims.origin_iat <= self.revoked_at

    def describe(self) -> str:
        where = f" in room {self.room}" if self.room and self.scope is Scope.IDENTITY else ""
        target = {Scope.JTI: self.jti, Scope.ROOM: self.room, Scope.IDENTITY: self.identity}
        return f"revoked ({self.scope} {target[self.scope]}{where})"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Revocation:
        return cls(**(data | {"scope": Scope(data["scope"])}))


def new_revocation(body: dict[str, Any], now: float, lifetime_s: float) -> Revocation:
    """Validate an admin request ``{jti} | {room} | {identity[, room]}`` (+ ``reason``)."""
    jti, room, identity = (body.get(k) for k in ("jti", "room", "identity"))
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS:
        raise BadRevocation(f"reason must be a string <= {MAX_REASON_CHARS} characters")
    scope = _scope(jti, room, identity)
    return Revocation(
        id=secrets.token_urlsafe(9),
        scope=scope,
        revoked_at=now,
        expires_at=now + lifetime_s,
        jti=jti,
        room=room,
        identity=identity,
        reason=reason,
    )


def _scope(jti: object, room: object, identity: object) -> Scope:
    if jti is not None:
        if room is not None or identity is not None:
            raise BadRevocation("a jti revocation names nothing else")
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_CHARS:
            raise BadRevocation(f"jti must be 1-{MAX_JTI_CHARS} characters")
        return Scope.JTI
    if room is not None and (not isinstance(room, str) or not ROOM_ID_RE.match(room)):
        raise BadRevocation("room must be 1-64 of [A-Za-z0-9_-]")
    if identity is not None:
        if not isinstance(identity, str) or not IDENTITY_RE.match(identity):
            raise BadRevocation("identity must be 1-64 printable ASCII")
        return Scope.IDENTITY
    if room is None:
        raise BadRevocation("name a jti, a room or an identity")
    return Scope.ROOM


class RevocationList:
    """The node's copy of the list; ``check`` is ``KeyRing.revoked``."""

    def __init__(self) -> None:
        self._entries: dict[str, Revocation] = {}

    def check(self, claims: Claims, now: float) -> str | None:
        for entry in self._entries.values():
            if entry.expires_at > now and entry.matches(claims):
                return entry.describe()
        return None

    def put(self, entry: Revocation) -> None:
        self._entries[entry.id] = entry

    def drop(self, entry_id: str) -> None:
        self._entries.pop(entry_id, None)

    def replace(self, entries: list[Revocation]) -> None:
        self._entries = {entry.id: entry for entry in entries}

    def current(self, now: float) -> list[Revocation]:
        live = (e for e in self._entries.values() if e.expires_at > now)
        return sorted(live, key=lambda e: e.revoked_at)


@dataclass(frozen=True, slots=True)
class Change:
    """What a store reports (also what other nodes published): an entry added or lifted."""

    added: Revocation | None = None
    lifted: str | None = None
    everything: tuple[Revocation, ...] | None = None  # a resync: the whole list as stored


class RevocationStore(Protocol):
    """Durable home of the list: SQLite (one node) or Redis (shared, with pub/sub)."""

    async def start(self, on_change: Callable[[Change], None]) -> list[Revocation]:
        """Open, return the stored entries; later changes (from any node) go to ``on_change``."""

    async def stop(self) -> None: ...
    async def add(self, entry: Revocation) -> None: ...
    async def lift(self, entry_id: str) -> bool: ...


class ClosesSockets(Protocol):
    def close_matching(self, entry: Revocation, code: int, reason: str) -> int: ...


class Revoker:
    """Revoke, lift and list; keeps the node's list, the store and the live sockets in step."""

    def __init__(self, store: RevocationStore, sockets: ClosesSockets, lifetime_s: float) -> None:
        self.list = RevocationList()
        self._store = store
        self._sockets = sockets
        self._lifetime_s = lifetime_s

    async def start(self) -> None:
        self.list.replace(await self._store.start(self.apply))

    async def stop(self) -> None:
        await self._store.stop()

    async def revoke(self, body: dict[str, Any], now: float) -> Revocation:
        entry = new_revocation(body, now, self._lifetime_s)
        await self._store.add(entry)
        self.apply(Change(added=entry))
        return entry

    async def lift(self, entry_id: str) -> bool:
        lifted = await self._store.lift(entry_id)
        self.apply(Change(lifted=entry_id))
        return lifted

    def apply(self, change: Change) -> None:
        """A change made here or on another node: update the list, close what it revokes."""
        if change.lifted is not None:
            self.list.drop(change.lifted)
        if change.everything is not None:
            self.list.replace(list(change.everything))
            for entry in change.everything:
                self._close(entry)
        if change.added is not None:
            self.list.put(change.added)
            self._close(change.added)

    def _close(self, entry: Revocation) -> None:
        closed = self._sockets.close_matching(entry, CloseCode.TOKEN_REVOKED, entry.describe())
        if closed:
            log.info("revocation %s closed %d sockets", entry.id, closed)
