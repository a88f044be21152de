"""The SQLite index of the study store (the embedded default).

One row per study, series and instance. The index is the truth: a file on disk that has no
row is invisible (it can only be left behind by a crash between rename and commit, and the
next import of that instance overwrites it). WAL mode lets readers run during an import.
Every call opens its own connection, so the index is safe to use from several threads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.cases import ownership

SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    study_uid TEXT PRIMARY KEY,
    patient_name TEXT NOT NULL, patient_id TEXT NOT NULL,
    study_date TEXT NOT NULL, study_time TEXT NOT NULL,
    accession_number TEXT NOT NULL, description TEXT NOT NULL,
    deidentified_from TEXT
);
CREATE TABLE IF NOT EXISTS series (
    series_uid TEXT PRIMARY KEY,
    study_uid TEXT NOT NULL REFERENCES studies(study_uid),
    modality TEXT NOT NULL, series_number INTEGER, description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS instances (
    sop_uid TEXT PRIMARY KEY,
    study_uid TEXT NOT NULL, series_uid TEXT NOT NULL REFERENCES series(series_uid),
    sop_class_uid TEXT NOT NULL, transfer_syntax_uid TEXT NOT NULL,
    instance_number INTEGER, number_of_frames INTEGER NOT NULL,
    rows INTEGER, columns INTEGER,
    relpath TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_by_series ON instances(study_uid, series_uid);
CREATE INDEX IF NOT EXISTS series_by_study ON series(study_uid);
"""


@dataclass(frozen=True)
class StudyRow:
    study_uid: str
    patient_name: str
    patient_id: str
    study_date: str
    study_time: str
    accession_number: str
    description: str
    deidentified_from: str | None


@dataclass(frozen=True)
class SeriesRow:
    series_uid: str
    study_uid: str
    modality: str
    series_number: int | None
    description: str


@dataclass(frozen=True)
class InstanceRow:
    sop_uid: str
    study_uid: str
    series_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    instance_number: int | None
    number_of_frames: int
    rows: int | None
    columns: int | None
    relpath: str
    size: int
    sha256: str


FILTERS = {
    "study_uid": "s.study_uid LIKE ? ESCAPE '\\'",
    "patient_name": "s.patient_name LIKE ? ESCAPE '\\'",
    "patient_id": "s.patient_id LIKE ? ESCAPE '\\'",
    "study_date": "s.study_date LIKE ? ESCAPE '\\'",
    "accession_number": "s.accession_number LIKE ? ESCAPE '\\'",
    "modality": "s.study_uid IN (SELECT study_uid FROM series WHERE modality LIKE ? ESCAPE '\\')",
}
"""Study filter keys and their SQL; the values are DICOM-style patterns (``*``, ``?``)."""


@dataclass(frozen=True)
class StudyRecord(StudyRow):
    """A stored study as queries return it: its row plus the aggregates over its series."""

    modalities: tuple[str, ...]
    series_count: int
    instance_count: int


Row = tuple[Any, ...]  # sqlite3 rows are untyped; the dataclasses give them types


class Index:
    """Typed access to ``index.sqlite``; queries return plain rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
            conn.executescript(ownership.SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (see transaction()).
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back if the block raises."""
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- writes (inside transaction()) ------------------------------------------------
    @staticmethod
    def add_study(conn: sqlite3.Connection, row: StudyRow) -> None:
        conn.execute("INSERT OR IGNORE INTO studies VALUES (?,?,?,?,?,?,?,?)", _values(row))

    @staticmethod
    def add_series(conn: sqlite3.Connection, row: SeriesRow) -> None:
        conn.execute("INSERT OR IGNORE INTO series VALUES (?,?,?,?,?)", _values(row))

    @staticmethod
    def add_instance(conn: sqlite3.Connection, row: InstanceRow) -> None:
        conn.execute("INSERT INTO instances VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", _values(row))

    # --- reads --------------------------------------------------------------------------
    def sha256_of(self, sop_uids: Sequence[str]) -> dict[str, str]:
        """The stored hash of each of ``sop_uids`` that is already in the index."""
        found: dict[str, str] = {}
        with self.connect() as conn:
            for start in range(0, len(sop_uids), 500):
                chunk = list(sop_uids[start : start + 500])
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT sop_uid, sha256 FROM instances WHERE sop_uid IN ({marks})"  # noqa: S608 - only '?' marks
                found.update(conn.execute(sql, chunk).fetchall())
        return found

    def studies(self, filters: Mapping[str, str]) -> list[StudyRecord]:
        """Studies matching every filter (``*``/``?`` wildcards, see :data:`FILTERS`), each
        with its modalities and counts, in one query."""
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise ValueError(f"unknown study filter(s) {sorted(unknown)}; expected {list(FILTERS)}")
        where = " AND ".join(FILTERS[key] for key in filters) or "1"
        args = [_like(value) for value in filters.values()]
        sql = f"""SELECT s.*,
            (SELECT group_concat(DISTINCT modality) FROM series r WHERE r.study_uid=s.study_uid),
            (SELECT COUNT(*) FROM series r WHERE r.study_uid=s.study_uid),
            (SELECT COUNT(*) FROM instances i WHERE i.study_uid=s.study_uid)
            FROM studies s WHERE {where} ORDER BY s.study_date, s.study_uid"""  # noqa: S608 - fixed clauses
        return [_summary(r) for r in self._all(sql, args)]

    def series(self, study_uid: str) -> list[tuple[SeriesRow, int]]:
        sql = (
            "SELECT s.*, (SELECT COUNT(*) FROM instances i WHERE i.series_uid=s.series_uid)"
            " FROM series s WHERE s.study_uid=? ORDER BY s.series_number, s.series_uid"
        )
        return [(SeriesRow(*r[:5]), int(r[5])) for r in self._all(sql, (study_uid,))]

    def instances(self, study_uid: str, series_uid: str | None) -> list[InstanceRow]:
        sql = "SELECT * FROM instances WHERE study_uid=?"
        args = [study_uid]
        if series_uid is not None:
            sql += " AND series_uid=?"
            args.append(series_uid)
        sql += " ORDER BY series_uid, instance_number, sop_uid"
        return [InstanceRow(*r) for r in self._all(sql, args)]

    def instance(self, study_uid: str, series_uid: str, sop_uid: str) -> InstanceRow | None:
        sql = "SELECT * FROM instances WHERE study_uid=? AND series_uid=? AND sop_uid=?"
        rows = self._all(sql, (study_uid, series_uid, sop_uid))
        return InstanceRow(*rows[0]) if rows else None

    def _all(self, sql: str, args: Sequence[str]) -> list[Row]:
        with self.connect() as conn:
            return [tuple(r) for r in conn.execute(sql, tuple(args)).fetchall()]


def _summary(r: Row) -> StudyRecord:
    modalities = tuple(sorted(m for m in (r[8] or "").split(",") if m))
    row = StudyRow(*r[:8])
    return StudyRecord(
        **vars(row), modalities=modalities, series_count=int(r[9]), instance_count=int(r[10])
    )


def _values(row: StudyRow | SeriesRow | InstanceRow) -> Row:
    return tuple(row.__dict__.values())


def _like(pattern: str) -> str:
    """A DICOM wildcard pattern (``*``, ``?``) as a LIKE pattern with ``\\`` as escape."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")
