"""The audit writer: takes facts from the rooms and the HTTP routes, seals them, stores them.

- ``record`` is synchronous and quick (it only queues): room observers and route handlers
  call it on the event loop. One flush task at a time seals everything queued onto this
  node's chain and writes it as one batch (one fsync); while it runs the next batch queues.
- **Reads are aggregated** per (room, member, series) — a viewer fetches hundreds of frames
  of a series: the FIRST read is an entry at once (who saw which patient's images is never
  lost to a crash); the reads after it are counted and written as one entry ``{first, last,
  count}`` per key every ``read_flush_s``, at shutdown and before every query (``sync``).
  Summing ``count`` over a key's entries gives the total (``server.audit.query.reads``).
- The patient id of a study is looked up when the batch is sealed (off the event loop).
- A failing store never harms a room or a request: the batch stays queued and is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from server.audit.chain import Body, Check, Entry, Link, canonical, derive_key, seal_all
from server.audit.events import fact_for
from server.audit.store import AuditStore, ChainConflict
from session.events import ParticipantJoined, Stamped

if TYPE_CHECKING:
    from server.audit.ed25519 import Ed25519Key
    from server.roomhost import LocalRoom
    from server.tokens import KeyRing

log = logging.getLogger(__name__)

PatientLookup = Callable[[str], str | None]
"""Study UID -> patient id (runs in a worker thread), None when the study is unknown."""

READ_FLUSH_S = 60.0
RETRY_S = 1.0
PATIENT_CACHE = 10_000
CLOSE_WAIT_S = 10.0


@dataclass(eq=False)
class _Reads:
    first: float
    last: float
    count: int = 0  # reads since the last entry for this key


@dataclass(frozen=True, slots=True)
class Actor:
    identity: str
    role: str | None = None


ReadKey = tuple[str, str | None, str, str | None, tuple[tuple[str, str], ...]]


class Names:
    """Token -> (actor, room) for the tokens seen lately (bounded: the oldest go first)."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._known: OrderedDict[str, tuple[Actor, str | None]] = OrderedDict()

    def get(self, token: str) -> tuple[Actor, str | None] | None:
        return self._known.get(token)

    def remember(self, token: str, named: tuple[Actor, str | None]) -> None:
        self._known[token] = named
        if len(self._known) > self._size:
            self._known.popitem(last=False)


