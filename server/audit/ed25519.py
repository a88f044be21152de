"""Ed25519 signatures for the audit (optional; ``HUIZHEN_AUDIT_KEY_FILE``).

With HMAC (the default) anyone who can verify the chain holds the key that seals it. With an
Ed25519 private key configured, the server signs each entry's hash and the verifier needs
only the public key (``huizhen audit verify --public-key FILE``): an auditor, or a copy of
the data dir, can check the log but never re-seal an edited one.

``kid`` in each entry is ``ed25519:`` + the first 16 hex digits of SHA-256 of the raw public
key, so a verifier picks the right public key and a rotated key keeps old entries valid
(give every public key still needed).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server.audit.chain import Check

PREFIX = "ed25519:"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def kid_of(public: Ed25519PublicKey) -> str:
    return PREFIX + hashlib.sha256(public.public_bytes(*_RAW)).hexdigest()[:16]


def check_with(public: Ed25519PublicKey) -> Check:
    def check(digest: str, sig: str) -> bool:
        try:
            public.verify(bytes.fromhex(sig), digest.encode())
        except (InvalidSignature, ValueError):
            return False
        return True

    return check


@dataclass(frozen=True)
class Ed25519Key:
    """The server's audit signing key."""

    private: Ed25519PrivateKey

    @property
    def kid(self) -> str:
        return kid_of(self.private.public_key())

    def sign(self, digest: str) -> str:
        return self.private.sign(digest.encode()).hex()

    def check(self) -> Check:
        return check_with(self.private.public_key())

    def public_pem(self) -> str:
        pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode()


def load_private(path: Path) -> Ed25519Key:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return Ed25519Key(key)


def load_public(path: Path) -> tuple[str, Check]:
    """A public key file (PEM) -> (its kid, a check)."""
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return kid_of(key), check_with(key)


def generate(path: Path) -> Ed25519Key:
    """A new private key in ``path`` (PEM, PKCS#8, created 0600; refuses to overwrite)."""
    key = Ed25519Key(Ed25519PrivateKey.generate())
    pem = key.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key
