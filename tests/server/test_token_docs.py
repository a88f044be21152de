"""docs/protocol.md's table of JWT claims is the contract: checked against server.tokens.

Every documented claim is what ``mint_room_token`` writes; a claim documented as required is
refused when missing and one documented as optional is not; types and the expiry leeway are
as the table says (the same idea as tests/session/test_codec_docs.py for the wire).
"""

import re
import time
import warnings
from pathlib import Path
from typing import Any

import jwt
import pytest
from livetools import TEST_KEYS

from server.tokens import (
    ALGORITHM,
    KeyRing,
    TokenError,
    TokenFailure,
    mint_room_token,
    verify_room_token,
)
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId

DOC = (Path(__file__).parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")
KEYS = KeyRing(TEST_KEYS)


def _claim_rows() -> dict[str, list[str]]:
    section = DOC.split("### The room token (JWT)", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)`\s*\|(.*)$", section, re.MULTILINE)
    return {name: [cell.strip() for cell in rest.split("|")] for name, rest in rows}


CLAIMS = _claim_rows()
REQUIRED = sorted(name for name, cells in CLAIMS.items() if cells[1] == "yes")
OPTIONAL = sorted(name for name, cells in CLAIMS.items() if cells[1] == "no")


def payload(**changes: Any) -> dict[str, Any]:
    token = mint_room_token(
        KEYS,
        room=RoomId("r1"),
        identity=ParticipantId("dr-li"),
        name="Dr. Li",
        role=Role.PARTICIPANT,
        ttl_s=600,
        grants=frozenset({Grant.CHAT}),
    )
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def sign(claims: dict[str, Any]) -> str:
    key = KEYS.active
    return jwt.encode(claims, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})


def test_the_table_lists_exactly_the_claims_the_server_mints() -> None:
    assert set(REQUIRED) | set(OPTIONAL) == set(CLAIMS)  # every row says yes or no
    # nbf: honoured, never minted; src and src_iat: only in access tokens bought with an invite
    assert set(CLAIMS) - {"nbf", "src", "src_iat"} == set(payload())


@pytest.mark.parametrize("claim", REQUIRED)
def test_a_required_claim_missing_is_refused(claim: str) -> None:
    with pytest.raises(TokenError) as refused:
        verify_room_token(KEYS, sign(payload(**{claim: None})))
    assert refused.value.close_code == 4001


@pytest.mark.parametrize("claim", OPTIONAL)
def test_an_optional_claim_may_be_left_out(claim: str) -> None:
    claims = verify_room_token(KEYS, sign(payload(**{claim: None})))
    assert claims.sub == "dr-li"


def test_absent_grants_mean_the_roles_defaults_and_absent_kind_means_room() -> None:
    claims = verify_room_token(KEYS, sign(payload(grants=None, kind=None)))
    assert claims.grants is None and claims.kind == "room"


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "someone-else"),
        ("sub", "has space"),
        ("sub", "x" * 65),
        ("room", "no/slash"),
        ("name", "   "),
        ("name", "n" * 65),
        ("role", "admin"),
        ("grants", ["fly"]),
        ("jti", 7),
        ("kind", "recording-viewer"),  # the room WebSocket admits only "room"
        ("nbf", int(time.time()) + 3600),
    ],
)
def test_claims_out_of_their_documented_range_close_4001(claim: str, value: object) -> None:
    with pytest.raises(TokenError) as refused:
        verify_room_token(KEYS, sign(payload(**{claim: value})))
    assert refused.value.close_code == 4001


def test_expiry_has_no_leeway_and_closes_4002() -> None:
    assert "no leeway" in CLAIMS["exp"][2]
    with pytest.raises(TokenError) as refused:
        verify_room_token(KEYS, sign(payload(exp=int(time.time()) - 2)))
    assert (refused.value.reason, refused.value.close_code) == (TokenFailure.EXPIRED, 4002)


def test_the_header_needs_hs256_and_a_known_kid() -> None:
    claims = payload()
    unknown = jwt.encode(claims, KEYS.active.secret, algorithm="HS256", headers={"kid": "zz"})
    with warnings.catch_warnings():  # PyJWT finds the key short for HS384: beside the point
        warnings.simplefilter("ignore")
        other_alg = jwt.encode(claims, KEYS.active.secret, algorithm="HS384", headers={"kid": "k2"})
    for token in (unknown, other_alg):
        with pytest.raises(TokenError) as refused:
            verify_room_token(KEYS, token)
        assert refused.value.reason is TokenFailure.FORGED
