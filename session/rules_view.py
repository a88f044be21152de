"""Shared-view commands: only the driver (or the server) changes what everyone sees."""

from session.checks import (
    Actor,
    check_fps,
    check_image,
    check_mpr,
    check_viewport,
    check_voi,
    normalize_presentation,
    require_driver,
)
from session.commands import (
    SetActiveViewport,
    SetCine,
    SetImage,
    SetInvert,
    SetLayout,
    SetMpr,
    SetPresentation,
    SetVoi,
)
from session.events import (
    ActiveViewportChanged,
    CineChanged,
    Event,
    ImageChanged,
    InvertChanged,
    LayoutChanged,
    MprChanged,
    PresentationChanged,
    VoiChanged,
)
from session.state import RoomState

ViewCommand = (
    SetLayout
    | SetActiveViewport
    | SetImage
    | SetVoi
    | SetPresentation
    | SetInvert
    | SetCine
    | SetMpr
)


def decide_view(state: RoomState, actor: Actor, command: ViewCommand) -> list[Event]:
    require_driver(state, actor)
    match command:
        case SetLayout():
            return _set_layout(state, command)
        case SetActiveViewport(index):
            check_viewport(state, index)
            return [ActiveViewportChanged(index)]
        case SetMpr(mpr):
            if mpr is not None:
                check_mpr(state, mpr)
            return [MprChanged(mpr)]
        case _:
            check_viewport(state, command.viewport)
            return [_viewport_event(state, command)]


def _set_layout(state: RoomState, command: SetLayout) -> list[Event]:
    events: list[Event] = [LayoutChanged(command.layout)]
    if state.active_viewport >= command.layout.viewport_count:
        events.append(ActiveViewportChanged(0))  # the active viewport went away
    return events


def _viewport_event(
    state: RoomState, command: SetImage | SetVoi | SetPresentation | SetInvert | SetCine
) -> Event:
    match command:
        case SetImage(index, image):
            check_image(state, image)
            return ImageChanged(index, image)
        case SetVoi(index, voi):
            check_voi(voi)
            return VoiChanged(index, voi)
        case SetPresentation(index, presentation):
            return PresentationChanged(index, normalize_presentation(presentation))
        case SetInvert(index, invert):
            return InvertChanged(index, invert)
        case _:
            check_fps(command.fps)
            return CineChanged(command.viewport, command.playing, command.fps)
