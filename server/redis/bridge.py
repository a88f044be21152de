"""Bridging a client on node A to its room on node B, over Redis pub/sub.

Node A (where the WebSocket is) keeps the client's ``Connection`` and hands the room a
``RemoteRoom``: join, commands and leave travel to B's channel; B runs a ``Connection`` for
the client whose sink publishes each frame back to A, which queues it on the real socket.
The client cannot tell: same welcome, same frames, same order (one ordered publisher per
node; Redis delivers a connection's messages in order).

Pub/sub does not store messages, so any doubt ends the bridge instead of losing something
silently: Redis unreachable, or the other node dead, closes the affected clients with 1001
and ``resume_from=<last seq written>``; they reconnect to any node and resume without loss.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgpack
from redis.asyncio import Redis

from server.connection import Connection, Identity
from server.fastpath import ws_binary_frame
from server.redis import keys
from server.redis.health import FAILURES, RedisHealth
from server.redis.outbox import Outbox, RemoteSink
from server.roomhost import LocalRoom
from session.codec import (
    CloseCode,
    CommandFrame,
    SignalFrame,
    decode_client,
    decode_server_frame,
    encode_command,
    encode_error,
    too_slow_reason,
)
from session.commands import Command
from session.errors import ErrorCode
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId
from session.room import Refusal

if TYPE_CHECKING:
    from server.interfaces import MediaSignalling, MemberView
    from server.metrics import Metrics
    from server.rooms import RoomRegistry
    from server.settings import Settings

log = logging.getLogger(__name__)
JOIN_WAIT_S = 3.0  # then the client retries (the room's node may have just died)
MOVING = "room moving to another node; "


@dataclass(eq=False)
class _Remote:
    """On the room's node: one bridged client."""

    host: LocalRoom
    conn: Connection
    origin: str
    writer: asyncio.Task[None] | None = None
    signalling: asyncio.Task[None] | None = None  # the latest of its signals, in order


@dataclass(frozen=True, slots=True)
class _JoinRequest:
    origin: str
    conn_id: str
    identity: Identity
    resume_from: int | None


def _identity_wire(ident: Identity) -> list[Any]:
    grants = None if ident.grants is None else sorted(g.value for g in ident.grants)
    return [ident.room_id, ident.participant, ident.name, ident.role.value, grants]


def _identity(raw: list[Any]) -> Identity:
    room_id, participant, name, role, grants = raw
    return Identity(
        RoomId(room_id),
        ParticipantId(participant),
        name,
        Role(role),
        None if grants is None else frozenset(Grant(g) for g in grants),
    )


async def _signal_after(
    previous: asyncio.Task[None] | None,
    media: MediaSignalling,
    conn: Connection,
    frame: SignalFrame,
) -> None:
    if previous is not None:
        await asyncio.wait([previous])
    try:
        await media.on_signal(conn, frame)
    except Exception:  # the media layer's bug must not end the bridge (as in ``server.ws``)
        log.exception("bridged media signalling failed for %s", conn.participant)
        conn.send(encode_error(frame.ref, ErrorCode.INTERNAL, "media signalling failed"))


class RemoteRoom:
    """The ``RoomHandle`` of a room hosted on another node: everything goes over the bridge."""

    def __init__(self, bridge: Bridge, room_id: RoomId, owner: str) -> None:
        self.owner = owner
        self._room_id = room_id
        self._bridge = bridge

    @property
    def room_id(self) -> RoomId:
        return self._room_id

    async def join(self, conn: Connection, resume_from: int | None) -> Refusal | None:
        return await self._bridge.join(self.owner, conn, resume_from)

    def leave(self, conn: Connection) -> None:
        self._bridge.leave(conn)

    def submit(self, conn: Connection, ref: int, command: Command) -> None:
        self._bridge.submit(conn, ref, command)

    def relay_signal(self, conn: Connection, frame: SignalFrame) -> bool:
        self._bridge.signal(conn, frame)
        return True

    def member(self, participant: ParticipantId) -> MemberView | None:
        return None  # the room's state lives on its node


