"""Fixtures for the pure room core: a ``Harness`` feeds commands with a ticking clock and
checks outcomes (refusals must leave the room exactly as it was)."""

from collections.abc import Callable, Iterable

import pytest

from session.commands import Command
from session.errors import ErrorCode
from session.events import Event, Stamped
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId
from session.room import Outcome, Room
from session.state import RoomState

T0 = 1_700_000_000.0


class Harness:
    def __init__(self, **options: float) -> None:
        self.now = T0
        log_size = int(options.pop("log_size", 4096))
        self.room = Room(RoomId("room-1"), title="Case 1", now=T0, log_size=log_size, **options)

    def tick(self, seconds: float = 1.0) -> float:
        self.now += seconds
        return self.now

    @property
    def state(self) -> RoomState:
        return self.room.snapshot().state

    def join(
        self,
        participant: str,
        role: Role = Role.PARTICIPANT,
        grants: Iterable[Grant] | None = None,
        name: str | None = None,
    ) -> list[Event]:
        granted = None if grants is None else frozenset(grants)
        outcome = self.room.join(
            ParticipantId(participant), name or participant.title(), role, granted, self.tick()
        )
        return self.accepted(outcome)

    def send(self, sender: str, command: Command) -> list[Event]:
        return self.accepted(self.room.handle(ParticipantId(sender), command, self.tick()))

    def system(self, command: Command) -> list[Event]:
        return self.accepted(self.room.handle_system(command, self.tick()))

    def refuse(self, sender: str | None, command: Command, code: ErrorCode) -> str:
        """Send a command that must be refused with ``code``; the room must not change."""
        return self.refused(
            lambda now: (
                self.room.handle_system(command, now)
                if sender is None
                else self.room.handle(ParticipantId(sender), command, now)
            ),
            code,
        )

    def refused(self, call: Callable[[float], Outcome], code: ErrorCode) -> str:
        before = self.room.snapshot()
        outcome = call(self.tick())
        assert not outcome.accepted
        assert outcome.events == ()
        assert outcome.refusal is not None
        assert outcome.refusal.code == code, outcome.refusal
        after = self.room.snapshot()
        assert after.state == before.state
        assert after.seq == before.seq
        return outcome.refusal.message

    def accepted(self, outcome: Outcome) -> list[Event]:
        assert outcome.accepted, outcome.refusal
        self.check_stamps(outcome.events)
        return [s.event for s in outcome.events]

    def check_stamps(self, stamped: tuple[Stamped, ...]) -> None:
        durable = [s.seq for s in stamped if s.seq is not None]
        first = self.room.seq - len(durable) + 1
        assert durable == list(range(first, self.room.seq + 1))


@pytest.fixture
def bare() -> Harness:
    """A new room with nobody in it."""
    return Harness()


@pytest.fixture
def h() -> Harness:
    """A room with a host (driving), two county doctors and an observer."""
    harness = Harness()
    harness.join("host", Role.HOST)
    harness.join("doc")
    harness.join("doc2")
    harness.join("obs", Role.OBSERVER)
    return harness
