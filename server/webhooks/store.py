"""Endpoints and deliveries in ``<data dir>/webhooks.sqlite3``: the outbox and the log at once.

A delivery row is written before the first attempt and updated after each one, so the
outbox survives a restart (pending rows are picked up by the next process) and the same rows
are the delivery log (status, attempts, last status code and error). ``UNIQUE(endpoint,
event_id)`` makes a re-observed event (a restart, a room moving node) one delivery, not two.
Finished rows beyond ``keep`` are pruned, oldest first, so the log stays bounded. A row keeps
its endpoint's URL and secret, so sending it needs no endpoint table.

Endpoints are an ``EndpointDirectory``: this store's own table for one node, or the one in
Redis that every node shares (``server.redis.webhooks``), chosen by the composition root.

Like ``server.durable.sqlite`` the connection lives on one dedicated thread: the event loop
never waits on the disk and statements run in submission order.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar

from server.webhooks.events import Announcement, WebhookEvent
from server.webhooks.signing import new_secret

T = TypeVar("T")
FILE_NAME = "webhooks.sqlite3"
DEFAULT_KEEP = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS endpoints (
    id TEXT PRIMARY KEY, url TEXT NOT NULL, secret TEXT NOT NULL, events TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, event_id TEXT NOT NULL,
    url TEXT NOT NULL, secret TEXT NOT NULL,
    event TEXT NOT NULL, body BLOB NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
    next_at REAL NOT NULL, last_status INTEGER, last_error TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL, UNIQUE (endpoint, event_id)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_at);
"""


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"  # a 2xx answer
    FAILED = "failed"  # every attempt failed
    CANCELLED = "cancelled"  # its endpoint was removed before it was delivered


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    url: str
    events: tuple[WebhookEvent, ...]  # empty: every event
    created_at: float
    secret: str = field(repr=False)

    def wants(self, event: WebhookEvent) -> bool:
        return not self.events or event in self.events

    def record(self) -> str:
        """The endpoint, secret included, as JSON (for a shared directory)."""
        return json.dumps(self.public() | {"secret": self.secret})

    @classmethod
    def from_record(cls, text: str | bytes) -> Endpoint:
        raw = json.loads(text)
        events = tuple(WebhookEvent(e) for e in raw["events"])
        return cls(raw["id"], raw["url"], events, float(raw["created_at"]), raw["secret"])

    def public(self) -> dict[str, Any]:
        """For listings: everything but the secret."""
        return {
            "id": self.id,
            "url": self.url,
            "events": [e.value for e in self.events],
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """One row of the log (``body`` and the endpoint's secret only when due)."""

    id: int
    endpoint: str
    event_id: str
    event: str
    status: DeliveryStatus
    attempts: int
    next_at: float
    last_status: int | None
    last_error: str
    created_at: float
    updated_at: float

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "endpoint": self.endpoint,
            "event_id": self.event_id,
            "event": self.event,
            "status": self.status.value,
            "attempts": self.attempts,
            "next_at": self.next_at if self.status is DeliveryStatus.PENDING else None,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True, slots=True)
class Due:
    """A pending delivery whose time has come, with what sending it needs."""

    delivery: Delivery
    url: str
    secret: str = field(repr=False)
    body: bytes = field(repr=False)


_DELIVERY_COLUMNS = (
    "d.id, d.endpoint, d.event_id, d.event, d.status, d.attempts, d.next_at, d.last_status, "
    "d.last_error, d.created_at, d.updated_at"
)


class EndpointDirectory(Protocol):
    """Where the registered endpoints live (one node: ``WebhookStore``; several: Redis)."""

    async def add_endpoint(self, url: str, events: tuple[WebhookEvent, ...]) -> Endpoint: ...

    async def endpoints(self) -> list[Endpoint]: ...

    async def remove_endpoint(self, endpoint_id: str) -> bool: ...


def new_endpoint(url: str, events: tuple[WebhookEvent, ...]) -> Endpoint:
    return Endpoint("wh_" + secrets.token_urlsafe(9), url, events, time.time(), new_secret())


