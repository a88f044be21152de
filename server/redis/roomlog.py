"""``RoomLog`` over Redis: a stream of durable events and a snapshot key per room.

Stream entry ids are ``<seq>-0``: Redis itself then refuses an out-of-order or repeated
append, and "the newest seq logged" is the last entry's id. A snapshot and the trim of the
events it covers happen in one MULTI/EXEC (same hash tag, so legal on a Cluster).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from server.interfaces import LogLost, StoredRoom
from server.redis import keys
from session.codec import encode_snapshot, snapshot_from_wire, stamped_from_wire
from session.ids import RoomId
from session.room import Snapshot

FIELD = b"e"

# Fencing: a node writes a room's log only while the room's owner key names it (or is gone,
# as after a Redis restart, until the owner writes it back). A node cut off from Redis long
# enough to be declared dead thus learns it lost the room instead of writing over the new
# owner's events. KEYS[1] is always the owner key, ARGV[1] the writer's node id ("": none).
_FENCE = """
if ARGV[1] ~= '' then
  local owner = redis.call('GET', KEYS[1])
  if owner and owner ~= ARGV[1] then return redis.error_reply('NOTOWNER ' .. owner) end
end
"""

# One round trip per batch; an entry whose seq is already logged is skipped (a retry after an
# unknown outcome), any other error is returned (and raised by the client).
_APPEND = (
    _FENCE
    + """
for i = 2, #ARGV, 2 do
  local ok = redis.pcall('XADD', KEYS[2], ARGV[i] .. '-0', 'e', ARGV[i + 1])
  if type(ok) == 'table' and ok.err and not string.find(ok.err, 'equal or smaller') then
    return ok
  end
end
return 1
"""
)

# The snapshot, and the trim of the events it covers (MINID keeps ids >= seq + 1).
_SNAPSHOT = (
    _FENCE
    + """
redis.call('HSET', KEYS[3], 'seq', ARGV[2], 'data', ARGV[3])
redis.call('XTRIM', KEYS[2], 'MINID', (tonumber(ARGV[2]) + 1) .. '-0')
return 1
"""
)


class NotOwner(LogLost):
    """Another node owns the room now: this node must stop hosting it."""


def _seq(entry_id: bytes) -> int:
    return int(entry_id.split(b"-", 1)[0])


class RedisRoomLog:
    """``node``: the writing node's id, checked against the room's owner on every write."""

    def __init__(self, redis: Redis, node: str = "") -> None:
        self._redis = redis
        self._node = node
        self._append = redis.register_script(_APPEND)
        self._snapshot = redis.register_script(_SNAPSHOT)

    async def append(self, room_id: RoomId, entries: Sequence[tuple[int, bytes]]) -> None:
        if entries:
            args = [self._node, *(part for seq, data in entries for part in (seq, data))]
            room_keys = [keys.room_owner(room_id), keys.room_log(room_id)]
            await self._fenced(self._append(keys=room_keys, args=args))

    async def save_snapshot(self, room_id: RoomId, snapshot: Snapshot) -> None:
        args: list[str | int | bytes] = [self._node, snapshot.seq, encode_snapshot(snapshot)]
        room_keys = [keys.room_owner(room_id), keys.room_log(room_id), keys.room_snapshot(room_id)]
        await self._fenced(self._snapshot(keys=room_keys, args=args))

    @staticmethod
    async def _fenced(call: Awaitable[object]) -> None:
        try:
            await call
        except ResponseError as exc:
            if str(exc).startswith("NOTOWNER"):
                raise NotOwner(str(exc)) from None
            raise

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