class Bridge:
    def __init__(
        self,
        redis: Redis,
        node_id: str,
        *,
        rooms: RoomRegistry,
        settings: Settings,
        metrics: Metrics,
        health: RedisHealth,
        host_placed: Callable[[RoomId], Awaitable[str | None]],
        media: Callable[[], MediaSignalling | None] = lambda: None,
    ) -> None:
        self.node_id = node_id
        self._media = media
        self._redis = redis
        self._rooms = rooms
        self._settings = settings
        self._metrics = metrics
        self._health = health
        self._outbox = Outbox(redis, health, self.reset)
        self._ids = itertools.count(1)
        self._local: dict[str, tuple[Connection, str]] = {}  # conn id → (conn, owner node)
        self._ids_of: dict[Connection, str] = {}
        self._joining: dict[str, asyncio.Future[Refusal | None]] = {}
        self._remote: dict[str, _Remote] = {}  # "origin/conn id" → bridged client here
        self._placing: dict[str, asyncio.Future[str | None]] = {}  # request id → refusal
        self._tasks: set[asyncio.Task[None]] = set()
        # Host a room just placed here: a refusal, or None once hosted.
        self._host_placed = host_placed

    # --- client side (node A) -----------------------------------------------------------------
    async def join(self, owner: str, conn: Connection, resume_from: int | None) -> Refusal | None:
        conn_id = f"{next(self._ids)}"
        self._local[conn_id] = (conn, owner)
        self._ids_of[conn] = conn_id
        done = asyncio.get_running_loop().create_future()
        self._joining[conn_id] = done
        identity = _identity_wire(conn.identity)
        self._to(owner, "join", self.node_id, conn_id, identity, resume_from)
        try:
            async with asyncio.timeout(JOIN_WAIT_S):
                refusal: Refusal | None = await done
        except TimeoutError:
            refusal = Refusal(ErrorCode.UNAVAILABLE, "the room's node did not answer")
        finally:
            self._joining.pop(conn_id, None)
        if refusal is not None:
            self._forget(conn_id)
        return refusal

    def submit(self, conn: Connection, ref: int, command: Command) -> None:
        conn_id, owner = self._ident(conn)
        if conn_id:
            self._to(owner, "cmd", self.node_id, conn_id, encode_command(ref, command))

    async def place(self, node: str, room_id: RoomId, wait_s: float) -> str | None:
        """Tell ``node`` to host a room placed on it: its refusal, or None once it hosts it."""
        request = f"{next(self._ids)}"
        done = asyncio.get_running_loop().create_future()
        self._placing[request] = done
        self._to(node, "host", self.node_id, request, room_id)
        try:
            async with asyncio.timeout(wait_s):
                refusal: str | None = await done
        except TimeoutError:
            refusal = f"node {node} did not answer in {wait_s:g} s"
        finally:
            self._placing.pop(request, None)
        return refusal

    def signal(self, conn: Connection, frame: SignalFrame) -> None:
        """WebRTC signalling goes to the room's node: its SFU answers with its own ICE
        candidates, so the client's media flows straight to that node (as in LiveKit)."""
        conn_id, owner = self._ident(conn)
        if conn_id:
            self._to(owner, "sig", self.node_id, conn_id, [frame.ref, frame.type, frame.sdp])

    def leave(self, conn: Connection) -> None:
        conn_id, owner = self._ident(conn)
        if self._forget(conn_id) is not None:
            self._to(owner, "leave", self.node_id, conn_id)

    def _to(self, node: str, *message: Any) -> None:
        self._outbox.post(keys.node_channel(node), list(message))

    def _ident(self, conn: Connection) -> tuple[str, str]:
        conn_id = self._ids_of.get(conn, "")
        entry = self._local.get(conn_id)
        return (conn_id, entry[1]) if entry is not None else ("", "")

    def _forget(self, conn_id: str) -> tuple[Connection, str] | None:
        entry = self._local.pop(conn_id, None)
        if entry is not None:
            self._ids_of.pop(entry[0], None)
        return entry

    # --- bus ------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Listen on this node's channel; on any Redis trouble end every bridge and retry."""
        publisher = asyncio.create_task(self._outbox.run())
        try:
            while True:
                try:
                    await self._listen()
                except FAILURES as exc:
                    self._health.failed("bridge subscribe", exc)
                    self.reset()
                    await asyncio.sleep(0.25)
        finally:
            publisher.cancel()

    async def _listen(self) -> None:
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(keys.node_channel(self.node_id))
            self._health.succeeded("bridge subscribe")
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    self._dispatch(msgpack.unpackb(message["data"]))

    def _dispatch(self, message: list[Any]) -> None:
        if not (self._dispatch_to_room(message) or self._dispatch_to_client(message)):
            log.warning("bridge: unknown message %r", message[:1])

    def _dispatch_to_room(self, message: list[Any]) -> bool:
        """Messages for the room's node (this one): from clients' nodes, and placements."""
        match message:
            case ["join", origin, conn_id, identity, resume_from]:
                request = _JoinRequest(origin, conn_id, _identity(identity), resume_from)
                self._spawn(self._on_join(request))
            case ["cmd", origin, conn_id, data]:
                self._on_command(f"{origin}/{conn_id}", data)
            case ["sig", origin, conn_id, [ref, kind, sdp]]:
                self._on_signal(f"{origin}/{conn_id}", SignalFrame(ref, kind, sdp))
            case ["leave", origin, conn_id]:
                self._on_leave(f"{origin}/{conn_id}")
            case ["host", origin, request, room_id]:
                self._spawn(self._on_place(origin, request, RoomId(room_id)))
            case _:
                return False
        return True

    def _dispatch_to_client(self, message: list[Any]) -> bool:
        """Replies for this node as a client's node (or as the placer)."""
        match message:
            case ["joined", conn_id, refusal]:
                self._on_joined(conn_id, refusal)
            case ["frame", conn_ids, data]:
                self._on_frame(conn_ids, data)
            case ["close", conn_id, code, reason]:
                entry = self._forget(conn_id)
                if entry is not None:
                    entry[0].close(code, reason)
            case ["hosted", request, refusal]:
                placing = self._placing.get(request)
                if placing is not None and not placing.done():
                    placing.set_result(refusal)
            case _:
                return False
        return True

    # --- room side (node B) -------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_place(self, origin: str, request: str, room_id: RoomId) -> None:
        try:
            refusal = await self._host_placed(room_id)
        except Exception as exc:  # Redis trouble or a bug: the placer hears why
            log.exception("hosting placed room %s failed", room_id)
            refusal = f"hosting failed: {type(exc).__name__}"
        self._to(origin, "hosted", request, refusal)

    async def _on_join(self, request: _JoinRequest) -> None:
        origin, conn_id, ident = request.origin, request.conn_id, request.identity
        host = self._rooms.get(ident.room_id)
        if host is None:
            self._to(origin, "joined", conn_id, [ErrorCode.UNAVAILABLE.value, "room moved"])
            return
        reply = keys.node_channel(origin)
        sink = RemoteSink(self._outbox, reply, conn_id)
        conn = Connection(
            sink,
            ident,
            self._settings.limits,
            self._metrics,
            now=time.monotonic(),
            member_lookup=lambda: host.member(ident.participant),
        )
        remote = _Remote(host, conn, origin)
        key = f"{origin}/{conn_id}"
        remote.writer = asyncio.create_task(self._write(key, conn))
        self._remote[key] = remote
        refusal = await host.join(conn, request.resume_from)
        if refusal is not None:  # A closes its client itself; nothing more to send
            remote.writer.cancel()
            self._remote.pop(key, None)
        answer = None if refusal is None else [refusal.code.value, refusal.message]
        self._outbox.post(reply, ["joined", conn_id, answer])

    async def _write(self, key: str, conn: Connection) -> None:
        try:
            await conn.run_writer()
        finally:
            self._remote.pop(key, None)

    def _on_command(self, key: str, data: bytes) -> None:
        remote = self._remote.get(key)
        if remote is None:
            return
        frame = decode_client(data)  # encoded by our own node code: trusted
        if isinstance(frame, CommandFrame):
            remote.host.submit(remote.conn, frame.ref, frame.command)

    def _on_signal(self, key: str, frame: SignalFrame) -> None:
        remote = self._remote.get(key)
        if remote is None:
            return
        media = self._media()
        if media is None:
            error = "media is not enabled"
            remote.conn.send(encode_error(frame.ref, ErrorCode.UNKNOWN_COMMAND, error))
            return
        # One client's offers and answers are handled in order, as ``server.ws`` awaits each.
        remote.signalling = asyncio.create_task(
            _signal_after(remote.signalling, media, remote.conn, frame)
        )

    def _on_leave(self, key: str) -> None:
        remote = self._remote.pop(key, None)
        if remote is not None:
            remote.host.leave(remote.conn)
            remote.conn.close(CloseCode.NORMAL, "bye")

    # --- client side replies ------------------------------------------------------------------
    def _on_joined(self, conn_id: str, refusal: list[Any] | None) -> None:
        done = self._joining.get(conn_id)
        if done is not None and not done.done():
            done.set_result(None if refusal is None else Refusal(ErrorCode(refusal[0]), refusal[1]))

    def _on_frame(self, conn_ids: list[str], data: bytes) -> None:
        conns = [entry[0] for entry in map(self._local.get, conn_ids) if entry is not None]
        if not conns:
            return
        messages = decode_server_frame(data)
        seqs = [m["seq"] for m in messages if isinstance(m.get("seq"), int)]
        welcome = any(m["type"] == "welcome" for m in messages)
        wire = ws_binary_frame(data)  # built once for every client here
        for conn in conns:
            conn.enqueue(
                data,
                seq=max(seqs) if seqs else None,
                ephemeral=False,
                messages=len(messages),
                bounded=not welcome,
                wire=wire,
            )

    # --- ending bridges -------------------------------------------------------------------------
    def check(self, alive: set[str]) -> None:
        """Each beat: end bridges whose other node is dead."""
        for conn_id, (conn, owner) in list(self._local.items()):
            if owner not in alive:
                self._forget(conn_id)
                self._refuse_join(conn_id)
                conn.close(CloseCode.GOING_AWAY, MOVING + too_slow_reason(conn.last_seq_written))
        for key, remote in list(self._remote.items()):
            if remote.origin not in alive:
                self._on_leave(key)

    def _refuse_join(self, conn_id: str) -> None:
        done = self._joining.get(conn_id)
        if done is not None and not done.done():
            done.set_result(Refusal(ErrorCode.UNAVAILABLE, "the room's node is gone"))

    def reset(self) -> None:
        """Messages may have been lost: end every bridge (clients resume elsewhere)."""
        for conn_id, (conn, _) in self._local.items():
            self._refuse_join(conn_id)
            conn.close(CloseCode.GOING_AWAY, MOVING + too_slow_reason(conn.last_seq_written))
        self._local.clear()
        self._ids_of.clear()
        for key in list(self._remote):
            self._on_leave(key)
