"""The implementations under contract, as one value per parametrized run."""

from __future__ import annotations

from dataclasses import dataclass

from server.interfaces import RoomDirectory, RoomLog


@dataclass
class Impl:
    name: str
    directory: RoomDirectory
    log: RoomLog
