"""Where sealed audit entries live: one narrow interface, two implementations.

- ``SqliteAudit``: ``<data dir>/audit.sqlite3`` (WAL, ``synchronous=FULL``: every batch is on
  disk when ``append`` returns). One node, and the offline CLI (``huizhen token`` writes its
  own chain ``cli`` there; ``huizhen audit --data-dir`` reads it without a server).
- ``RedisAudit``: one stream per chain (``hz:audit:<chain>``, entry id ``<seq>-0``) and a set
  of chain names; with ``--redis`` each node writes its own chain (its node id).

Each chain has ONE writer at a time. A second writer (two CLI runs at once) is caught by the
store, not trusted: the seq is the primary key (SQLite) or the stream id (Redis), so a
conflicting append fails with ``ChainConflict`` and the writer re-reads the head and re-seals.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from redis.asyncio import Redis

from server.audit.chain import START, Entry, Link

T = TypeVar("T")
FILE_NAME = "audit.sqlite3"
REDIS_CHAINS = "hz:audit:chains"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    chain TEXT NOT NULL, seq INTEGER NOT NULL,
    body TEXT NOT NULL, hash TEXT NOT NULL, sig TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
) WITHOUT ROWID;
"""


class ChainConflict(Exception):
    """Another writer appended to the chain first: re-read the head and seal again."""


class AuditStore(Protocol):
    async def head(self, chain: str) -> Link: ...
    async def append(self, entries: Sequence[Entry]) -> None: ...  # raises ChainConflict
    async def chains(self) -> list[str]: ...
    async def entries(self, chain: str) -> list[Entry]: ...  # in seq order
    async def close(self) -> None: ...


class SqliteAuditFile:
    """The synchronous file (the CLI uses it directly; ``SqliteAudit`` from the event loop)."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            data_dir / FILE_NAME, isolation_level=None, timeout=30.0, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def head(self, chain: str) -> Link:
        row = self._db.execute(
            "SELECT seq, hash FROM entries WHERE chain = ? ORDER BY seq DESC LIMIT 1", (chain,)
        ).fetchone()
        return START if row is None else Link(int(row[0]), str(row[1]))

    def append(self, entries: Sequence[Entry]) -> None:
        rows = [(e.chain, e.seq, e.text, e.hash, e.sig) for e in entries]
        try:
            with self._db:  # one transaction: the batch is all there or not at all
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.IntegrityError:
            raise ChainConflict(entries[0].chain) from None

    def chains(self) -> list[str]:
        rows = self._db.execute("SELECT DISTINCT chain FROM entries ORDER BY chain").fetchall()
        return [str(row[0]) for row in rows]

    def entries(self, chain: str) -> list[Entry]:
        rows = self._db.execute(
            "SELECT chain, seq, body, hash, sig FROM entries WHERE chain = ? ORDER BY seq",
            (chain,),
        ).fetchall()
        return [Entry(str(c), int(s), str(b), str(h), str(g)) for c, s, b, h, g in rows]

    def close(self) -> None:
        self._db.close()


class SqliteAudit:
    """``SqliteAuditFile`` on its own thread: the event loop never waits on the disk."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit")
        self._file: SqliteAuditFile | None = None

    async def open(self) -> SqliteAudit:
        self._file = await self._run(lambda: SqliteAuditFile(self._data_dir))
        return self

    def _db(self) -> SqliteAuditFile:
        if self._file is None:
            raise RuntimeError("SqliteAudit used before open()")
        return self._file

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def head(self, chain: str) -> Link:
        return await self._run(lambda: self._db().head(chain))

    async def append(self, entries: Sequence[Entry]) -> None:
        await self._run(lambda: self._db().append(entries))

    async def chains(self) -> list[str]:
        return await self._run(lambda: self._db().chains())

    async def entries(self, chain: str) -> list[Entry]:
        return await self._run(lambda: self._db().entries(chain))

    async def close(self) -> None:
        if self._file is not None:
            await self._run(self._file.close)
        self._executor.shutdown(wait=True)


_APPEND = """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq = 0
if #last > 0 then seq = tonumber(string.match(last[1][1], '^(%d+)')) end
if seq ~= tonumber(ARGV[1]) then return 0 end
for i = 2, #ARGV, 4 do
  redis.call('XADD', KEYS[1], ARGV[i], 'text', ARGV[i+1], 'hash', ARGV[i+2], 'sig', ARGV[i+3])
end
return 1
"""
"""Append a batch atomically, only if the stream's last seq is the one the batch follows."""


def _stream(chain: str) -> str:
    return f"hz:audit:{chain}"


class RedisAudit:
    """A stream per chain: the entry id is ``<seq>-0``, so Redis itself refuses a seq that is
    not above the stream's last one (a second writer of the same chain)."""

    def __init__(self, client: Redis) -> None:
        self._redis = client

    async def head(self, chain: str) -> Link:
        last = _rows(await self._redis.xrevrange(_stream(chain), count=1), chain)
        return START if not last else last[0].link()

    async def append(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        chain = entries[0].chain
        await self._redis.sadd(REDIS_CHAINS, chain)
        args: list[str | int] = [entries[0].seq - 1]
        for e in entries:
            args += [f"{e.seq}-0", e.text, e.hash, e.sig]
        if not await self._redis.eval(_APPEND, 1, _stream(chain), *args):
            raise ChainConflict(chain)

    async def chains(self) -> list[str]:
        return sorted(_text(name) for name in await self._redis.smembers(REDIS_CHAINS))

    async def entries(self, chain: str) -> list[Entry]:
        return _rows(await self._redis.xrange(_stream(chain)), chain)

    async def close(self) -> None:
        await self._redis.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _rows(raw: Any, chain: str) -> list[Entry]:
    """Stream entries ``(b"<seq>-0", {b"text", b"hash", b"sig"})`` as ``Entry`` values."""
    rows: list[tuple[bytes, dict[bytes, bytes]]] = raw or []
    return [
        Entry(
            chain, int(_text(sid).split("-")[0]), *(_text(f[k]) for k in (b"text", b"hash", b"sig"))
        )
        for sid, f in rows
    ]
