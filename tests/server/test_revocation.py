"""The revocation list without a server: what each entry matches, validation, expiry, and
future ``iat``/``nbf`` (issue 12's small finding) refused with a leeway."""

from __future__ import annotations

import time

import pytest

from server.revocation import BadRevocation, RevocationList, Scope, new_revocation
from server.settings import SigningKey
from server.tokens import (
    CLOCK_SKEW_S,
    KeyRing,
    TokenError,
    TokenFailure,
    TokenKind,
    mint_room_token,
    verify_room_token,
)
from session.codec import CloseCode
from session.grants import Role
from session.ids import ParticipantId, RoomId

KEY = SigningKey("k", "a-secret-0123456789abcdef-0123456789")
T0 = 1_800_000_000.0
WEEK = 7 * 24 * 3600.0


def mint(keys: KeyRing, *, room: str = "r1", who: str = "li", now: float = T0, **kw: object) -> str:
    return mint_room_token(
        keys,
        room=RoomId(room),
        identity=ParticipantId(who),
        name=who,
        role=Role.PARTICIPANT,
        ttl_s=3600.0,
        now=now,
        **kw,  # type: ignore[arg-type]
    )


def setup() -> tuple[RevocationList, KeyRing]:
    revoked = RevocationList()
    return revoked, KeyRing((KEY,), revoked=revoked.check)


def refused(keys: KeyRing, token: str, now: float, kind: TokenKind = TokenKind.ROOM) -> TokenError:
    with pytest.raises(TokenError) as info:
        verify_room_token(keys, token, kind=kind, now=now)
    return info.value


def test_by_jti_ends_the_token_and_what_its_invite_bought() -> None:
    revoked, keys = setup()
    invite_token = mint(keys, kind=TokenKind.INVITE)
    invite = verify_room_token(keys, invite_token, kind=TokenKind.INVITE, now=T0)
    access = mint(keys, now=T0 + 5, source=invite)
    other = mint(keys)
    revoked.put(new_revocation({"jti": invite.jti}, T0 + 10, WEEK))
    for token, kind in ((invite_token, TokenKind.INVITE), (access, TokenKind.ROOM)):
        error = refused(keys, token, T0 + 11, kind)
        assert (error.reason, error.close_code) == (TokenFailure.REVOKED, CloseCode.TOKEN_REVOKED)
    assert verify_room_token(keys, other, now=T0 + 11).sub == "li"


def test_a_revoked_token_is_revoked_whatever_kind_it_is_tried_as() -> None:
    revoked, keys = setup()
    token = mint(keys)
    revoked.put(new_revocation({"jti": verify_room_token(keys, token, now=T0).jti}, T0, WEEK))
    assert refused(keys, token, T0 + 1, TokenKind.RECORDING_VIEWER).reason is TokenFailure.REVOKED


def test_by_room_ends_tokens_issued_until_then_not_later_ones() -> None:
    revoked, keys = setup()
    old, elsewhere = mint(keys), mint(keys, room="r2")
    revoked.put(new_revocation({"room": "r1"}, T0 + 100.5, WEEK))
    assert refused(keys, old, T0 + 200).reason is TokenFailure.REVOKED
    assert verify_room_token(keys, elsewhere, now=T0 + 200).room == "r2"
    assert verify_room_token(keys, mint(keys, now=T0 + 100.6), now=T0 + 200).room == "r1"
    same_second = mint(keys, now=T0 + 100.4)  # iat carries milliseconds
    assert refused(keys, same_second, T0 + 200).reason is TokenFailure.REVOKED


def test_an_access_token_is_as_old_as_its_invite() -> None:
    revoked, keys = setup()
    link = mint(keys, kind=TokenKind.INVITE)
    invite = verify_room_token(keys, link, kind=TokenKind.INVITE, now=T0)
    revoked.put(new_revocation({"identity": "li"}, T0 + 50, WEEK))
    refreshed = mint(keys, now=T0 + 60, source=invite)  # minted after, bought with an old invite
    assert refused(keys, refreshed, T0 + 61).reason is TokenFailure.REVOKED


def test_by_identity_in_one_room_or_everywhere() -> None:
    revoked, keys = setup()
    li_r1, li_r2, wang_r1 = mint(keys), mint(keys, room="r2"), mint(keys, who="wang")
    revoked.put(new_revocation({"identity": "li", "room": "r1"}, T0 + 1, WEEK))
    assert refused(keys, li_r1, T0 + 2).reason is TokenFailure.REVOKED
    assert verify_room_token(keys, li_r2, now=T0 + 2).room == "r2"
    assert verify_room_token(keys, wang_r1, now=T0 + 2).sub == "wang"
    revoked.put(new_revocation({"identity": "li"}, T0 + 1, WEEK))
    assert refused(keys, li_r2, T0 + 2).reason is TokenFailure.REVOKED


def test_entries_expire_after_the_longest_token_life_and_can_be_lifted() -> None:
    revoked, keys = setup()
    token = mint(keys, now=T0)
    entry = new_revocation({"identity": "li"}, T0, 3600.0)
    revoked.put(entry)
    assert entry.expires_at == T0 + 3600.0 and revoked.current(T0) == [entry]
    assert revoked.current(T0 + 3600.0) == []  # the token it matched has expired too
    revoked.drop(entry.id)
    assert verify_room_token(keys, token, now=T0 + 1).sub == "li"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"jti": ""},
        {"jti": "x" * 129},
        {"jti": "a", "room": "r1"},
        {"room": "no/slash"},
        {"identity": "has space"},
        {"identity": 7},
        {"room": "r1", "reason": 3},
        {"room": "r1", "reason": "x" * 201},
    ],
)
def test_a_request_naming_nothing_valid_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(BadRevocation):
        new_revocation(body, T0, WEEK)


def test_scopes_and_json_round_trip() -> None:
    for body, scope in (({"jti": "j"}, Scope.JTI), ({"room": "r"}, Scope.ROOM)):
        entry = new_revocation(body | {"reason": "left"}, T0, WEEK)
        assert entry.scope is scope and type(entry).from_json(entry.to_json()) == entry
    assert new_revocation({"identity": "i", "room": "r"}, T0, WEEK).scope is Scope.IDENTITY


def test_iat_and_nbf_in_the_future_are_refused_beyond_the_leeway() -> None:
    keys = KeyRing((KEY,))
    now = time.time()
    ahead = mint(keys, now=now + CLOCK_SKEW_S + 5)
    assert refused(keys, ahead, now).reason is TokenFailure.BAD_CLAIMS
    assert "iat is in the future" in refused(keys, ahead, now).message
    slightly = mint(keys, now=now + CLOCK_SKEW_S - 5)  # a clock a little fast: accepted
    assert verify_room_token(keys, slightly, now=now).sub == "li"
    a_day = mint(keys, now=now + 86400)  # the finding: a day ahead
    assert refused(keys, a_day, now).close_code == CloseCode.UNAUTHORIZED
