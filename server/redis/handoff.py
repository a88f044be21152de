"""A rolling restart moves this node's rooms first (SIGTERM in Redis mode).

Before its clients hear 1012 + ``resume_from``, a node that others share Redis with stops
beating, stops each room's owner task (no more input: nothing new after the flush), flushes
every room's log (the barrier), and leaves the node set. Leaving is the nudge: a survivor's
next beat sees the live set change, scans at once and takes each room from its log under the
room's lock (``Node._take``). The node waits, bounded, until every room has a live owner, so
its clients reconnect to a room already hosted elsewhere and resume with no gap. Alone, it
moves nothing: the rooms come back with it (as before).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from server.redis.health import FAILURES

if TYPE_CHECKING:
    from server.journal import Journal
    from server.redis.nodes import NodeDirectory
    from server.rooms import RoomRegistry
    from session.ids import RoomId

log = logging.getLogger(__name__)
MOVE_WITHIN_S = 5.0  # then clients are closed anyway; they retry until a survivor has the room


async def hand_off(
    node_id: str, nodes: NodeDirectory, rooms: RoomRegistry, journal: Journal
) -> bool:
    """Move every hosted room to the other live nodes; False: none to move to (or no Redis).

    The caller has stopped the heartbeat (a beat would bring this node back)."""
    try:
        others = [node for node in await nodes.live() if node.id != node_id]
    except FAILURES:
        return False
    if not others:
        return False
    started = time.monotonic()
    hosts = [host for host in rooms.hosts() if not host.room.closed]
    for host in hosts:
        await host.halt()  # its clients stay connected until they are told where to go
    await journal.stop()  # every event now in the rooms is in their logs
    moving = [host.room.id for host in hosts]
    try:
        await nodes.leave(node_id)
        moved = await _until_owned_elsewhere(node_id, nodes, moving)
    except FAILURES as exc:
        log.warning("restart: handing off rooms failed (%s); survivors take them later", exc)
        return True
    elapsed = time.monotonic() - started
    log.warning("restart: %d of %d rooms moved in %.2f s", moved, len(moving), elapsed)
    return True


async def _until_owned_elsewhere(node_id: str, nodes: NodeDirectory, moving: list[RoomId]) -> int:
    """Wait (bounded) until each room's owner is another live node; how many are."""
    deadline = time.monotonic() + MOVE_WITHIN_S
    while True:
        alive = {node.id for node in await nodes.live()}
        owners = await nodes.owners(moving)
        moved = sum(
            1 for owner in owners if owner is not None and owner != node_id and owner in alive
        )
        if moved == len(moving) or time.monotonic() > deadline:
            return moved
        await asyncio.sleep(0.05)
