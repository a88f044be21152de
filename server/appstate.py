"""The one typed object every request handler reaches through ``app.state.huizhen``.

Built by the lifespan in ``server.app`` (no module-level singletons); plugins (SFU, study
store) attach themselves in their lifespan hook: ``state.media = ...`` or
``state.extensions["studies"] = ...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from server.interfaces import MediaSignalling, RoomDirectory
    from server.metrics import Metrics
    from server.rooms import RoomRegistry
    from server.settings import Settings
    from server.tokens import KeyRing


@dataclass(eq=False)
class AppState:
    settings: Settings
    keys: KeyRing
    metrics: Metrics
    directory: RoomDirectory
    rooms: RoomRegistry
    media: MediaSignalling | None = None
    extensions: dict[str, Any] = field(default_factory=dict)


def app_state(conn: HTTPConnection) -> AppState:
    """The app's state from a request or WebSocket (set by the lifespan)."""
    state: AppState = conn.app.state.huizhen
    return state
