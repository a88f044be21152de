"""Room access tokens: HS256 JWTs with a ``kid`` header so signing keys can rotate.

Exception tree::

    TokenError        the token does not admit its bearer
      .reason         TokenFailure: missing, malformed, forged, expired, wrong_room,
                      bad_claims, revoked
      .close_code     the WebSocket close code the edge uses (4002 expired, 4014 revoked,
                      else 4001)

Signing always uses the first (active) key; verification accepts any configured key, chosen by
the token's ``kid`` header, so tokens minted before a rotation stay valid until they expire.

Kinds: ``room`` admits to the socket and the HTTP routes (an *access* token); ``invite`` only
buys short access tokens at ``POST /api/token`` (docs/protocol.md, "Refresh"); an access token
minted from an invite names it (``src``, ``src_iat``) so that revoking the invite, its room or
its identity also ends the access tokens bought with it. ``iat`` and ``nbf`` more than
``CLOCK_SKEW_S`` in the future are refused (a token from the future is a forgery or a broken
clock). The ``KeyRing`` carries the server's revocation check, so every caller of
``verify_room_token`` (socket edge, every HTTP route) honours the revocation list.
"""

from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt

from server.settings import SigningKey
from session.codec import CloseCode
from session.grants import Grant, Role, default_grants
from session.ids import ParticipantId, RoomId

ISSUER = "huizhen"
ALGORITHM = "HS256"
ROOM_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
IDENTITY_RE = re.compile(r"^[\x21-\x7e]{1,64}$")  # printable ASCII, no spaces
MAX_TOKEN_CHARS = 4096
CLOCK_SKEW_S = 60.0  # how far in the future ``iat`` / ``nbf`` may be (clocks drift)


class TokenKind(StrEnum):
    ROOM = "room"
    RECORDING_VIEWER = "recording-viewer"
    INVITE = "invite"  # refresh-capable: exchanged for short ``room`` tokens, nothing else


class TokenFailure(StrEnum):
    MISSING = "missing"
    MALFORMED = "malformed"
    FORGED = "forged"  # bad signature or unknown kid
    EXPIRED = "expired"
    WRONG_ROOM = "wrong_room"
    BAD_CLAIMS = "bad_claims"
    REVOKED = "revoked"  # on the revocation list (by jti, room or identity)


class TokenError(Exception):
    def __init__(self, reason: TokenFailure, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message

    @property
    def close_code(self) -> CloseCode:
        if self.reason is TokenFailure.EXPIRED:
            return CloseCode.TOKEN_EXPIRED
        if self.reason is TokenFailure.REVOKED:
            return CloseCode.TOKEN_REVOKED
        return CloseCode.UNAUTHORIZED


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified token says. ``grants`` None means: the role's defaults."""

    room: RoomId
    sub: ParticipantId
    name: str
    role: Role
    grants: frozenset[Grant] | None
    exp: float
    iat: float
    jti: str
    kind: TokenKind = TokenKind.ROOM
    src: str | None = None  # an access token bought with an invite: the invite's jti ...
    src_iat: float | None = None  # ... and its issue time

    @property
    def origin_jti(self) -> str:
        """The credential a revocation by jti must hit: the invite, else the token itself."""
        return self.jti if self.src is None else self.src

    @property
    def origin_iat(self) -> float:
        """When the credential was first issued (a refresh does not make it newer)."""
        return self.iat if self.src_iat is None else self.src_iat

    @property
    def effective_grants(self) -> frozenset[Grant]:
        return default_grants(self.role) if self.grants is None else self.grants

    def public(self) -> dict[str, Any]:
        """JSON for ``GET /api/session`` (no signature, nothing secret)."""
        return {
            "room": self.room,
            "identity": self.sub,
            "name": self.name,
            "role": self.role.value,
            "grants": sorted(g.value for g in self.effective_grants),
            "expires_at": self.exp,
            "issued_at": self.iat,
            "kind": self.kind.value,
        }


RevocationCheck = Callable[[Claims, float], str | None]
"""(claims, now) → why the token is revoked, or None (``server.revocation.RevocationList``)."""


class KeyRing:
    """The configured signing keys (the first one signs) and what the server no longer trusts:
    ``revoked`` is consulted by every verification (None: nothing is ever revoked)."""

    def __init__(
        self, keys: tuple[SigningKey, ...], revoked: RevocationCheck | None = None
    ) -> None:
        if not keys:
            raise ValueError("at least one signing key is required")
        self.active = keys[0]
        self._by_kid = {key.kid: key.secret for key in keys}
        self.revoked = revoked

    def secret(self, kid: str) -> str | None:
        return self._by_kid.get(kid)

    def __repr__(self) -> str:
        return f"KeyRing(active={self.active.kid!r}, kids={sorted(self._by_kid)!r})"


def mint_room_token(
    keys: KeyRing,
    *,
    room: RoomId,
    identity: ParticipantId,
    name: str,
    role: Role,
    ttl_s: float,
    grants: frozenset[Grant] | None = None,
    kind: TokenKind = TokenKind.ROOM,
    now: float | None = None,
    source: Claims | None = None,
) -> str:
    """A signed token; ``source``: the invite an access token is bought with."""
    now = time.time() if now is None else now
    claims = Claims(room, identity, name.strip(), role, grants, now + ttl_s, now, "", kind)
    _check_claims(claims)
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "room": room,
        "sub": identity,
        "name": claims.name,
        "role": role.value,
        "exp": int(now + ttl_s),
        # Milliseconds, rounded down: a revocation orders tokens by it, and a token must never
        # look younger than it is (it would escape a room or identity revocation).
        "iat": math.floor(now * 1000) / 1000,
        "jti": secrets.token_urlsafe(12),
        "kind": kind.value,
    }
    if grants is not None:
        payload["grants"] = sorted(g.value for g in grants)
    if source is not None:
        payload["src"], payload["src_iat"] = source.origin_jti, source.origin_iat
    key = keys.active
    return jwt.encode(payload, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})


