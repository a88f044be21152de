"""The room sockets open on this node and the token claims each was admitted with.

The socket edge (``server.ws``) adds a connection once it joined and discards it when it ends;
a revocation (``server.revocation``) closes the ones it matches, wherever their room is hosted.
"""

from __future__ import annotations

from typing import Protocol

from server.connection import Connection
from server.tokens import Claims


class Matcher(Protocol):
    def matches(self, claims: Claims) -> bool: ...


class LiveSockets:
    def __init__(self) -> None:
        self._claims: dict[Connection, Claims] = {}

    def add(self, conn: Connection, claims: Claims) -> None:
        self._claims[conn] = claims

    def discard(self, conn: Connection) -> None:
        self._claims.pop(conn, None)

    def close_matching(self, entry: Matcher, code: int, reason: str) -> int:
        """Close (at once, dropping what is queued) every socket whose token ``entry`` hits."""
        hits = [conn for conn, claims in self._claims.items() if entry.matches(claims)]
        for conn in hits:
            conn.close(code, reason, drain=False)
        return len(hits)

    def __len__(self) -> int:
        return len(self._claims)
