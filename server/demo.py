"""The demo room's case (``huizhen serve --demo``).

Owned by the cases engineer after creation: fill in ``prepare_demo_case`` to import the sample
CT (``samples.ensure_samples()``) into the study store and attach it to the room with
``await room.system(AttachStudy(...))`` (then e.g. ``SetImage``/``SetVoi`` for a sensible first
view). Runs inside the app's lifespan, after the room ``demo`` was created; slow synchronous
work belongs in ``asyncio.to_thread``.
"""

from __future__ import annotations

from server.appstate import AppState
from server.roomhost import RoomHost


async def prepare_demo_case(app_state: AppState, room: RoomHost) -> None:
    """Attach the sample case to the demo room. No-op until the case store lands."""
    del app_state, room