def minted_claims(token: str) -> Claims:
    """The claims of a token this server has just minted (read back, not verified)."""
    return _claims_from(jwt.decode(token, options={"verify_signature": False}))


def verify_room_token(
    keys: KeyRing,
    token: str | None,
    room: RoomId | None = None,
    *,
    kind: TokenKind = TokenKind.ROOM,
    now: float | None = None,
) -> Claims:
    """Check signature, expiry, issue time, issuer, claim shapes, the revocation list, the kind
    and (if given) the room; return the claims. Revocation comes before the kind, so a revoked
    token is refused as revoked whatever a caller tries it as."""
    if not token:
        raise TokenError(TokenFailure.MISSING, "no token")
    now = time.time() if now is None else now
    payload = _decode(keys, token, now)
    _check_not_future(payload, now)
    claims = _claims_from(payload)
    why = None if keys.revoked is None else keys.revoked(claims, now)
    if why is not None:
        raise TokenError(TokenFailure.REVOKED, why)
    if claims.kind is not kind:
        raise TokenError(TokenFailure.BAD_CLAIMS, f"token kind {claims.kind}, expected {kind}")
    if room is not None and claims.room != room:
        raise TokenError(TokenFailure.WRONG_ROOM, "token is for another room")
    return claims


def _decode(keys: KeyRing, token: str, now: float) -> dict[str, Any]:
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenError(TokenFailure.MALFORMED, "token too long")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise TokenError(TokenFailure.MALFORMED, "not a JWT") from None
    secret = keys.secret(str(header.get("kid", "")))
    if secret is None or header.get("alg") != ALGORITHM:
        raise TokenError(TokenFailure.FORGED, "unknown signing key")
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            # iat and nbf are checked against the injected ``now`` (``_check_not_future``)
            options={
                "require": ["exp", "iat", "iss", "sub", "jti"],
                "verify_iat": False,
                "verify_nbf": False,
            },
            leeway=time.time() - now,  # makes PyJWT's exp check use ``now``
        )
    except jwt.ExpiredSignatureError:
        raise TokenError(TokenFailure.EXPIRED, "token expired") from None
    except jwt.InvalidSignatureError:
        raise TokenError(TokenFailure.FORGED, "bad signature") from None
    except jwt.DecodeError:
        raise TokenError(TokenFailure.MALFORMED, "undecodable token") from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(TokenFailure.BAD_CLAIMS, str(exc)) from None
    return payload


def _check_not_future(payload: dict[str, Any], now: float) -> None:
    """``iat`` may be a little ahead (clock skew); ``nbf`` is honoured with the same leeway."""
    for claim in ("iat", "nbf"):
        value = payload.get(claim)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TokenError(TokenFailure.BAD_CLAIMS, f"{claim} must be a NumericDate")
        if value > now + CLOCK_SKEW_S:
            raise TokenError(TokenFailure.BAD_CLAIMS, f"{claim} is in the future")


def _claims_from(payload: dict[str, Any]) -> Claims:
    try:
        raw_grants = payload.get("grants")
        claims = Claims(
            room=RoomId(_str(payload["room"])),
            sub=ParticipantId(_str(payload["sub"])),
            name=_str(payload["name"]),
            role=Role(payload["role"]),
            grants=None if raw_grants is None else frozenset(Grant(g) for g in raw_grants),
            exp=float(payload["exp"]),
            iat=float(payload["iat"]),
            jti=_str(payload["jti"]),
            kind=TokenKind(payload.get("kind", TokenKind.ROOM.value)),
            src=_optional_str(payload.get("src")),
            src_iat=_optional_date(payload.get("src_iat")),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise TokenError(TokenFailure.BAD_CLAIMS, f"bad claim: {exc}") from None
    _check_claims(claims)
    return claims


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _optional_str(value: object) -> str | None:
    return None if value is None else _str(value)


def _optional_date(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("expected a NumericDate")
    return float(value)


def _check_claims(claims: Claims) -> None:
    if not ROOM_ID_RE.match(claims.room):
        raise TokenError(TokenFailure.BAD_CLAIMS, "room id must be 1-64 of [A-Za-z0-9_-]")
    if not IDENTITY_RE.match(claims.sub):
        raise TokenError(TokenFailure.BAD_CLAIMS, "identity must be 1-64 printable ASCII")
    if not 1 <= len(claims.name.strip()) <= 64:
        raise TokenError(TokenFailure.BAD_CLAIMS, "name must be 1-64 characters")
