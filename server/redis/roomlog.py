"""``RoomLog`` over Redis: a stream of durable events and a snapshot key per room.

Stream entry ids are ``<seq>-0``: Redis itself then refuses an out-of-order or repeated
append, and "the newest seq logged" is the last entry's id. A snapshot and the trim of the
events it covers happen in one MULTI/EXEC (same hash tag, so legal on a Cluster).
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from server.interfaces import StoredRoom
from server.redis import keys
from session.codec import encode_snapshot, snapshot_from_wire, stamped_from_wire
from session.ids import RoomId
from session.room import Snapshot

FIELD = b"e"

# One round trip per batch; an entry whose seq is already logged is skipped, any other error
# is returned (and raised by the client).
_APPEND = """
for i = 1, #ARGV, 2 do
  local ok = redis.pcall('XADD', KEYS[1], ARGV[i] .. '-0', 'e', ARGV[i + 1])
  if type(ok) == 'table' and ok.err and not string.find(ok.err, 'equal or smaller') then
    return ok
  end
end
return 1
"""


def _seq(entry_id: bytes) -> int:
    return int(entry_id.split(b"-", 1)[0])


class RedisRoomLog:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._append = redis.register_script(_APPEND)

    async def append(self, room_id: RoomId, entries: Sequence[tuple[int, bytes]]) -> None:
        if entries:
            args = [part for seq, data in entries for part in (seq, data)]
            await self._append(keys=[keys.room_log(room_id)], args=args)

    async def save_snapshot(self, room_id: RoomId, snapshot: Snapshot) -> None:
        fields: list[bytes | int] = [b"seq", snapshot.seq, b"data", encode_snapshot(snapshot)]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.room_snapshot(room_id), items=fields)
            # Drop what the snapshot covers (MINID keeps ids >= seq + 1).
            pipe.xtrim(keys.room_log(room_id), minid=f"{snapshot.seq + 1}-0", approximate=False)
            await pipe.execute()

    async def load(self, room_id: RoomId) -> StoredRoom | None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hget(keys.room_snapshot(room_id), b"data")
            pipe.xrange(keys.room_log(room_id))
            data, entries = await pipe.execute()
        if data is None:
            return None
        events = tuple(stamped_from_wire(fields[FIELD]) for _, fields in entries)
        return StoredRoom(snapshot_from_wire(data), events)

    async def last_seq(self, room_id: RoomId) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xrevrange(keys.room_log(room_id), count=1)
            pipe.hget(keys.room_snapshot(room_id), b"seq")
            newest, snap_seq = await pipe.execute()
        if newest:
            return _seq(newest[0][0])
        return 0 if snap_seq is None else int(snap_seq)
