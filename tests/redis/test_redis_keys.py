"""Redis Cluster readiness: every key of one room hashes to one slot (its hash tag), so the
room's MULTI/EXEC and Lua scripts (log append, snapshot + trim, fencing) stay legal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from redis.crc import key_slot

from server.redis import keys
from session.ids import RoomId

ROOM_KEYS = (keys.room_info, keys.room_log, keys.room_snapshot, keys.room_owner, keys.room_lock)
ROOM_IDS = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)  # tokens.ROOM_ID_RE's alphabet


@given(ROOM_IDS)
def test_a_rooms_keys_share_one_slot(room: str) -> None:
    slots = {key_slot(make(RoomId(room)).encode()) for make in ROOM_KEYS}
    assert len(slots) == 1


def test_rooms_spread_over_slots() -> None:
    slots = {key_slot(keys.room_log(RoomId(f"case-{i}")).encode()) for i in range(200)}
    assert len(slots) > 150  # different rooms land on different slots (and so nodes)
