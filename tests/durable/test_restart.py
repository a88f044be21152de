"""The proof, with real processes: ``huizhen serve`` is killed (-9) mid-consultation or told
to stop (SIGTERM), started again on the same data dir and port, and every room, annotation,
chat line, grant, kick, study attachment and the shared view are back with the same seq;
clients resume from their last seq with every event once, in order, using the invites minted
before the restart; a recording in progress is recovered and goes on in a new one."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import httpx
from livetools import eventually

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from room_client import Message, RoomClient
from serverproc import ServerProcess

from server.cases.cli import store_root
from server.cases.store import Access, StudyStore
from session.codec import CloseCode, encode_hello, resume_hint
from session.commands import (
    AttachStudy,
    Command,
    CreateAnnotation,
    GrantControl,
    Kick,
    PostChat,
    SetGrants,
    SetImage,
    SetRecording,
    SetVoi,
)
from session.grants import Grant, Role
from session.ids import AnnotationId, ParticipantId, Uid
from session.model import AnnotationKind, ImageRef, Voi

STUDY = Uid("1.2.3")
IMAGE = ImageRef(STUDY, Uid("1.2.3.4"), Uid("1.2.3.4.5"))
PEOPLE = {"expert": Role.HOST, "county": Role.PARTICIPANT, "trainee": Role.OBSERVER}
TRAINEE_GRANTS = frozenset({Grant.CHAT, Grant.RAISE_HAND, Grant.ANNOTATE})


class Member:
    """One person: the invite minted once (before any restart) and every event they saw."""

    def __init__(self, server: ServerProcess, room: str, who: str) -> None:
        self.who = who
        self.token = server.mint(room, who, PEOPLE[who])
        self.seqs: list[int] = []  # every durable event seq received, across connections
        self.first_seq = 0  # the seq of the first welcome's snapshot
        self.client: RoomClient | None = None
        self._taken = 0  # events of the current connection already in ``seqs``

    @property
    def last_seq(self) -> int:
        return self.seqs[-1] if self.seqs else self.first_seq

    async def connect(self, server: ServerProcess, resume: bool) -> None:
        resume_from = self.last_seq if resume else None
        self.client = await RoomClient.connect(server.ws_url, self.token, resume_from)
        self._taken = 0
        if resume:
            assert self.client.welcome["snapshot"] is None, "expected a replay, not a snapshot"
        else:
            self.first_seq = self.client.welcome["seq"]

    async def read_until(self, seq: int) -> None:
        assert self.client is not None
        await self.client.until_seq(seq)
        self.harvest()

    def harvest(self) -> None:
        assert self.client is not None
        events = self.client.events()
        self.seqs += [m["seq"] for m in events[self._taken :]]
        self._taken = len(events)


async def act(client: RoomClient, command: Command) -> int:
    reply = await client.reply(await client.send(command))
    assert reply["type"] == "ack", reply
    seq: int = reply["seq"]
    return seq


async def consult(server: ServerProcess, members: dict[str, Member], room: str) -> int:
    """Everything a consultation does; returns the seq of the last acked event."""
    troll = await RoomClient.connect(server.ws_url, server.mint(room, "troll", Role.PARTICIPANT))
    for member in members.values():
        await member.connect(server, resume=False)
    host, doc = members["expert"].client, members["county"].client
    assert host is not None and doc is not None
    # The room's own study (as `huizhen import --room` records it): its host may attach it.
    StudyStore(store_root(server.data_dir)).grant(STUDY, room, Access.OWNER)
    await act(host, AttachStudy(STUDY, "CT chest"))
    await act(host, SetImage(0, IMAGE))
    await act(host, SetVoi(0, Voi(40.0, 400.0)))
    await act(host, SetRecording(True))
    points = ((10.0, 10.0), (90.0, 10.0))
    await act(host, CreateAnnotation(AnnotationId("a1"), AnnotationKind.LENGTH, IMAGE, points))
    await act(host, PostChat("before the crash"))
    await act(doc, PostChat("from the county"))
    await act(host, SetGrants(ParticipantId("trainee"), TRAINEE_GRANTS))
    await act(host, Kick(ParticipantId("troll")))
    assert (await troll.closed())[0] == CloseCode.KICKED
    last = await act(host, GrantControl(ParticipantId("county")))
    for member in members.values():
        await member.read_until(last)
    return last


async def resume_all(server: ServerProcess, members: dict[str, Member]) -> int:
    for member in members.values():
        await member.connect(server, resume=True)
    host = members["expert"].client
    assert host is not None
    last = await act(host, PostChat("after the restart"))
    for member in members.values():
        await member.read_until(last)
    return last


def assert_no_gap(member: Member, last: int) -> None:
    expected = list(range(member.first_seq + 1, last + 1))
    assert member.seqs == expected, f"{member.who}: every seq once, in order"


def assert_state_back(snapshot: dict[str, Any]) -> None:
    assert snapshot["annotations"].keys() == {"a1"}
    assert [c["text"] for c in snapshot["chat"]] == [
        "before the crash",
        "from the county",
        "after the restart",
    ]
    assert STUDY in snapshot["studies"]
    assert snapshot["viewports"][0]["image"]["sop"] == IMAGE.sop
    assert snapshot["viewports"][0]["voi"]["center"] == 40.0
    assert snapshot["driver"] == "county"
    assert "troll" not in snapshot["participants"]
    assert set(snapshot["participants"]["trainee"]["grants"]) == set(TRAINEE_GRANTS)
    assert snapshot["recording"] is True


async def fresh_snapshot(server: ServerProcess, room: str) -> Message:
    viewer = await RoomClient.connect(server.ws_url, server.mint(room, "auditor", Role.OBSERVER))
    snapshot: Message = viewer.welcome["snapshot"]
    await viewer.close()
    return snapshot


def recordings(server: ServerProcess) -> list[dict[str, Any]]:
    with server.admin() as admin:
        found: list[dict[str, Any]] = admin.get("/api/recordings").json()["recordings"]
    return found


async def test_kill_9_then_restart_loses_nothing(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    try:
        room = server.create_room("consult", "Case 7")
        members = {who: Member(server, room, who) for who in PEOPLE}
        before = await consult(server, members, room)

        server.kill()
        for member in members.values():
            assert member.client is not None
            await member.client.closed()  # the socket just drops: no close frame
        server.start()

        with server.admin() as admin:
            listed = {r["id"]: r for r in admin.get("/api/rooms").json()["rooms"]}
        assert listed["consult"]["seq"] >= before
        after = await resume_all(server, members)
        for member in members.values():
            assert_no_gap(member, after)
        assert_state_back(await fresh_snapshot(server, room))
        # The recording cut by the crash is finalised as recovered; the room goes on recording.
        await eventually(lambda: len(recordings(server)) == 2)
        statuses = sorted(r["status"] for r in recordings(server))
        assert statuses == ["recording", "recovered"]
    finally:
        server.stop()


async def test_sigterm_closes_clients_with_1012_and_their_resume_point(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    try:
        room = server.create_room("consult", "Case 8")
        members = {who: Member(server, room, who) for who in PEOPLE}
        before = await consult(server, members, room)

        server.terminate()
        for member in members.values():
            assert member.client is not None
            code, reason = await member.client.closed()
            member.harvest()
            assert code == CloseCode.SERVICE_RESTART
            assert resume_hint(reason) == member.last_seq == before
        # uvicorn re-raises the signal it caught once shut down: "killed by SIGTERM" is clean.
        assert server.wait() in (0, -signal.SIGTERM)
        server.start()

        after = await resume_all(server, members)
        for member in members.values():
            assert_no_gap(member, after)
        assert_state_back(await fresh_snapshot(server, room))
    finally:
        server.stop()


async def test_a_restarted_server_still_refuses_unknown_rooms(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    try:
        server.kill()
        server.start()
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            assert (await http.get("/healthz")).status_code == 200
        token = server.mint("nope", "someone", Role.PARTICIPANT)
        client = await RoomClient.open(server.ws_url)
        await client.ws.send(encode_hello(token, None))
        assert (await client.closed())[0] == CloseCode.ROOM_NOT_FOUND
    finally:
        server.stop()