@dataclass(eq=False)
class AuditLog:
    store: AuditStore
    chain: str  # this node's chain: "local", or the node id with Redis
    keys: KeyRing
    patients: PatientLookup | None = None
    signer: Ed25519Key | None = None  # configured: Ed25519 instead of the HMAC
    read_flush_s: float = READ_FLUSH_S
    close_wait_s: float = CLOSE_WAIT_S  # shutdown waits this long for a failing store
    clock: Callable[[], float] = time.time
    names: Names = field(default_factory=Names)  # who holds which token (hooks.caller)
    _queue: list[Body] = field(default_factory=list)
    _reads: dict[ReadKey, _Reads] = field(default_factory=dict)
    _head: Link | None = None
    _known: dict[str, str | None] = field(default_factory=dict)  # study -> patient id
    _flushing: asyncio.Task[None] | None = None
    _ticker: asyncio.Task[None] | None = None
    _closed: bool = False

    # --- writing ----------------------------------------------------------------------------
    def record(
        self,
        action: str,
        actor: Actor,
        room: str | None = None,
        *,
        subject: Mapping[str, str] | None = None,
        details: Mapping[str, Any] | None = None,
        at: float | None = None,
    ) -> None:
        """Queue one entry (on the event loop; never blocks, never raises into the caller)."""
        if self._closed:
            log.debug("audit closed: %s by %s not recorded", action, actor.identity)
            return
        when = self.clock() if at is None else at
        body = Body(
            when,
            self.chain,
            action,
            actor.identity,
            actor.role,
            room,
            dict(subject or {}),
            dict(details or {}),
        )
        self._queue.append(_encodable(body))
        self._kick()

    def read(self, action: str, actor: Actor, room: str | None, subject: Mapping[str, str]) -> None:
        """One read (a frame, a series, a recording's media): aggregated, see the docstring."""
        now = self.clock()
        key: ReadKey = (action, room, actor.identity, actor.role, tuple(sorted(subject.items())))
        counted = self._reads.get(key)
        if counted is None:
            self._reads[key] = _Reads(now, now)
            details = {"first": now, "last": now, "count": 1}
            self.record(action, actor, room, subject=subject, details=details, at=now)
            return
        if counted.count == 0:
            counted.first = now
        counted.last, counted.count = now, counted.count + 1

    def flush_reads(self, *, forget_quiet: bool = False) -> None:
        """Write the counted reads as one entry per key; the timer also forgets keys that
        saw no read since its last tick (their next read is a "first" again)."""
        for key, counted in list(self._reads.items()):
            if counted.count == 0:
                if forget_quiet:
                    del self._reads[key]
                continue
            action, room, identity, role, subject = key
            details = {"first": counted.first, "last": counted.last, "count": counted.count}
            self.record(
                action,
                Actor(identity, role),
                room,
                subject=dict(subject),
                details=details,
                at=counted.last,
            )
            counted.count = 0

    async def sync(self) -> None:
        """Everything recorded so far (counted reads too) is in the store when this returns."""
        self.flush_reads()
        while self._flushing is not None:
            await asyncio.shield(self._flushing)

    # --- rooms ------------------------------------------------------------------------------
    def attach(self, host: LocalRoom) -> None:
        """Observe a room (``RoomRegistry.on_host``), as the recorder does."""
        room = str(host.room.id)
        roles = {p.id: p.role.value for p in host.room.snapshot().state.participants.values()}

        def observe(stamped: Stamped, message: bytes) -> None:
            if stamped.seq is None:
                return  # ephemeral (pointers): never audited
            event = stamped.event
            if isinstance(event, ParticipantJoined):
                roles[event.participant] = event.role.value
            fact = fact_for(event)
            if fact is None:
                return
            by = stamped.by
            actor = Actor(by, roles.get(by)) if by is not None else Actor("system")
            self.record(
                fact.action,
                actor,
                room,
                subject=fact.subject,
                details=fact.details,
                at=stamped.at,
            )

        host.add_observer(observe)

    # --- the flush task ---------------------------------------------------------------------
    def _kick(self) -> None:
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush(), name="audit flush")

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch = list(self._queue)
                if await self._write(batch):
                    del self._queue[: len(batch)]
                else:
                    await asyncio.sleep(RETRY_S)
        finally:
            self._flushing = None

    async def _write(self, batch: list[Body]) -> bool:
        try:
            if self._head is None:
                self._head = await self.store.head(self.chain)
            bodies = await asyncio.to_thread(self._with_patients, batch)
            entries = self._seal(bodies, self._head)
            await self.store.append(entries)
        except ChainConflict:
            log.warning("audit chain %s: another writer appended; re-reading its head", self.chain)
            self._head = None
            return False
        except Exception:
            log.exception("audit store failed; %d entries wait for the retry", len(batch))
            self._head = None
            return False
        self._head = entries[-1].link()
        return True

    def _seal(self, bodies: list[Body], head: Link) -> list[Entry]:
        if self.signer is not None:
            return seal_all(bodies, self.chain, head, self.signer.kid, self.signer.sign)
        kid = self.keys.active.kid
        return seal_all(bodies, self.chain, head, kid, derive_key(self.keys.active.secret))

    def _with_patients(self, batch: list[Body]) -> list[Body]:
        if self.patients is None:
            return batch
        if len(self._known) > PATIENT_CACHE:
            self._known.clear()
        bodies = [_with_patient(body, self.patients, self._known) for body in batch]
        for study in [s for s, patient in self._known.items() if patient is None]:
            del self._known[study]  # not imported yet: ask again next time
        return bodies

    # --- lifetime ---------------------------------------------------------------------------
    def start(self) -> None:
        self._ticker = asyncio.create_task(self._tick(), name="audit reads")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.read_flush_s)
            self.flush_reads(forget_quiet=True)

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        try:
            await asyncio.wait_for(self.sync(), self.close_wait_s)
        except TimeoutError:  # the store is down: shutting down must not hang on it
            log.error("audit store down at shutdown: %d entries not written", len(self._queue))
            if self._flushing is not None:
                self._flushing.cancel()
        self._closed = True

    def key_for(self, kid: str) -> bytes | Check | None:
        if self.signer is not None and kid == self.signer.kid:
            return self.signer.check()
        secret = self.keys.secret(kid)
        return None if secret is None else derive_key(secret)


def _encodable(body: Body) -> Body:
    """A body the canonical encoding accepts: one that does not would block the queue."""
    try:
        canonical(body.fields())
    except (TypeError, ValueError):
        log.error("audit: %s details are not JSON; kept as text", body.action)
        return replace(body, details={"unencodable": repr(dict(body.details))})
    return body


def _with_patient(body: Body, patients: PatientLookup, known: dict[str, str | None]) -> Body:
    study = body.subject.get("study")
    if not study or "patient" in body.subject:
        return body
    if study not in known:
        try:
            known[study] = patients(study)
        except Exception:  # an unreadable index must not stop the audit
            log.exception("audit: patient of study %s not found", study)
            known[study] = None
    patient = known[study]
    if patient is None:
        return body
    return replace(body, subject={**body.subject, "patient": patient})
