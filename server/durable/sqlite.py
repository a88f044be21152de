"""``RoomLog`` and ``RoomDirectory`` in one SQLite file (WAL mode) in the data directory.

Why SQLite and not a hand-written append-only file: one file holds the room directory, the
event logs and the snapshots with atomic multi-table transactions (a snapshot and the trim of
the events it covers commit together), crash recovery is SQLite's own, and measured on this
machine a WAL commit with ``synchronous=FULL`` (one ``fdatasync`` of the WAL per commit) costs
the same order as an fsync of our own file (docs/benchmarks.md, "Durable rooms").

- **One thread.** The connection lives on a dedicated single-thread executor: the event loop
  never waits on the disk, and every statement runs in submission order.
- **Group commit.** ``append`` only queues its entries; one flush at a time takes everything
  queued by every room and writes it in ONE transaction (one fsync). While a flush runs the
  next batch accumulates, so under load many rooms' ticks share each fsync.
- **Errors** surface as ``StoreError`` (an ``OSError``): the log writer treats them like a
  lost Redis connection — it retries and the room's output waits (nothing is dropped).
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from server.interfaces import RoomExists, RoomInfo, StoredRoom
from session.codec import encode_snapshot, snapshot_from_wire, stamped_from_wire
from session.ids import RoomId
from session.room import Snapshot

T = TypeVar("T")
Row = tuple[object, ...]
# Module level: inside ``SqliteStore`` the name ``list`` is the directory method.
Rows = list[Row]
Entries = list[tuple[RoomId, int, bytes]]
FILE_NAME = "rooms.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at REAL NOT NULL, closed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    room TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    room TEXT PRIMARY KEY, seq INTEGER NOT NULL, data BLOB NOT NULL
);
"""


class StoreError(OSError):
    """The embedded store failed (disk full, I/O error, locked file): retry later."""


@dataclass(eq=False)
class _Queued:
    """Appends waiting for the next group commit, and who waits on it."""

    entries: list[tuple[RoomId, int, bytes]] = field(default_factory=list)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)