class WebhookStore:
    """Open with ``await WebhookStore.open(data_dir)``; ``await close()`` at shutdown."""

    def __init__(self, path: Path, keep: int = DEFAULT_KEEP) -> None:
        self.path = path
        self._keep = keep
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-store")
        self._db: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, data_dir: Path, keep: int = DEFAULT_KEEP) -> WebhookStore:
        store = cls(data_dir / FILE_NAME, keep)
        await store._run(store._connect)
        return store

    async def close(self) -> None:
        await self._run(self._disconnect)
        self._executor.shutdown(wait=True)

    # --- endpoints ------------------------------------------------------------------------------
    async def add_endpoint(self, url: str, events: tuple[WebhookEvent, ...]) -> Endpoint:
        endpoint = new_endpoint(url, events)
        await self._run(lambda: self._insert_endpoint(endpoint))
        return endpoint

    async def endpoints(self) -> list[Endpoint]:
        rows = await self._run(lambda: self._all("SELECT * FROM endpoints ORDER BY created_at"))
        return [_endpoint(row) for row in rows]

    async def remove_endpoint(self, endpoint_id: str) -> bool:
        """Forget an endpoint; its pending deliveries are cancelled (the log keeps them)."""
        gone = await self._run(
            lambda: self._write("DELETE FROM endpoints WHERE id = ?", (endpoint_id,))
        )
        await self.cancel(endpoint_id)
        return gone > 0

    async def cancel(self, endpoint_id: str) -> None:
        """Cancel the pending deliveries to an endpoint that is gone (the log keeps them)."""
        sql = (
            "UPDATE deliveries SET status = ?, last_error = ?, updated_at = ?"
            " WHERE endpoint = ? AND status = 'pending'"
        )
        args = (DeliveryStatus.CANCELLED.value, "endpoint removed", time.time(), endpoint_id)
        await self._run(lambda: self._write(sql, args))

    # --- outbox ---------------------------------------------------------------------------------
    async def enqueue(
        self, announcement: Announcement, endpoints: Sequence[Endpoint], now: float
    ) -> int:
        """A pending delivery for every endpoint that wants it; how many were new."""
        targets = [e for e in endpoints if e.wants(announcement.event)]
        if not targets:
            return 0
        return await self._run(lambda: self._enqueue(announcement, targets, now))

    async def due(self, now: float, limit: int) -> list[Due]:
        return await self._run(lambda: self._due(now, limit))

    async def next_due_at(self) -> float | None:
        return await self._run(self._next_due_at)

    async def attempted(  # noqa: PLR0917 - one attempt's outcome, all of it
        self,
        delivery_id: int,
        status: DeliveryStatus,
        next_at: float,
        last_status: int | None,
        error: str,
        now: float,
    ) -> None:
        sql = (
            "UPDATE deliveries SET status = ?, attempts = attempts + 1, next_at = ?,"
            " last_status = ?, last_error = ?, updated_at = ? WHERE id = ?"
        )
        args = (status.value, next_at, last_status, error[:500], now, delivery_id)
        await self._run(lambda: self._write(sql, args))

    # --- log ------------------------------------------------------------------------------------
    async def log(
        self, endpoint: str | None = None, status: DeliveryStatus | None = None, limit: int = 100
    ) -> list[Delivery]:
        """The newest deliveries first, optionally of one endpoint or in one status."""
        where, args = _filters(endpoint, status)
        sql = f"SELECT {_DELIVERY_COLUMNS} FROM deliveries d {where} ORDER BY d.id DESC LIMIT ?"  # noqa: S608 - where is built from fixed text
        rows = await self._run(lambda: self._all(sql, (*args, limit)))
        return [_delivery(row) for row in rows]

    # --- on the store's thread --------------------------------------------------------------------
    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        self._db = db

    def _disconnect(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("webhook store is closed")
        return self._db

    def _all(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        return self._conn().execute(sql, args).fetchall()

    def _write(self, sql: str, args: tuple[object, ...]) -> int:
        return self._conn().execute(sql, args).rowcount

    def _insert_endpoint(self, e: Endpoint) -> None:
        events = json.dumps([event.value for event in e.events])
        sql = "INSERT INTO endpoints VALUES (?, ?, ?, ?, ?)"
        self._write(sql, (e.id, e.url, e.secret, events, e.created_at))

    def _enqueue(self, announcement: Announcement, targets: list[Endpoint], now: float) -> int:
        db = self._conn()
        a = announcement
        rows = [
            (e.id, a.id, e.url, e.secret, a.event.value, a.body, now, now, now) for e in targets
        ]
        sql = (
            "INSERT OR IGNORE INTO deliveries (endpoint, event_id, url, secret, event, body,"
            " status, attempts, next_at, last_status, last_error, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, NULL, '', ?, ?)"
        )
        with db:
            db.execute("BEGIN")
            before = db.total_changes
            db.executemany(sql, rows)
            added = db.total_changes - before
            self._prune(db)
        return added

    def _prune(self, db: sqlite3.Connection) -> None:
        db.execute(
            "DELETE FROM deliveries WHERE status != 'pending' AND id <= ("
            " SELECT id FROM deliveries WHERE status != 'pending'"
            " ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (self._keep,),
        )

    def _due(self, now: float, limit: int) -> list[Due]:
        sql = (
            f"SELECT {_DELIVERY_COLUMNS}, d.url, d.secret, d.body FROM deliveries d"  # noqa: S608 - fixed text
            " WHERE d.status = 'pending' AND d.next_at <= ? ORDER BY d.next_at, d.id LIMIT ?"
        )
        rows = self._all(sql, (now, limit))
        return [Due(_delivery(row[:11]), row[11], row[12], row[13]) for row in rows]

    def _next_due_at(self) -> float | None:
        (found,) = (
            self._conn()
            .execute("SELECT MIN(next_at) FROM deliveries WHERE status = 'pending'")
            .fetchone()
        )
        return None if found is None else float(found)


def _filters(endpoint: str | None, status: DeliveryStatus | None) -> tuple[str, tuple[str, ...]]:
    clauses, args = [], []
    if endpoint is not None:
        clauses.append("d.endpoint = ?")
        args.append(endpoint)
    if status is not None:
        clauses.append("d.status = ?")
        args.append(status.value)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)


def _endpoint(row: tuple[Any, ...]) -> Endpoint:
    endpoint_id, url, secret, events, created_at = row
    chosen = tuple(WebhookEvent(e) for e in json.loads(events))
    return Endpoint(endpoint_id, url, chosen, created_at, secret)


def _delivery(row: tuple[Any, ...]) -> Delivery:
    did, endpoint, event_id, event, status, attempts, next_at, last, error, created, updated = row
    return Delivery(
        did,
        endpoint,
        event_id,
        event,
        DeliveryStatus(status),
        attempts,
        next_at,
        last,
        error,
        created,
        updated,
    )
