"""Property tests: random people in random roles send random commands, join, drop and time out.

After every input: a refusal changed nothing; accepted commands yielded events with seqs that
follow on by one; replaying the outcome over the previous state gives the live state; control
is consistent. At the end, every snapshot plus the log's later events rebuilds the live room.
"""

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session import commands as c
from session.grants import Grant, Role
from session.ids import AnnotationId, ParticipantId, RoomId, Uid
from session.model import AnnotationKind, ImageRef, Layout, Mpr, MprPlane, Presentation, Voi
from session.reducer import apply
from session.room import DEFAULT_OFFLINE_GRACE, Outcome, Room, Snapshot

PEOPLE = [ParticipantId(f"p{n}") for n in range(5)]
STUDIES = [Uid("1.1"), Uid("2.2")]
IMAGES = [
    ImageRef(STUDIES[0], Uid("1.1.1"), Uid("1.1.1.1")),
    ImageRef(STUDIES[0], Uid("1.1.2"), Uid("1.1.2.1"), frame=2),
    ImageRef(STUDIES[1], Uid("2.2.1"), Uid("2.2.1.1")),
]
ANNOTATION_IDS = [AnnotationId(f"a{n}") for n in range(4)]

people = st.sampled_from(PEOPLE)
viewports = st.integers(-1, 4)
images = st.sampled_from(IMAGES)
floats = st.sampled_from([-3.0, 0.5, 1.0, 2.0, 10.0, 0.0, 150.0, float("nan")])
versions = st.integers(0, 3)
grants = st.frozensets(st.sampled_from(list(Grant)))
annotation_ids = st.sampled_from(ANNOTATION_IDS)


def points(n_min: int = 1, n_max: int = 4) -> st.SearchStrategy[tuple[tuple[float, float], ...]]:
    return st.lists(st.tuples(floats, floats), min_size=n_min, max_size=n_max).map(tuple)


commands = st.one_of(
    st.builds(c.SetLayout, st.sampled_from(list(Layout))),
    st.builds(c.SetActiveViewport, viewports),
    st.builds(c.SetImage, viewports, images),
    st.builds(c.SetVoi, viewports, st.none() | st.builds(Voi, floats, floats)),
    st.builds(
        c.SetPresentation,
        viewports,
        st.builds(Presentation, floats, st.tuples(floats, floats), st.sampled_from([-90, 45, 180])),
    ),
    st.builds(c.SetInvert, viewports, st.booleans()),
    st.builds(c.SetCine, viewports, st.booleans(), floats),
    st.builds(
        c.SetMpr,
        st.none()
        | st.builds(
            Mpr,
            images.map(lambda i: i.study),
            images.map(lambda i: i.series),
            st.tuples(floats, floats, floats),
            st.tuples(*[st.builds(MprPlane, floats, st.tuples(floats, floats), floats)] * 3),
        ),
    ),
    st.just(c.RequestControl()),
    st.builds(c.GrantControl, people),
    st.just(c.ReleaseControl()),
    st.just(c.TakeControl()),
    st.builds(c.SetFollowing, st.booleans()),
    st.sampled_from(list(AnnotationKind)).flatmap(
        lambda kind: st.builds(
            c.CreateAnnotation,
            annotation_ids,
            st.just(kind),
            images,
            points(kind.point_count, kind.point_count) | points(),
        )
    ),
    st.builds(c.UpdateAnnotation, annotation_ids, versions, points()),
    st.builds(c.DeleteAnnotation, annotation_ids, versions),
    st.builds(c.MovePointer, viewports, st.none() | st.tuples(floats, floats)),
    st.builds(c.PostChat, st.sampled_from(["hi", "  ", "look at the left lobe"])),
    st.builds(c.RaiseHand, st.booleans()),
    st.builds(c.LowerHand, people),
    st.builds(c.SetGrants, people, grants),
    st.builds(c.Kick, people),
    st.builds(c.AttachStudy, st.sampled_from(STUDIES)),
    st.builds(c.DetachStudy, st.sampled_from(STUDIES)),
    st.builds(c.SetRecording, st.booleans()),
    st.builds(c.SetMedia, st.booleans(), st.booleans(), st.booleans()),
    st.builds(c.SetWatermark, st.booleans()),
)


