"""Webhook signatures: HMAC-SHA256 over the delivery id, the timestamp and the exact body.

Headers of every delivery (the scheme of Standard Webhooks / Svix, which Stripe's resembles)::

    Huizhen-Webhook-Id: <delivery id>        the same on every retry: receivers dedupe on it
    Huizhen-Webhook-Timestamp: <unix seconds> when this attempt was signed
    Huizhen-Webhook-Signature: v1=<hex>       HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")

Why an HMAC with a secret per endpoint and not a JWT signed with the server's token keys (as
LiveKit signs with its API secret): a receiver holding our token keys could mint room tokens.
The endpoint's secret is shown once, at registration, and signs nothing else. The timestamp
inside the signed text lets a receiver refuse replays (``verify`` allows 5 minutes).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

ID_HEADER = "Huizhen-Webhook-Id"
TIMESTAMP_HEADER = "Huizhen-Webhook-Timestamp"
SIGNATURE_HEADER = "Huizhen-Webhook-Signature"
VERSION = "v1"
DEFAULT_TOLERANCE_S = 300.0
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that marks secrets, not one


class SignatureError(ValueError):
    """A delivery's signature is missing, malformed, wrong or too old (the message says which)."""


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def sign(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers for one attempt."""
    return {
        ID_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, delivery_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> str:
    """What a receiver runs: the delivery id if the headers sign ``body``, else SignatureError.

    ``headers`` must look names up case-insensitively (any HTTP library's headers do).
    Several space-separated signatures are accepted (one per secret during a rotation).
    """
    delivery_id = headers.get(ID_HEADER)
    raw_timestamp = headers.get(TIMESTAMP_HEADER, "")
    offered = headers.get(SIGNATURE_HEADER, "").split()
    if not delivery_id or not raw_timestamp.isdigit() or not offered:
        raise SignatureError("missing or malformed webhook headers")
    timestamp = int(raw_timestamp)
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError("timestamp outside the tolerance (a replay?)")
    expected = signature(secret, delivery_id, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in offered):
        raise SignatureError("signature does not match")
    return delivery_id
