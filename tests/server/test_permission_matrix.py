"""The permission matrix (issue 12), generated from ``permission_table``: every HTTP route and
every socket command x every caller x every caller state, against a real server.

One module-scoped world: a real uvicorn server with every lifespan part (DICOMweb, SFU,
recorder, webhooks), two rooms (A, the target, and B, "another room") whose members of every
role have joined over real WebSockets, real DICOM studies attached to A, a finished recording
of A that showed them and a running one. HTTP cells are real httpx requests; socket cells are
real ``websockets`` connections, one fresh room per (command, role).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pydicom
import pytest
from livetools import LiveServer, eventually, make_settings, run_live_server
from permission_table import (
    COMMANDS,
    KNOWN_GAPS,
    PENDING_STATES,
    ROOM_ROLES,
    ROUTES,
    Caller,
    CallerState,
    NotApplicable,
    Outcome,
    RouteRow,
    expect_command,
    expect_hello,
    expect_http,
)
from pydicom.data import get_testdata_file
from room_client import RoomClient
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from server.cases.ownership import Uploader
from server.settings import SigningKey
from server.tokens import KeyRing, TokenKind, mint_room_token
from session.codec import encode_hello
from session.commands import (
    WIRE_NAMES,
    AttachStudy,
    CloseRoom,
    Command,
    CreateAnnotation,
    DeleteAnnotation,
    DetachStudy,
    GrantControl,
    Kick,
    LiftBan,
    LowerHand,
    MovePointer,
    MuteParticipant,
    PostChat,
    RaiseHand,
    ReleaseControl,
    RequestControl,
    SetActiveViewport,
    SetCine,
    SetFollowing,
    SetGrants,
    SetImage,
    SetInvert,
    SetKeyImage,
    SetLayout,
    SetMedia,
    SetMpr,
    SetPresentation,
    SetRecording,
    SetVoi,
    SetWatermark,
    TakeControl,
    UpdateAnnotation,
    WithdrawControlRequest,
)
from session.grants import ROLE_GRANTS, Grant, Role
from session.ids import AnnotationId, ParticipantId, RoomId, Uid
from session.model import AnnotationKind, ImageRef, Layout, Presentation, Voi

ROOM_A, ROOM_B = "matrix-a", "matrix-b"
CT = Path(str(get_testdata_file("CT_small.dcm")))
MR = Path(str(get_testdata_file("MR_small.dcm")))
FORGED_KEYS = KeyRing((SigningKey("k2", "forged-secret-0123456789abcdef-0123456789"),))
WRONG_API_KEY = "not-the-api-key-0123456789abcdef"
BOUNDARY = "matrix-boundary"


# --- the world ------------------------------------------------------------------------------
@dataclass
class World:
    server: LiveServer
    http: httpx.Client
    values: dict[str, str]  # what a row's request path may name: {room}, {study}, ...
    stow_body: bytes

    def credential(self, caller: Caller, state: CallerState) -> str | None:
        if state is CallerState.NO_TOKEN:
            return None
        if caller is Caller.ADMIN:
            return self.server.settings.api_key if state is CallerState.MEMBER else WRONG_API_KEY
        if state in (CallerState.KICKED, CallerState.REVOKED):
            return self.values[f"cred:{state}:{caller}"]  # made by _furnish
        kind = TokenKind.ROOM if caller.role is not None else TokenKind.RECORDING_VIEWER
        role = caller.role or Role.OBSERVER
        room = ROOM_B if state is CallerState.OTHER_ROOM else ROOM_A
        prefix = "o" if state is CallerState.OTHER_ROOM else "m"
        keys = (
            FORGED_KEYS
            if state is CallerState.FORGED
            else KeyRing(self.server.settings.signing_keys)
        )
        now = time.time() - 7200 if state is CallerState.EXPIRED else None
        grants: frozenset[Grant] | None = (
            frozenset() if kind is TokenKind.RECORDING_VIEWER else None
        )
        return mint_room_token(
            keys,
            room=RoomId(room),
            identity=ParticipantId(f"{prefix}-{caller.value}"),
            name=caller.value,
            role=role,
            ttl_s=3600.0,
            grants=grants,
            kind=kind,
            now=now,
        )


def _stow_body(path: Path) -> bytes:
    data = path.read_bytes()
    head = f"--{BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n".encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("matrix")
    # Members disconnect after the setup: a long grace keeps them members all module long.
    settings = make_settings(tmp, offline_grace_s=3600.0)
    with (
        run_live_server(settings) as server,
        httpx.Client(base_url=server.base_url, timeout=60) as http,
    ):
        values = asyncio.run(_furnish(server))
        yield World(server, http, values, _stow_body(MR))


async def _furnish(server: LiveServer) -> dict[str, str]:
    report = server.state.studies.import_paths([CT, MR], owner=Uploader(ROOM_A, enforce=False))
    assert report.ok, report.errors
    ct, mr = pydicom.dcmread(CT), pydicom.dcmread(MR)
    for room in (ROOM_A, ROOM_B):
        server.create_room(room, "matrix")
    with server.admin() as admin:
        for ds in (ct, mr):
            answer = admin.post(f"/api/rooms/{ROOM_A}/studies", json={"uid": ds.StudyInstanceUID})
            assert answer.status_code == 201, answer.text
    members = [
        await RoomClient.connect(
            server.ws_url, server.mint(room, f"{prefix}-{role.value}", role.role or Role.OBSERVER)
        )
        for room, prefix in ((ROOM_A, "m"), (ROOM_B, "o"))
        for role in ROOM_ROLES
    ]
    host = members[0]
    credentials = await _kicked(server, host) | _revoked(server)
    finished = await _record(server, host)
    await host.reply(await host.send(SetRecording(True)))  # left running: DELETE must get 409
    running = await _recording_ids(server, lambda r: r["status"] == "recording")
    for member in members:
        await member.ws.close()
    return {
        "room": ROOM_A,
        "study": ct.StudyInstanceUID,
        "series": ct.SeriesInstanceUID,
        "sop": ct.SOPInstanceUID,
        "stow_study": mr.StudyInstanceUID,
        "recording": finished["id"],
        "running": running[0]["id"],
        "t": str(finished["started_at"]),
    } | credentials


async def _kicked(server: LiveServer, host: RoomClient) -> dict[str, str]:
    """Room A tokens of identities its host kicked (banned): one per role."""
    tokens = {}
    for caller in ROOM_ROLES:
        token = server.mint(ROOM_A, f"k-{caller.value}", caller.role or Role.OBSERVER)
        kicked = await RoomClient.connect(server.ws_url, token)
        await host.reply(await host.send(Kick(ParticipantId(f"k-{caller.value}"))))
        await kicked.closed()
        tokens[f"cred:{CallerState.KICKED}:{caller}"] = token
    return tokens


def _revoked(server: LiveServer) -> dict[str, str]:
    """Room A tokens (one per role, and a recording viewer's) revoked by their jti."""
    tokens = {}
    keys = KeyRing(server.settings.signing_keys)
    for caller in (*ROOM_ROLES, Caller.RECORDING_VIEWER):
        viewer = caller is Caller.RECORDING_VIEWER
        token = mint_room_token(
            keys,
            room=RoomId(ROOM_A),
            identity=ParticipantId(f"r-{caller.value}"),
            name=caller.value,
            role=caller.role or Role.OBSERVER,
            ttl_s=3600.0,
            grants=frozenset() if viewer else None,
            kind=TokenKind.RECORDING_VIEWER if viewer else TokenKind.ROOM,
        )
        jti = jwt.decode(token, options={"verify_signature": False})["jti"]
        with server.admin() as admin:
            answer = admin.post("/api/revocations", json={"jti": jti})
        assert answer.status_code == 201, answer.text
        tokens[f"cred:{CallerState.REVOKED}:{caller}"] = token
    return tokens


async def _record(server: LiveServer, host: RoomClient) -> dict[str, Any]:
    await host.reply(await host.send(SetRecording(True)))
    await host.reply(await host.send(PostChat("recorded")))
    await host.reply(await host.send(SetRecording(False)))
    (done,) = await _recording_ids(server, lambda r: r["status"] == "complete")
    return done


async def _recording_ids(
    server: LiveServer, match: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def check() -> bool:
        with server.admin() as admin:
            listed = admin.get("/api/recordings").json()["recordings"]
        found[:] = [r for r in listed if match(r)]
        return bool(found)

    await eventually(check)
    return found


# --- completeness: nothing reachable is missing from the table ------------------------------
def _served(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= _served(list(route.routes), prefix + route.path)
        elif isinstance(route, WebSocketRoute):
            found.add(("WS", prefix + route.path))
        elif isinstance(route, Route):
            found |= {(m, prefix + route.path) for m in route.methods or () if m != "HEAD"}
        else:
            raise AssertionError(f"a route of an unknown kind: {route!r}")
    return found


def test_every_route_is_in_the_table(world: World) -> None:
    served = _served(list(world.server.app.routes))
    tabled = [(row.method, row.template) for row in ROUTES]
    assert len(tabled) == len(set(tabled)), "a route is listed twice"
    assert served - set(tabled) == set(), "routes without a row in permission_table.ROUTES"
    assert set(tabled) - served == set(), "rows for routes the server does not have"


def test_every_command_is_in_the_table() -> None:
    assert set(WIRE_NAMES) == set(COMMANDS)
    assert set(WIRE_NAMES) == set(COMMAND_SETUPS)


# --- HTTP cells -----------------------------------------------------------------------------
def _http_cells() -> Iterator[Any]:
    for row in ROUTES:
        if row.method == "WS":
            continue  # the socket half below
        for caller in Caller:
            for state in CallerState:
                if state in PENDING_STATES:
                    continue
                expected = expect_http(row, caller, state)
                if expected is NotApplicable.CELL:
                    continue
                gap = KNOWN_GAPS.get((row.method, row.template, caller, state))
                marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
                cell_id = f"{row.method} {row.template} | {caller} | {state}"
                yield pytest.param(row, caller, state, expected, marks=marks, id=cell_id)


def _fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def _send(world: World, row: RouteRow, token: str | None) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    request = row.request
    kwargs: dict[str, Any] = {"headers": headers}
    if request.stow:
        headers["Content-Type"] = (
            f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'
        )
        kwargs["content"] = world.stow_body
    elif request.json is not None:
        kwargs["json"] = {k: _fill(v, world.values) for k, v in request.json.items()}
    return world.http.request(row.method, _fill(request.path, world.values), **kwargs)


@pytest.mark.parametrize(("row", "caller", "state", "expected"), list(_http_cells()))
def test_http_cell(
    world: World, row: RouteRow, caller: Caller, state: CallerState, expected: Outcome
) -> None:
    response = _send(world, row, world.credential(caller, state))
    code = _code(response)
    assert (response.status_code, code if expected.code else None) == (
        expected.status,
        expected.code,
    ), response.text[:300]


def _code(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


# --- socket: the hello is where credentials are checked -------------------------------------
def _hello_cells() -> Iterator[Any]:
    for caller in Caller:
        for state in CallerState:
            if state in PENDING_STATES:
                continue
            expected = expect_hello(caller, state)
            if expected is not NotApplicable.CELL:
                yield pytest.param(caller, state, expected, id=f"{caller} | {state}")


@pytest.mark.parametrize(("caller", "state", "expected"), list(_hello_cells()))
async def test_hello_cell(
    world: World, caller: Caller, state: CallerState, expected: Outcome
) -> None:
    client = await RoomClient.open(world.server.ws_url)
    await client.ws.send(encode_hello(world.credential(caller, state) or ""))
    if expected.status != 101:
        code, _ = await client.closed()
        assert code == expected.status
        return
    welcome = await client.next_message(lambda m: m["type"] == "welcome")
    assert welcome["room"] == (ROOM_B if state is CallerState.OTHER_ROOM else ROOM_A)
    await client.ws.close()


# --- socket: every command x every role (a member of the room, default grants) -------------
IMAGE = ImageRef(Uid("1.2.840.1"), Uid("1.2.840.1.1"), Uid("1.2.840.1.1.1"))
STUDY = Uid(str(pydicom.dcmread(CT, stop_before_pixels=True).StudyInstanceUID))  # room A owns it
POINTS = ((1.0, 1.0), (5.0, 5.0))


@dataclass
class Scene:
    """A fresh room: ``mod`` (a host), ``target`` (a participant), ``me`` (the role under test)."""

    mod: RoomClient
    target: RoomClient
    me: RoomClient
    role: Role

    @property
    def me_id(self) -> ParticipantId:
        return ParticipantId(self.me.welcome["you"])

    @property
    def target_id(self) -> ParticipantId:
        return ParticipantId(self.target.welcome["you"])

    def can(self, grant: Grant) -> bool:
        return grant in ROLE_GRANTS[self.role]

    async def by(self, client: RoomClient, command: Command) -> None:
        reply = await client.reply(await client.send(command))
        assert reply["type"] == "ack", reply

    async def control_to_me(self) -> None:
        if self.can(Grant.DRIVE):
            await self.by(self.mod, GrantControl(self.me_id))


Setup = Callable[[Scene], Awaitable[Command]]


def _plain(command: Command) -> Setup:
    async def setup(scene: Scene) -> Command:
        return command

    return setup


def _driving(command: Command) -> Setup:
    async def setup(scene: Scene) -> Command:
        await scene.control_to_me()
        return command

    return setup


async def _grant_control(scene: Scene) -> Command:
    return GrantControl(scene.target_id)


async def _withdraw(scene: Scene) -> Command:
    if scene.can(Grant.DRIVE):
        # the first to join with DRIVE drives: mod does; make sure before queueing behind it
        reply = await scene.mod.reply(await scene.mod.send(TakeControl()))
        assert reply["type"] == "ack" or reply["code"] == "conflict", reply
        await scene.by(scene.me, RequestControl())
    return WithdrawControlRequest()


def _their_annotation(make: Callable[[AnnotationId], Command]) -> Setup:
    async def setup(scene: Scene) -> Command:
        theirs = AnnotationId("by-mod")
        await scene.by(scene.mod, CreateAnnotation(theirs, AnnotationKind.LENGTH, IMAGE, POINTS))
        return make(theirs)

    return setup


async def _lower_hand(scene: Scene) -> Command:
    await scene.by(scene.target, RaiseHand(True))
    return LowerHand(scene.target_id)


async def _mute(scene: Scene) -> Command:
    await scene.by(scene.target, SetMedia(audio=True, video=False, screen=False))
    return MuteParticipant(scene.target_id, audio=True)


async def _set_grants(scene: Scene) -> Command:
    return SetGrants(scene.target_id, frozenset({Grant.CHAT}))


async def _kick(scene: Scene) -> Command:
    return Kick(scene.target_id)


async def _lift_ban(scene: Scene) -> Command:
    await scene.by(scene.mod, Kick(scene.target_id))
    return LiftBan(scene.target_id)


async def _detach(scene: Scene) -> Command:
    await scene.by(scene.mod, AttachStudy(STUDY))
    return DetachStudy(STUDY)


COMMAND_SETUPS: dict[str, Setup] = {
    "set_layout": _driving(SetLayout(Layout.SIDE_BY_SIDE)),
    "set_mpr": _driving(SetMpr(None)),  # leaving MPR: accepted from the driver alone
    "set_active_viewport": _driving(SetActiveViewport(0)),
    "set_image": _driving(SetImage(0, IMAGE)),
    "set_voi": _driving(SetVoi(0, Voi(40.0, 400.0))),
    "set_presentation": _driving(SetPresentation(0, Presentation(zoom=2.0))),
    "set_invert": _driving(SetInvert(0, True)),
    "set_cine": _driving(SetCine(0, True, 10.0)),
    "request_control": _plain(RequestControl()),
    "grant_control": _grant_control,
    "release_control": _driving(ReleaseControl()),
    "take_control": _plain(TakeControl()),
    "set_following": _plain(SetFollowing(True)),
    "withdraw_control_request": _withdraw,
    "create_annotation": _plain(
        CreateAnnotation(AnnotationId("mine"), AnnotationKind.LENGTH, IMAGE, POINTS)
    ),
    "update_annotation": _their_annotation(lambda a: UpdateAnnotation(a, 1, POINTS[::-1])),
    "delete_annotation": _their_annotation(lambda a: DeleteAnnotation(a, 1)),
    "move_pointer": _plain(MovePointer(0, (3.0, 4.0))),
    "post_chat": _plain(PostChat("hello")),
    "raise_hand": _plain(RaiseHand(True)),
    "lower_hand": _lower_hand,
    "mute_participant": _mute,
    "set_key_image": _plain(SetKeyImage(IMAGE, True)),
    "set_grants": _set_grants,
    "kick": _kick,
    "lift_ban": _lift_ban,
    "close_room": _plain(CloseRoom("matrix")),
    "set_watermark": _plain(SetWatermark(False)),  # on by default: off is a change
    "attach_study": _plain(AttachStudy(STUDY)),
    "detach_study": _detach,
    "set_recording": _plain(SetRecording(True)),
    "set_media": _plain(SetMedia(audio=True, video=False, screen=False)),
}

_COMMAND_CELLS = [
    pytest.param(name, role, expect_command(name, role), id=f"{name} | {role}")
    for name in sorted(COMMANDS)
    for role in (Role.HOST, Role.PRESENTER, Role.PARTICIPANT, Role.OBSERVER)
]


def _share_with(world: World, room: str) -> None:
    with world.server.admin() as admin:
        answer = admin.post(f"/api/rooms/{ROOM_A}/studies/{STUDY}/shares", json={"room": room})
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(("name", "role", "expected"), _COMMAND_CELLS)
async def test_command_cell(world: World, name: str, role: Role, expected: str) -> None:
    server = world.server
    room = server.create_room(title="matrix")
    if name in {"attach_study", "detach_study"}:
        _share_with(world, room)  # the study is room A's: this room may attach it once shared
    mod = await RoomClient.connect(server.ws_url, server.mint(room, "mod", Role.HOST))
    target = await RoomClient.connect(server.ws_url, server.mint(room, "target", Role.PARTICIPANT))
    me = await RoomClient.connect(server.ws_url, server.mint(room, "me", role))
    try:
        scene = Scene(mod, target, me, role)
        command = await COMMAND_SETUPS[name](scene)
        reply = await me.reply(await me.send(command))
        assert (reply.get("code") or reply["type"]) == expected, reply
    finally:
        for client in (mod, target, me):
            await client.ws.close()
