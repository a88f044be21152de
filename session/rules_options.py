"""Room options a moderator switches: the identity watermark.

The watermark is on when a room starts (consultations show patients' images); holding
``moderate`` switches it. Setting it to its current value changes nothing and is refused with
``conflict``, like ``set_recording``. Clients draw it, and the server burns it into rendered
images fetched with a room token (docs/security/watermark.md).
"""

from session.checks import Actor
from session.commands import SetWatermark
from session.errors import ErrorCode, Rejected
from session.events import Event, WatermarkChanged
from session.grants import Grant
from session.state import RoomState


def decide_watermark(state: RoomState, actor: Actor, command: SetWatermark) -> list[Event]:
    actor.require(Grant.MODERATE)
    if command.watermark == state.watermark:
        state_word = "on" if state.watermark else "off"
        raise Rejected(ErrorCode.CONFLICT, f"the watermark is already {state_word}")
    return [WatermarkChanged(command.watermark)]
