"""Room tokens: rotation by kid, every failure reason and its close code."""

import time

import jwt
import pytest

from server.settings import SigningKey
from server.tokens import (
    Claims,
    KeyRing,
    TokenError,
    TokenFailure,
    TokenKind,
    mint_room_token,
    verify_room_token,
)
from session.grants import Grant, Role, default_grants
from session.ids import ParticipantId, RoomId

NEW = SigningKey("new", "new-secret-0123456789abcdef-0123456789")
OLD = SigningKey("old", "old-secret-0123456789abcdef-0123456789")
ROOM = RoomId("r1")


def mint(keys: KeyRing, **kw: object) -> str:
    args: dict[str, object] = {
        "room": ROOM,
        "identity": ParticipantId("alice"),
        "name": "Alice",
        "role": Role.HOST,
        "ttl_s": 60.0,
    }
    args.update(kw)
    return mint_room_token(keys, **args)  # type: ignore[arg-type]


def failure(keys: KeyRing, token: str | None, room: RoomId | None = None) -> TokenError:
    with pytest.raises(TokenError) as info:
        verify_room_token(keys, token, room)
    return info.value


def test_round_trip_with_role_default_grants() -> None:
    keys = KeyRing((NEW,))
    claims = verify_room_token(keys, mint(keys), ROOM)
    assert isinstance(claims, Claims)
    assert (claims.room, claims.sub, claims.name, claims.role) == (
        ROOM,
        "alice",
        "Alice",
        Role.HOST,
    )
    assert claims.grants is None
    assert claims.effective_grants == default_grants(Role.HOST)
    assert claims.kind is TokenKind.ROOM
    assert jwt.get_unverified_header(mint(keys))["kid"] == "new"


def test_explicit_grants_survive() -> None:
    keys = KeyRing((NEW,))
    grants = frozenset({Grant.CHAT, Grant.POINT})
    claims = verify_room_token(keys, mint(keys, role=Role.OBSERVER, grants=grants))
    assert claims.effective_grants == grants
    assert claims.public()["grants"] == ["chat", "point"]


def test_rotation_old_tokens_verify_new_ones_use_active_key() -> None:
    before = KeyRing((OLD,))
    token = mint(before)
    after = KeyRing((NEW, OLD))  # rotated: new key signs, old key still verifies
    assert verify_room_token(after, token).sub == "alice"
    assert jwt.get_unverified_header(mint(after))["kid"] == "new"
    retired = KeyRing((NEW,))  # old key removed: its tokens are now unknown
    error = failure(retired, token)
    assert error.reason is TokenFailure.FORGED and error.close_code == 4001


def test_forged_signature() -> None:
    keys = KeyRing((NEW,))
    forged = mint(KeyRing((SigningKey("new", "attacker-secret-0123456789-0123456789"),)))
    error = failure(keys, forged)
    assert error.reason is TokenFailure.FORGED
    assert error.close_code == 4001


def test_alg_none_is_forged() -> None:
    keys = KeyRing((NEW,))
    payload = {"iss": "huizhen", "room": "r1", "sub": "a", "name": "A", "role": "host"}
    unsigned = jwt.encode(payload, None, algorithm="none", headers={"kid": "new"})  # type: ignore[arg-type]
    assert failure(keys, unsigned).reason is TokenFailure.FORGED


def test_expired_closes_with_4002() -> None:
    keys = KeyRing((NEW,))
    token = mint(keys, now=time.time() - 3600, ttl_s=60.0)
    error = failure(keys, token)
    assert error.reason is TokenFailure.EXPIRED
    assert error.close_code == 4002


def test_expiry_uses_injected_time() -> None:
    keys = KeyRing((NEW,))
    token = mint(keys, now=1000.0, ttl_s=60.0)
    assert verify_room_token(keys, token, now=1030.0).sub == "alice"
    with pytest.raises(TokenError) as info:
        verify_room_token(keys, token, now=1061.0)
    assert info.value.reason is TokenFailure.EXPIRED


def test_wrong_room() -> None:
    keys = KeyRing((NEW,))
    error = failure(keys, mint(keys), RoomId("other"))
    assert error.reason is TokenFailure.WRONG_ROOM and error.close_code == 4001


@pytest.mark.parametrize("token", [None, ""])
def test_missing(token: str | None) -> None:
    assert failure(KeyRing((NEW,)), token).reason is TokenFailure.MISSING


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 5000])
def test_malformed(token: str) -> None:
    assert failure(KeyRing((NEW,)), token).reason is TokenFailure.MALFORMED


def test_bad_claims() -> None:
    keys = KeyRing((NEW,))
    now = int(time.time())
    base: dict[str, object] = {"iss": "huizhen", "room": "r1", "sub": "a", "name": "A"}
    base |= {"role": "host", "exp": now + 60, "iat": now, "jti": "j"}
    bads: list[dict[str, object]] = [
        {"role": "king"},
        {"grants": ["fly"]},
        {"room": "a b"},
        {"name": ""},
        {"iss": "x"},
    ]
    for bad in bads:
        token = jwt.encode(base | bad, NEW.secret, algorithm="HS256", headers={"kid": "new"})
        assert failure(keys, token).reason is TokenFailure.BAD_CLAIMS, bad


def test_kind_must_match() -> None:
    keys = KeyRing((NEW,))
    token = mint(keys, kind=TokenKind.RECORDING_VIEWER)
    with pytest.raises(TokenError) as info:
        verify_room_token(keys, token)
    assert info.value.reason is TokenFailure.BAD_CLAIMS
    assert verify_room_token(keys, token, kind=TokenKind.RECORDING_VIEWER).kind is (
        TokenKind.RECORDING_VIEWER
    )


def test_minting_refuses_bad_claims() -> None:
    with pytest.raises(TokenError):
        mint(KeyRing((NEW,)), room=RoomId("no spaces"))


def test_keyring_repr_hides_secrets() -> None:
    assert "secret" not in repr(KeyRing((NEW, OLD)))
    assert NEW.secret not in repr(NEW)
