"""In-memory implementations of ``server.interfaces`` (one process, the embedded default)."""

from __future__ import annotations

from dataclasses import replace

from server.interfaces import RoomExists, RoomInfo
from session.ids import RoomId


class MemoryRoomDirectory:
    def __init__(self) -> None:
        self._rooms: dict[RoomId, RoomInfo] = {}

    async def create(self, info: RoomInfo) -> RoomInfo:
        if info.id in self._rooms:
            raise RoomExists(info.id)
        self._rooms[info.id] = info
        return info

    async def get(self, room_id: RoomId) -> RoomInfo | None:
        return self._rooms.get(room_id)

    async def list(self) -> list[RoomInfo]:
        return list(self._rooms.values())

    async def close(self, room_id: RoomId) -> RoomInfo | None:
        info = self._rooms.get(room_id)
        if info is None:
            return None
        closed = replace(info, closed=True)
        self._rooms[room_id] = closed
        return closed
