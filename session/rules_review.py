"""Key images: the images the consultation marks as the ones that matter (the report cites them).

Marking needs ANNOTATE, like drawing a measurement; the image must be in an attached study
(any image while none is attached). Marking a marked image or unmarking an unmarked one changes
nothing and is refused with ``conflict``; detaching a study unmarks its images first
(``session.rules_case``).
"""

from session.checks import Actor, check_image
from session.commands import SetKeyImage
from session.errors import ErrorCode, Rejected
from session.events import Event, KeyImageChanged
from session.grants import Grant
from session.state import MAX_KEY_IMAGES, RoomState


def decide_key_image(state: RoomState, actor: Actor, command: SetKeyImage) -> list[Event]:
    actor.require(Grant.ANNOTATE)
    image, marked = command.image, command.marked
    if marked:
        check_image(state, image)
    if (image in state.key_images) == marked:
        raise Rejected(ErrorCode.CONFLICT, f"the image is already {'' if marked else 'un'}marked")
    if marked and len(state.key_images) >= MAX_KEY_IMAGES:
        raise Rejected(ErrorCode.TOO_LARGE, f"a room marks at most {MAX_KEY_IMAGES} key images")
    return [KeyImageChanged(image, marked)]
