"""Redis key names in one place.

Per-room keys share the hash tag ``{room:<id>}`` (one Cluster slot per room); node and
directory keys are global and only ever touched one key per command.
"""

from __future__ import annotations

from session.ids import RoomId

PREFIX = "hz:"
ROOMS = PREFIX + "rooms"  # set of room ids
NODES = PREFIX + "nodes"  # set of node ids (members whose beat key expired are dead)
PLACEMENT_LOCK = PREFIX + "placement"  # held while a new room's node is chosen and told
WEBHOOKS = PREFIX + "webhooks"  # hash: endpoint id -> endpoint JSON (every node delivers)


def _room(room_id: RoomId, what: str) -> str:
    return f"{PREFIX}{{room:{room_id}}}:{what}"


def room_info(room_id: RoomId) -> str:
    return _room(room_id, "info")


def room_log(room_id: RoomId) -> str:
    """Stream of durable events; entry id ``<seq>-0``, field ``e`` = ``encode_stamped`` bytes."""
    return _room(room_id, "log")


def room_snapshot(room_id: RoomId) -> str:
    """Hash of the newest snapshot: ``seq`` and ``data`` (``encode_snapshot`` bytes)."""
    return _room(room_id, "snap")


def room_owner(room_id: RoomId) -> str:
    """The id of the node that hosts the room."""
    return _room(room_id, "owner")


def room_lock(room_id: RoomId) -> str:
    return _room(room_id, "lock")


def node_beat(node_id: str) -> str:
    """The node's load report; expires unless the node keeps beating."""
    return f"{PREFIX}node:{node_id}"


def node_channel(node_id: str) -> str:
    """Pub/sub channel of one node: bridged joins, commands and frames addressed to it."""
    return f"{PREFIX}node:{node_id}:bus"
