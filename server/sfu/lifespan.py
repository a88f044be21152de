"""The SFU's place in the app's lifespan: one ``Sfu`` per process, closed on shutdown.

``server.app.LIFESPAN_HOOKS`` lists :func:`sfu_lifespan`; it sets ``state.media`` (which
``server.ws`` hands signalling frames to) and observes every room for ``GrantsChanged``.
"""

import contextlib
from collections.abc import AsyncIterator

from server.appstate import AppState
from server.roomhost import LocalRoom
from server.sfu.ice import host_addresses
from server.sfu.signalling import Sfu


@contextlib.asynccontextmanager
async def sfu_lifespan(state: AppState) -> AsyncIterator[None]:
    # The recorder (if its hook runs) is looked up per frame: hook order does not matter.
    sfu = Sfu(state.settings.ice_servers, recorder=lambda: state.recorder)
    state.media = sfu
    pinned = state.settings.media_addresses
    addresses = host_addresses(pinned) if pinned else contextlib.nullcontext()

    def observe(host: LocalRoom) -> None:
        host.add_observer(sfu.observer(host.room.id))

    state.rooms.on_host(observe)
    try:
        with addresses:
            yield
    finally:
        state.media = None
        await sfu.close()
