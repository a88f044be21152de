"""The revocation list of a single node: ``<data dir>/revocations.sqlite3``.

Its own small file, not the room store: revocations must survive a restart even when the rooms
live in memory (``room_store = memory``), and they are written rarely (an admin's action), so
each operation opens the file on a worker thread, does one statement and closes it.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from server.revocation import Change, Revocation

FILE_NAME = "revocations.sqlite3"
_SCHEMA = "CREATE TABLE IF NOT EXISTS revocations (id TEXT PRIMARY KEY, expires_at REAL, data TEXT)"


class SqliteRevocations:
    """``RevocationStore`` for one node; expired entries are deleted when the list is loaded."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME

    async def start(self, on_change: Callable[[Change], None]) -> list[Revocation]:
        return await asyncio.to_thread(self._load, time.time())

    async def stop(self) -> None:
        return None

    async def add(self, entry: Revocation) -> None:
        row = (entry.id, entry.expires_at, json.dumps(entry.to_json()))
        await asyncio.to_thread(self._write, "INSERT INTO revocations VALUES (?, ?, ?)", row)

    async def lift(self, entry_id: str) -> bool:
        changed = await asyncio.to_thread(
            self._write, "DELETE FROM revocations WHERE id = ?", (entry_id,)
        )
        return changed > 0

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute(_SCHEMA)
        return db

    def _write(self, sql: str, args: tuple[object, ...]) -> int:
        db = self._connect()
        try:
            with db:  # one transaction, committed (the file is fsynced by SQLite)
                return db.execute(sql, args).rowcount
        finally:
            db.close()

    def _load(self, now: float) -> list[Revocation]:
        db = self._connect()
        try:
            with db:
                db.execute("DELETE FROM revocations WHERE expires_at <= ?", (now,))
                rows = db.execute("SELECT data FROM revocations").fetchall()
        finally:
            db.close()
        return [Revocation.from_json(json.loads(data)) for (data,) in rows]