@dataclass(frozen=True)
class Step:
    kind: str  # "join", "drop", "leave", "timer", "close", "command", "system"
    who: ParticipantId
    role: Role
    command: c.Command
    wait: float


steps = st.builds(
    Step,
    st.sampled_from(
        ["join"] * 4 + ["drop", "leave", "timer"] + ["system"] * 4 + ["command"] * 30 + ["close"]
    ),
    people,
    st.sampled_from(list(Role)),
    commands,
    st.sampled_from([0.0, 1.0, 30.0, 61.0]),
)


def perform(room: Room, step: Step, now: float) -> tuple[Outcome, bool]:  # noqa: PLR0911
    """Run one input; the flag says whether an accepted outcome must carry events."""
    match step.kind:
        case "join":
            return room.join(step.who, step.who, step.role, None, now), False
        case "drop":
            return room.disconnect(step.who, now), False
        case "leave":
            return room.leave(step.who, now), True
        case "timer":
            return room.handle_timer(now), False
        case "system":
            return room.handle_system(step.command, now), True
        case "close":
            return room.handle(step.who, c.CloseRoom("over"), now), True
        case _:
            return room.handle(step.who, step.command, now), True


def check_consistent(room: Room) -> None:
    state = room.snapshot().state
    if state.driver is not None:
        assert Grant.DRIVE in state.participants[state.driver].grants
    queue = state.control_requests
    assert len(set(queue)) == len(queue)
    assert all(p in state.participants and p != state.driver for p in queue)
    assert all(Grant.DRIVE in state.participants[p].grants for p in queue)
    assert len(state.viewports) == state.layout.viewport_count
    assert 0 <= state.active_viewport < len(state.viewports)
    assert len(state.chat) <= 200
    offline = [p.offline_since for p in state.participants.values() if p.offline_since is not None]
    expected = None if state.closed or not offline else min(offline) + DEFAULT_OFFLINE_GRACE
    assert room.get_timer() == expected  # the offline index agrees with a full scan


def check_step(room: Room, before: Snapshot, outcome: Outcome, needs_events: bool) -> None:
    after = room.snapshot()
    if not outcome.accepted:
        assert outcome.events == ()
        assert after == before
        return
    if needs_events:
        assert outcome.events
    durable = [s.seq for s in outcome.events if s.seq is not None]
    assert durable == list(range(before.seq + 1, after.seq + 1))
    rebuilt = before.state.copy()
    for stamped in outcome.events:
        apply(rebuilt, stamped)
    assert rebuilt == after.state


def new_room(log_size: int) -> Room:
    room = Room(RoomId("r"), now=0.0, log_size=log_size)
    for who, role in zip(PEOPLE, [Role.HOST, Role.PARTICIPANT, Role.PRESENTER], strict=False):
        room.join(who, who, role, None, 0.0)
    return room


scripts = st.lists(steps, min_size=20, max_size=100)
log_sizes = st.integers(8, 64)
fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(scripts, log_sizes)
def test_random_sessions_keep_the_invariants(script, log_size):
    room = new_room(log_size)
    snapshots = [room.snapshot()]
    now = 0.0
    for step in script:
        now += step.wait
        before = room.snapshot()
        outcome, needs_events = perform(room, step, now)
        check_step(room, before, outcome, needs_events)
        check_consistent(room)
        snapshots.append(room.snapshot())
    live = room.snapshot()
    for snapshot in snapshots:
        later = room.events_since(snapshot.seq)
        if later is None:
            assert live.seq - snapshot.seq > log_size
            continue
        restored = Room.restore(RoomId("r"), snapshot, later, log_size=log_size)
        assert restored.snapshot() == live
        assert restored.get_timer() == room.get_timer()


@settings(max_examples=50, deadline=None)
@given(scripts)
def test_the_same_inputs_give_the_same_outputs(script):
    """Determinism: the property failover and playback rest on."""
    rooms = [new_room(4096), new_room(4096)]
    now = 0.0
    for step in script:
        now += step.wait
        first, second = (perform(room, step, now) for room in rooms)
        assert first == second
    assert rooms[0].snapshot() == rooms[1].snapshot()
