"""The writer over the real SQLite store: batching, read aggregation, a second writer of the
same chain, a failing store, and the queries over what it wrote."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from livetools import TEST_KEYS

from server.audit import query
from server.audit.chain import START, Body, derive_key, seal_all
from server.audit.service import Actor, AuditLog
from server.audit.store import ChainConflict, SqliteAudit, SqliteAuditFile
from server.tokens import KeyRing

KEYS = KeyRing(TEST_KEYS)
DR = Actor("dr-li", "participant")
SERIES = {"study": "1.2.3", "series": "1.2.3.4"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteAudit]:
    opened = await SqliteAudit(tmp_path).open()
    yield opened
    await opened.close()


def audit_log(store: SqliteAudit, clock: Clock, **kw: object) -> AuditLog:
    patients = {"1.2.3": "PAT-7"}
    return AuditLog(store, "local", KEYS, patients.get, clock=clock, **kw)  # type: ignore[arg-type]


async def test_reads_are_one_entry_then_counted(store: SqliteAudit) -> None:
    clock = Clock()
    log = audit_log(store, clock)
    for step in range(5):
        clock.now = 1000.0 + step
        log.read("series.read", DR, "room-1", SERIES)
    await log.sync()
    entries = await store.entries("local")
    assert [e.body()["details"] for e in entries] == [
        {"first": 1000.0, "last": 1000.0, "count": 1},
        {"first": 1001.0, "last": 1004.0, "count": 4},
    ]
    assert entries[0].body()["subject"] == SERIES | {"patient": "PAT-7"}
    log.flush_reads()  # a query's flush: nothing new, the key stays (no new "first")
    clock.now = 1500.0
    log.read("series.read", DR, "room-1", SERIES)
    log.flush_reads(forget_quiet=True)  # the timer: one counted read written
    clock.now = 2000.0
    log.flush_reads(forget_quiet=True)  # quiet since: forgotten, the next read is a first
    log.read("series.read", DR, "room-1", SERIES)
    await log.sync()
    rows = await query.select(store, query.Query(patient="PAT-7"))
    [total] = query.reads(rows)
    assert (total["first"], total["last"], total["count"]) == (1000.0, 2000.0, 7)
    assert [e.body()["details"]["count"] for e in await store.entries("local")] == [1, 4, 1, 1]


async def test_entries_queued_together_share_a_batch_and_chain_on(store: SqliteAudit) -> None:
    log = audit_log(store, Clock())
    for i in range(50):
        log.record("participant.joined", Actor(f"p{i}"), "room-1")
    await log.sync()
    entries = await store.entries("local")
    assert [e.seq for e in entries] == list(range(1, 51))
    [report] = await query.verify(store, log.key_for)
    assert report.problem is None and report.entries == 50


async def test_a_second_writer_of_the_chain_makes_the_first_reseal(
    store: SqliteAudit, tmp_path: Path
) -> None:
    log = audit_log(store, Clock())
    log.record("a", Actor("x"))
    await log.sync()
    other = SqliteAuditFile(tmp_path)  # e.g. a second process on the same data dir
    key = derive_key(KEYS.active.secret)
    stale = seal_all([Body(1.0, "local", "b", "y")], "local", START, KEYS.active.kid, key)
    with pytest.raises(ChainConflict):
        other.append(stale)  # seq 1 is taken
    other.append(
        seal_all([Body(1.0, "local", "b", "y")], "local", other.head("local"), KEYS.active.kid, key)
    )
    other.close()
    log.record("c", Actor("z"))
    await log.sync()  # its cached head is stale: conflict, re-read, re-seal
    assert [e.body()["action"] for e in await store.entries("local")] == ["a", "b", "c"]
    [report] = await query.verify(store, log.key_for)
    assert report.problem is None


class FailingOnce(SqliteAudit):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.failures = 1

    async def append(self, entries: object) -> None:  # type: ignore[override]
        if self.failures:
            self.failures -= 1
            raise OSError("disk full")
        await super().append(entries)  # type: ignore[arg-type]


async def test_a_failing_store_keeps_the_batch_and_retries(tmp_path: Path) -> None:
    failing = await FailingOnce(tmp_path).open()
    try:
        log = AuditLog(failing, "local", KEYS)
        log.record("a", Actor("x"))
        log.record("b", Actor("y"))
        await log.sync()
        assert [e.body()["action"] for e in await failing.entries("local")] == ["a", "b"]
    finally:
        await failing.close()


async def test_after_close_nothing_is_queued(store: SqliteAudit) -> None:
    log = audit_log(store, Clock())
    log.start()
    log.read("series.read", DR, "room-1", SERIES)
    log.read("series.read", DR, "room-1", SERIES)
    await log.close()  # the counted read is written on the way out
    log.record("late", Actor("x"))
    await log.sync()
    rows = await query.select(store, query.Query())
    assert [r["details"]["count"] for r in rows] == [1, 1]


def test_query_filters() -> None:
    row = {
        "at": 5.0,
        "room": "r",
        "actor": "a",
        "action": "annotation.created",
        "subject": {"participant": "b", "study": "s", "patient": "p"},
    }
    assert query.Query(
        room="r", person="b", study="s", patient="p", action="annotation", since=5.0, until=5.0
    ).matches(row)
    for miss in (
        query.Query(room="x"),
        query.Query(person="c"),
        query.Query(action="annot"),
        query.Query(since=6.0),
        query.Query(until=4.0),
        query.Query(patient="q"),
    ):
        assert not miss.matches(row)
    assert query.parse_time("t", "1970-01-01T00:01:00") == 60.0
    assert query.parse_time("t", "60.5") == 60.5
    with pytest.raises(ValueError, match="t: epoch"):
        query.parse_time("t", "soon")


class Down(SqliteAudit):
    async def append(self, entries: object) -> None:  # type: ignore[override]
        raise OSError("store down")


async def test_closing_with_the_store_down_gives_up_instead_of_hanging(tmp_path: Path) -> None:
    down = await Down(tmp_path).open()
    try:
        log = AuditLog(down, "local", KEYS, close_wait_s=0.2)
        log.record("a", Actor("x"))
        await log.close()  # returns: the entry is reported lost, not waited for forever
        assert await down.entries("local") == []
    finally:
        await down.close()


async def test_details_that_are_not_json_are_kept_as_text(store: SqliteAudit) -> None:
    log = audit_log(store, Clock())
    log.record("odd", Actor("x"), details={"grants": frozenset({"chat"})})
    log.record("next", Actor("y"))
    await log.sync()  # the odd one did not block the queue
    bodies = [e.body() for e in await store.entries("local")]
    assert [b["action"] for b in bodies] == ["odd", "next"]
    assert "frozenset" in bodies[0]["details"]["unencodable"]
