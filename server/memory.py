"""In-memory implementations of ``server.interfaces`` (one process, the embedded default)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from server.interfaces import RoomExists, RoomInfo, StoredRoom
from session.codec import encode_snapshot, snapshot_from_wire, stamped_from_wire
from session.ids import RoomId
from session.room import Snapshot


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


class MemoryRoomLog:
    """Keeps the encoded bytes, as Redis does, so both go through the same codec."""

    def __init__(self) -> None:
        self._snapshots: dict[RoomId, tuple[int, bytes]] = {}
        self._events: dict[RoomId, list[tuple[int, bytes]]] = {}

    async def append(self, room_id: RoomId, entries: Sequence[tuple[int, bytes]]) -> None:
        log = self._events.setdefault(room_id, [])
        for seq, data in entries:
            if seq > self._last(room_id):
                log.append((seq, data))

    async def save_snapshot(self, room_id: RoomId, snapshot: Snapshot) -> None:
        self._snapshots[room_id] = (snapshot.seq, encode_snapshot(snapshot))
        kept = [e for e in self._events.get(room_id, []) if e[0] > snapshot.seq]
        self._events[room_id] = kept

    async def load(self, room_id: RoomId) -> StoredRoom | None:
        stored = self._snapshots.get(room_id)
        if stored is None:
            return None
        events = tuple(stamped_from_wire(data) for _, data in self._events.get(room_id, []))
        return StoredRoom(snapshot_from_wire(stored[1]), events)

    async def last_seq(self, room_id: RoomId) -> int:
        return self._last(room_id)

    def _last(self, room_id: RoomId) -> int:
        events = self._events.get(room_id)
        if events:
            return events[-1][0]
        return self._snapshots.get(room_id, (0, b""))[0]