class SqliteStore:
    """Both seams over one file; open with ``await SqliteStore.open(data_dir)``."""

    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous: FULL or NORMAL, not {synchronous!r}")
        self.path = path
        self._synchronous = synchronous
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="room-store")
        self._db: sqlite3.Connection | None = None
        self._queued = _Queued()
        self._flushing: asyncio.Task[None] | None = None
        self.commits = 0  # group commits done (for the benchmark and tests)

    @classmethod
    async def open(cls, data_dir: Path, *, synchronous: str = "FULL") -> SqliteStore:
        store = cls(data_dir / FILE_NAME, synchronous=synchronous)
        await store._run(store._connect)
        return store

    async def close(self) -> None:
        """Finish queued appends, then close the file (the WAL is checkpointed)."""
        while self._flushing is not None:
            await asyncio.shield(self._flushing)
        await self._run(self._disconnect)
        self._executor.shutdown(wait=True)

    # --- RoomDirectory --------------------------------------------------------------------------
    async def create(self, info: RoomInfo) -> RoomInfo:
        if not await self._run(lambda: self._insert_room(info)):
            raise RoomExists(info.id)
        return info

    async def get(self, room_id: RoomId) -> RoomInfo | None:
        return await self._run(lambda: self._room(room_id))

    async def list(self) -> list[RoomInfo]:
        rows = await self._run(lambda: self._rows("SELECT * FROM rooms ORDER BY id", ()))
        return [_info(row) for row in rows]

    async def close_room(self, room_id: RoomId) -> RoomInfo | None:
        return await self._run(lambda: self._close_room(room_id))

    # --- RoomLog --------------------------------------------------------------------------------
    async def append(self, room_id: RoomId, entries: Sequence[tuple[int, bytes]]) -> None:
        if not entries:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.entries.extend((room_id, seq, data) for seq, data in entries)
        self._queued.waiters.append(done)
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush_all(), name="room-store commit")
        await done

    async def save_snapshot(self, room_id: RoomId, snapshot: Snapshot) -> None:
        data = encode_snapshot(snapshot)
        await self._run(lambda: self._snapshot(room_id, snapshot.seq, data))

    async def load(self, room_id: RoomId) -> StoredRoom | None:
        found = await self._run(lambda: self._load(room_id))
        if found is None:
            return None
        snapshot, events = found
        return StoredRoom(snapshot_from_wire(snapshot), tuple(map(stamped_from_wire, events)))

    async def last_seq(self, room_id: RoomId) -> int:
        return await self._run(lambda: self._last_seq(room_id))

    # --- group commit ---------------------------------------------------------------------------
    async def _flush_all(self) -> None:
        try:
            while self._queued.waiters:
                batch, self._queued = self._queued, _Queued()
                try:
                    await self._run(functools.partial(self._append_all, batch.entries))
                except asyncio.CancelledError as exc:
                    _settle(batch.waiters, exc)
                    raise
                except Exception as exc:  # every waiter of this batch hears it
                    _settle(batch.waiters, exc)
                else:
                    _settle(batch.waiters, None)
        finally:
            self._flushing = None

    # --- the store thread -----------------------------------------------------------------------
    async def _run(self, work: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, work)
        except sqlite3.Error as exc:
            raise StoreError(f"room store {self.path}: {exc}") from exc

    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={self._synchronous}")
        db.executescript(_SCHEMA)
        self._db = db

    def _disconnect(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise sqlite3.ProgrammingError("the room store is closed")
        return self._db

    def _rows(self, sql: str, args: Row) -> Rows:
        return self._conn.execute(sql, args).fetchall()

    def _insert_room(self, info: RoomInfo) -> bool:
        cursor = self._conn.execute(
            "INSERT OR IGNORE INTO rooms VALUES (?, ?, ?, ?)",
            (info.id, info.title, info.created_at, int(info.closed)),
        )
        return cursor.rowcount == 1

    def _room(self, room_id: RoomId) -> RoomInfo | None:
        rows = self._rows("SELECT * FROM rooms WHERE id = ?", (room_id,))
        return _info(rows[0]) if rows else None

    def _close_room(self, room_id: RoomId) -> RoomInfo | None:
        info = self._room(room_id)
        if info is not None:
            self._conn.execute("UPDATE rooms SET closed = 1 WHERE id = ?", (room_id,))
            info = replace(info, closed=True)
        return info

    def _append_all(self, entries: Entries) -> None:
        """One transaction, one fsync, for every room's queued entries (seq order per room).

        A seq at or below the room's newest one is skipped: a retry after an unknown outcome."""
        db = self._conn
        with _transaction(db):
            newest: dict[RoomId, int] = {}
            for room_id, seq, data in entries:
                if room_id not in newest:
                    newest[room_id] = self._last_seq(room_id)
                if seq > newest[room_id]:
                    db.execute("INSERT INTO events VALUES (?, ?, ?)", (room_id, seq, data))
                    newest[room_id] = seq
        self.commits += 1

    def _snapshot(self, room_id: RoomId, seq: int, data: bytes) -> None:
        db = self._conn
        with _transaction(db):
            db.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)", (room_id, seq, data))
            db.execute("DELETE FROM events WHERE room = ? AND seq <= ?", (room_id, seq))

    def _load(self, room_id: RoomId) -> tuple[bytes, tuple[bytes, ...]] | None:
        with _transaction(self._conn):  # one consistent read of both tables
            snap = self._rows("SELECT data FROM snapshots WHERE room = ?", (room_id,))
            if not snap:
                return None
            rows = self._rows("SELECT data FROM events WHERE room = ? ORDER BY seq", (room_id,))
        return _blob(snap[0][0]), tuple(_blob(row[0]) for row in rows)

    def _last_seq(self, room_id: RoomId) -> int:
        (row,) = self._rows(
            "SELECT MAX(COALESCE((SELECT MAX(seq) FROM events WHERE room = ?), 0),"
            " COALESCE((SELECT seq FROM snapshots WHERE room = ?), 0))",
            (room_id, room_id),
        )
        newest = row[0]
        if not isinstance(newest, int):
            raise sqlite3.DataError(f"room {room_id!r}: seq is not an integer")
        return newest


def open_sync(data_dir: Path, *, synchronous: str = "FULL") -> SqliteStore:
    """Open the store without a running loop (at start-up, before anything is served)."""
    store = SqliteStore(data_dir / FILE_NAME, synchronous=synchronous)
    try:
        store._connect()
    except sqlite3.Error as exc:
        raise StoreError(f"room store {store.path}: {exc}") from exc
    return store


class SqliteRoomDirectory:
    """The ``RoomDirectory`` face of a ``SqliteStore`` (its ``close`` is the room's close)."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    async def create(self, info: RoomInfo) -> RoomInfo:
        return await self.store.create(info)

    async def get(self, room_id: RoomId) -> RoomInfo | None:
        return await self.store.get(room_id)

    async def list(self) -> list[RoomInfo]:
        return await self.store.list()

    async def close(self, room_id: RoomId) -> RoomInfo | None:
        return await self.store.close_room(room_id)


class _transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


def _settle(waiters: list[asyncio.Future[None]], exc: BaseException | None) -> None:
    for done in waiters:
        if done.done():
            continue  # its appender was cancelled
        if exc is None:
            done.set_result(None)
        else:
            done.set_exception(exc)


def _info(row: tuple[object, ...]) -> RoomInfo:
    room_id, title, created_at, closed = row
    if not isinstance(created_at, int | float):
        raise sqlite3.DataError(f"created_at of room {room_id!r} is not a number")
    return RoomInfo(RoomId(str(room_id)), str(title), float(created_at), bool(closed))


def _blob(value: object) -> bytes:
    if not isinstance(value, bytes):
        raise sqlite3.DataError(f"expected a blob, got {type(value).__name__}")
    return value
