"""The audit entry format: canonical JSON, a SHA-256 hash chain, an HMAC signature.

Pure functions over bytes and values (no I/O, no clock): the writer seals, the verifier
checks, both here so the two can never disagree.

- **Body**: one JSON object per entry (``Body`` below plus ``chain``, ``seq``, ``prev``,
  ``kid``), encoded canonically: keys sorted, no spaces, UTF-8, no NaN. The stored text IS
  the canonical encoding; verification re-encodes the parsed body and insists on the same
  bytes, so an edit that only reorders or re-spaces is caught too.
- **Chain**: ``hash = sha256(body bytes)``; ``prev`` is the previous entry's hash in the same
  chain (``GENESIS`` for seq 1), seq counts 1, 2, 3 ... without gaps. Editing an entry breaks
  its hash; deleting one breaks the next entry's ``prev`` and the seq run.
- **Signature**: ``sig = HMAC-SHA256(audit key, hash)``, the audit key derived from the
  server's token signing key named by ``kid`` (``derive_key``): whoever edits the store
  without the server's secret cannot re-seal the chain after the edit. With an Ed25519 key
  configured (``server.audit.ed25519``) ``sig`` is its signature of the hash and ``kid`` is
  ``ed25519:<fingerprint>``: a verifier then needs only the public key, and cannot seal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1
GENESIS = "0" * 64
_KEY_LABEL = b"huizhen audit v1"

JsonValue = Any
Sign = Callable[[str], str]
"""hash (hex) -> signature (hex): an asymmetric signer (``server.audit.ed25519``)."""
Check = Callable[[str, str], bool]
"""(hash, signature) -> valid: the verifying half of a ``Sign``."""
KeyLookup = Callable[[str], bytes | Check | None]
"""kid -> the HMAC audit key (``derive_key`` of that signing secret) or a ``Check``; None
when the kid is unknown."""


def derive_key(signing_secret: str) -> bytes:
    """The audit key: HMAC of a fixed label with the token signing secret (never the secret
    itself, so an audit key leaked by a verifier cannot mint room tokens)."""
    return hmac.new(signing_secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def canonical(value: Mapping[str, JsonValue]) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@dataclass(frozen=True, slots=True)
class Body:
    """What happened, before it is sealed into a chain."""

    at: float
    node: str
    action: str  # e.g. "participant.joined", "series.read", "token.minted"
    actor: str  # identity, "admin" (API key), "system" (the room itself), "cli"
    role: str | None = None
    room: str | None = None
    subject: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, JsonValue] = field(default_factory=dict)

    def fields(self) -> dict[str, JsonValue]:
        return {
            "v": FORMAT_VERSION,
            "at": self.at,
            "node": self.node,
            "action": self.action,
            "actor": self.actor,
            "role": self.role,
            "room": self.room,
            "subject": dict(self.subject),
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class Link:
    """The head of a chain: its last seq and hash."""

    seq: int
    hash: str


START = Link(0, GENESIS)


@dataclass(frozen=True, slots=True)
class Entry:
    """One sealed entry as stored: ``text`` is the canonical body."""

    chain: str
    seq: int
    text: str
    hash: str
    sig: str

    def body(self) -> dict[str, JsonValue]:
        parsed: dict[str, JsonValue] = json.loads(self.text)
        return parsed

    def link(self) -> Link:
        return Link(self.seq, self.hash)


def seal(body: Body, chain: str, after: Link, kid: str, key: bytes | Sign) -> Entry:
    """The entry that follows ``after`` in ``chain``, signed with ``key`` (named ``kid``): an
    HMAC key, or an asymmetric ``Sign``."""
    seq = after.seq + 1
    text = canonical(body.fields() | {"chain": chain, "seq": seq, "prev": after.hash, "kid": kid})
    digest = hashlib.sha256(text.encode()).hexdigest()
    sig = _sign(key, digest) if isinstance(key, bytes) else key(digest)
    return Entry(chain, seq, text, digest, sig)


def seal_all(
    bodies: Iterable[Body], chain: str, after: Link, kid: str, key: bytes | Sign
) -> list[Entry]:
    sealed: list[Entry] = []
    for body in bodies:
        entry = seal(body, chain, after, kid, key)
        sealed.append(entry)
        after = entry.link()
    return sealed


def _sign(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Problem:
    """The first entry of a chain that fails verification, and why."""

    chain: str
    seq: int
    reason: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    chain: str
    entries: int
    head: Link
    problem: Problem | None = None


def verify_chain(chain: str, entries: Iterable[Entry], keys: KeyLookup) -> ChainReport:
    """Walk one chain in seq order; stop at the first bad entry."""
    head, count = START, 0
    for entry in entries:
        reason = _check(entry, chain, head, keys)
        if reason is not None:
            return ChainReport(chain, count, head, Problem(chain, entry.seq, reason))
        head, count = entry.link(), count + 1
    return ChainReport(chain, count, head)


def _check(entry: Entry, chain: str, after: Link, keys: KeyLookup) -> str | None:  # noqa: PLR0911
    if entry.seq != after.seq + 1:
        return (
            f"seq {entry.seq} follows {after.seq}: entries {after.seq + 1}..{entry.seq - 1} missing"
        )
    try:
        body = entry.body()
    except ValueError:
        return "body is not JSON"
    if not isinstance(body, dict) or canonical(body) != entry.text:
        return "body is not in canonical form (edited)"
    if body.get("chain") != chain or body.get("seq") != entry.seq:
        return "body names another chain or seq (moved)"
    if body.get("prev") != after.hash:
        return "prev is not the previous entry's hash (an entry before it was removed)"
    if hashlib.sha256(entry.text.encode()).hexdigest() != entry.hash:
        return "hash does not match the body (edited)"
    key = keys(str(body.get("kid", "")))
    if key is None:
        return f"signed with an unknown key {body.get('kid')!r}"
    valid = (
        hmac.compare_digest(_sign(key, entry.hash), entry.sig)
        if isinstance(key, bytes)
        else key(entry.hash, entry.sig)
    )
    if not valid:
        return "signature does not match (re-sealed without the server key)"
    return None
