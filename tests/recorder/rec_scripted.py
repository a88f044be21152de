"""A scripted consultation on the pure room core: commands in, stamped events out.

Used to feed the recorder without a server and to know the live state after every event.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from session.codec import encode_stamped
from session.commands import (
    Command,
    CreateAnnotation,
    MovePointer,
    PostChat,
    SetImage,
    SetLayout,
    SetPresentation,
    SetRecording,
    SetVoi,
    TakeControl,
    UpdateAnnotation,
)
from session.events import Stamped
from session.grants import Role
from session.ids import AnnotationId, ParticipantId, RoomId, Uid
from session.model import AnnotationKind, ImageRef, Layout, Presentation, Voi
from session.room import Room, Snapshot

HOST = ParticipantId("host")
DOC = ParticipantId("doc")
START = 1_800_000_000.0


def image(i: int) -> ImageRef:
    return ImageRef(Uid("1.2.3"), Uid("1.2.3.4"), Uid(f"1.2.3.4.{i}"))


@dataclass(frozen=True)
class Step:
    stamped: Stamped
    message: bytes
    state: Snapshot  # the live room right after the command that emitted this event


def random_command(rng: random.Random, n: int) -> Command:
    points = ((rng.uniform(0, 99), 1.0), (2.0, 3.0))
    choices: list[Command] = [
        SetImage(0, image(rng.randrange(40))),
        SetVoi(0, Voi(rng.uniform(-600, 100), rng.uniform(50, 2000))),
        SetPresentation(0, Presentation(zoom=rng.uniform(0.5, 3))),
        MovePointer(0, (rng.uniform(0, 512), rng.uniform(0, 512))),
        PostChat(f"question {n}?"),
        CreateAnnotation(AnnotationId(f"a{n}"), AnnotationKind.LENGTH, image(1), points),
        UpdateAnnotation(AnnotationId(f"a{n - 1}"), 1, ((5.0, 5.0), (6.0, 6.0))),
        SetLayout(rng.choice(list(Layout))),
    ]
    return rng.choice(choices)


class Scripted:
    """A room with a host and a doctor; ``run`` yields every event with the live state."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.room = Room(RoomId("rec"), title="Case review", now=START)
        self.now = START

    def apply(self, sender: ParticipantId | None, command: Command | None = None) -> list[Step]:
        self.now += self.rng.choice((0.0, 0.01, 0.2, 1.3))
        if command is None:
            outcome = self.room.join(sender or DOC, str(sender), Role.HOST, None, self.now)
        elif sender is None:
            outcome = self.room.handle_system(command, self.now)
        else:
            outcome = self.room.handle(sender, command, self.now)
        snap = self.room.snapshot()
        return [Step(s, encode_stamped(s), snap) for s in outcome.events]

    def opening(self) -> list[Step]:
        steps = self.apply(HOST) + self.apply(DOC)
        steps += self.apply(HOST, TakeControl())
        return steps + self.apply(HOST, SetRecording(True))

    def run(self, commands: int) -> Iterator[Step]:
        for n in range(commands):
            sender = HOST if self.rng.random() < 0.8 else DOC
            yield from self.apply(sender, random_command(self.rng, n))
