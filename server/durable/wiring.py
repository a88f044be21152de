"""Plugging the durable store into the app (``server.app`` calls these two functions).

``durable_directory(settings)`` opens ``<data dir>/rooms.sqlite3`` (at start-up, before the
loop serves anything, so opening it synchronously blocks no client); the lifespan hook
``durable_lifespan`` finds it on ``state.directory``, restores every room, gives every hosted
room a durable log and, on shutdown, drains the logs and closes the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from server.durable.rooms import DurableRooms
from server.durable.sqlite import SqliteRoomDirectory, SqliteStore, open_sync
from server.metrics import HEALTH_CHECKS

if TYPE_CHECKING:
    from server.appstate import AppState
    from server.settings import Settings

EXTENSION = "durable_rooms"


def durable_directory(settings: Settings) -> SqliteRoomDirectory:
    return SqliteRoomDirectory(open_sync(settings.data_dir, synchronous=settings.room_store_sync))


@contextlib.asynccontextmanager
async def durable_lifespan(state: AppState) -> AsyncIterator[None]:
    directory = state.directory
    if not isinstance(directory, SqliteRoomDirectory):
        yield  # in memory, or Redis (which has its own log)
        return
    store: SqliteStore = directory.store
    durable = DurableRooms(store, state.rooms, state.settings)
    state.extensions[EXTENSION] = durable
    try:
        await durable.restore(await directory.list())
        state.rooms.on_host(durable.attach)
        checks = state.extensions.setdefault(HEALTH_CHECKS, {})
        checks["room_store"] = lambda: durable.health.view().error
        yield
    finally:
        await durable.stop()
        await store.close()


def durable_rooms(state: AppState) -> DurableRooms | None:
    found = state.extensions.get(EXTENSION)
    return found if isinstance(found, DurableRooms) else None
