"""One soak client: a room member that acts, listens, drops and resumes, and checks its stream.

Every durable event it receives is checked against the last seq it applied: the next one must
be exactly ``last + 1``. A seq above that is a **gap** (events lost), one at or below it a
**duplicate** when seen before, else **reordered**. A welcome with a full snapshot (the
server could not replay) restarts the check from the snapshot's seq and is counted as a
**resync**. Every acked chat line must come back to its sender (acks only after the event is
durable, so an acked line missing after a restart is a lost event). Chat lines carry their
send time (wall clock, one host): receivers record the latency by send minute.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from session.codec import decode_server_frame, encode_command, encode_hello
from session.commands import Command, CreateAnnotation, PostChat, SetVoi
from session.ids import AnnotationId, Uid
from session.model import AnnotationKind, ImageRef, Voi

IMAGE = ImageRef(Uid("1.2.3"), Uid("1.2.3.4"), Uid("1.2.3.4.5"))
NOT_EVENTS = frozenset({"welcome", "ack", "error", "snapshot", "pong"})


@dataclass
class Tally:
    """Shared by every client of one worker process."""

    t0: float
    events: int = 0
    gaps: int = 0  # events lost: seqs skipped and never received
    duplicates: int = 0
    reordered: int = 0
    resyncs: int = 0  # resumes answered with a snapshot instead of a replay
    resumes: int = 0
    reconnects_failed: int = 0  # attempts refused or failed (the server was down)
    acked: int = 0
    acked_missing: int = 0  # acked chat lines their sender never received
    errors: dict[str, int] = field(default_factory=dict)
    closes: dict[str, int] = field(default_factory=dict)
    latency_by_minute: dict[int, list[float]] = field(default_factory=dict)

    def latency(self, sent_at: float, now: float) -> None:
        minute = int((sent_at - self.t0) // 60)
        self.latency_by_minute.setdefault(minute, []).append(now - sent_at)


@dataclass
class Behaviour:
    role: str  # "driver" | "annotator" | "listener"
    chat_every_s: float
    act_every_s: float  # driver: VOI changes; annotator: new annotations
    drop_per_min: float  # chance per minute of a random disconnect


class SoakClient:
    def __init__(self, url: str, token: str, name: str, behaviour: Behaviour, tally: Tally) -> None:
        self.url, self.token, self.name = url, token, name
        self.behaviour = behaviour
        self.tally = tally
        self.last: int | None = None
        self.seen_chat: set[str] = set()
        self.missing: set[int] = set()  # seqs skipped over (lost unless they come late)
        self.awaiting: dict[int, str] = {}  # ref -> chat text, until acked
        self.acked_chat: set[str] = set()
        self._ref = 0
        self._count = 0

    async def run(self, until: float) -> None:
        delay = 0.2
        while time.time() < until:
            try:
                async with connect(self.url, compression=None, open_timeout=10) as ws:
                    await self._session(ws, until)
                    delay = 0.2
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError):
                self.tally.reconnects_failed += 1
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                self.tally.closes[str(code)] = self.tally.closes.get(str(code), 0) + 1
            self.awaiting.clear()  # unacked commands may or may not have applied
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(5.0, delay * 2)

    def finish(self) -> None:
        self.tally.gaps += len(self.missing)
        self.tally.acked_missing += len(self.acked_chat - self.seen_chat)

    async def _session(self, ws: ClientConnection, until: float) -> None:
        if self.last is not None:
            self.tally.resumes += 1
        await ws.send(encode_hello(self.token, self.last))
        reader = asyncio.create_task(self._read(ws))
        try:
            await self._act(ws, until, reader)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def _act(self, ws: ClientConnection, until: float, reader: asyncio.Task[None]) -> None:
        """Sleep until the next thing is due (no polling: 1,000 clients share two cores)."""
        b = self.behaviour
        now = time.time()
        next_chat = now + random.uniform(0, b.chat_every_s)
        next_act = now + random.uniform(0, b.act_every_s) if b.role != "listener" else until
        rate = b.drop_per_min / 60
        next_drop = now + random.expovariate(rate) if rate > 0 else until
        while not reader.done():
            due = min(next_chat, next_act, next_drop, until)
            await asyncio.wait([reader], timeout=max(0.0, due - time.time()))
            now = time.time()
            if reader.done() or now >= until:
                break
            if now >= next_drop:
                await ws.close()
                return
            if now >= next_chat:
                next_chat = now + b.chat_every_s
                text = f"{self.name}|{self._count}|{now:.6f}"
                self._count += 1
                self.awaiting[await self._send(ws, PostChat(text))] = text
            if now >= next_act:
                next_act = now + b.act_every_s
                await self._send(ws, self._action())
        if reader.done():
            reader.result()  # raises ConnectionClosed with the close code

    def _action(self) -> Command:
        if self.behaviour.role == "driver":
            return SetVoi(0, Voi(random.uniform(-100, 100), random.uniform(100, 1500)))
        self._count += 1
        points = ((random.uniform(0, 90), 5.0), (random.uniform(0, 90), 50.0))
        name = AnnotationId(f"{self.name}-{self._count}")
        return CreateAnnotation(name, AnnotationKind.LENGTH, IMAGE, points)

    async def _send(self, ws: ClientConnection, command: Command) -> int:
        self._ref += 1
        await ws.send(encode_command(self._ref, command))
        return self._ref

    async def _read(self, ws: ClientConnection) -> None:
        async for data in ws:
            now = time.time()
            assert isinstance(data, bytes)
            for message in decode_server_frame(data):
                self._on_message(message, now)

    def _on_message(self, m: dict[str, Any], now: float) -> None:
        kind = m["type"]
        if kind == "welcome":
            if m.get("snapshot") is not None:
                if self.last is not None:
                    self.tally.resyncs += 1
                self.last = m["seq"]
                self.missing.clear()  # the snapshot holds what they changed
                self.seen_chat |= {c["text"] for c in m["snapshot"].get("chat", [])}
        elif kind == "ack":
            text = self.awaiting.pop(m["ref"], None)
            if text is not None:
                self.acked_chat.add(text)
                self.tally.acked += 1
        elif kind == "error":
            self.tally.errors[m["code"]] = self.tally.errors.get(m["code"], 0) + 1
        elif kind not in NOT_EVENTS and m.get("seq") is not None:
            self._on_event(m, now)

    def _on_event(self, m: dict[str, Any], now: float) -> None:
        seq: int = m["seq"]
        tally = self.tally
        tally.events += 1
        last = self.last if self.last is not None else seq - 1
        if seq <= last:
            if seq in self.missing:  # a skipped seq arriving late: out of order, not lost
                self.missing.discard(seq)
                tally.reordered += 1
            else:
                tally.duplicates += 1
            return
        self.missing.update(range(last + 1, seq))
        self.last = seq
        if m["type"] == "chat_posted":
            text: str = m["text"]
            self.seen_chat.add(text)
            tally.latency(float(text.rsplit("|", 1)[1]), now)
