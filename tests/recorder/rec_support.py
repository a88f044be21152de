"""Recorder tests reuse the server tests' WebSocket client (``tests/server/room_client.py``)."""

import sys
from pathlib import Path

_SERVER_TESTS = str(Path(__file__).resolve().parents[1] / "server")
if _SERVER_TESTS not in sys.path:
    sys.path.append(_SERVER_TESTS)

from room_client import RoomClient  # noqa: E402

__all__ = ["RoomClient"]
