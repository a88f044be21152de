"""The study store: original DICOM bytes on disk, an SQLite index beside them.

Layout: ``root/dicom/<study>/<series>/<sop>.dcm`` + ``root/index.sqlite`` (WAL).
Files are kept exactly as received (original transfer syntax); transcoding happens on the
way out (DICOMweb). Every method is synchronous and safe to call from several threads
(``asyncio.to_thread``): each call opens its own SQLite connection.

An import stages every input (copied, hashed and fsynced inside ``root/staging``), checks
each file (``importer.py``), then commits study by study: one ``BEGIN IMMEDIATE`` transaction
inserts the rows of the study's valid instances and renames the staged files into place,
re-checking each SOP Instance UID in case another process stored it meanwhile. A bad file is
reported beside the valid ones and does not stop them; a failure of our own (disk full,
database locked) rolls the study's rows back and removes the renamed files.
Imports through one store object are serialised by a lock; separate processes by SQLite.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from server.cases import importer, ownership, sources
from server.cases.errors import BadInput, ImportNotice, InputCode
from server.cases.index import Index, InstanceRow, SeriesRow, StudyRecord
from server.cases.ownership import Access, Uploader
from server.cases.sources import Candidate, Limits, Staged, Unusable

if TYPE_CHECKING:
    from server.cases.deid_copy import DeidOutcome
    from server.cases.deid_rules import Options as DeidOptions

__all__ = [
    "Access",
    "ImportReport",
    "InstanceRecord",
    "Limits",
    "SeriesRecord",
    "StudyRecord",
    "StudyStore",
    "Uploader",
]

Progress = Callable[[int, int], None]
"""``progress(done, total)`` called while importing."""


@dataclass(frozen=True)
class InstanceRecord:
    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    instance_number: int | None
    number_of_frames: int
    rows: int | None
    columns: int | None
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class SeriesRecord:
    study_uid: str
    series_uid: str
    modality: str
    series_number: int | None
    description: str
    instance_count: int


@dataclass(frozen=True)
class ImportReport:
    imported: tuple[str, ...]  # SOP Instance UIDs newly stored
    duplicates: tuple[str, ...]  # SOP Instance UIDs already stored with identical bytes
    studies: tuple[str, ...]  # Study Instance UIDs touched by this import (new or not)
    errors: tuple[BadInput, ...]
    # Stored-but-worth-a-word and skipped non-DICOM files; never a reason to fail.
    notices: tuple[ImportNotice, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class StudyStore:
    """Import, index and look up studies. See the module docstring for the layout."""

    def __init__(self, root: Path, limits: Limits | None = None) -> None:
        self.root = Path(root)
        self.limits = limits or Limits()
        (self.root / "dicom").mkdir(parents=True, exist_ok=True)
        (self.root / "staging").mkdir(exist_ok=True)
        _remove_stale_staging(self.root / "staging")
        self.index = Index(self.root / "index.sqlite")
        self._import_lock = threading.Lock()

    # --- import ------------------------------------------------------------------------
    def import_paths(
        self,
        paths: Sequence[Path],
        progress: Progress | None = None,
        owner: Uploader | None = None,
    ) -> ImportReport:
        """Import files, folders (recursive), zip archives and DICOMDIRs (for ``owner``'s
        room, see ``ownership``; None: the studies stay as they are, new ones unowned)."""
        found = list(sources.enumerate_paths([Path(p) for p in paths], self.limits))
        candidates = [c for c in found if isinstance(c, Candidate)]
        early = [e for e in found if isinstance(e, BadInput)]
        with self._staging() as staging:
            staged, errors = self._stage_all(candidates, staging, progress)
            return self._import_staged(staged, [*early, *errors], None, owner)

    def import_files(
        self, items: Sequence[tuple[str, Path]], owner: Uploader | None = None
    ) -> ImportReport:
        """Import files ``(name, path)`` exactly as named — STOW-RS parts spooled to disk:
        no folder walk, no zip expansion, one file in memory never."""
        candidates = [
            Candidate(name, sources.file_opener(path), path.stat().st_size) for name, path in items
        ]
        with self._staging() as staging:
            staged, errors = self._stage_all(candidates, staging, None)
            return self._import_staged(staged, errors, None, owner)

    def import_bytes(
        self, items: Sequence[tuple[str, bytes]], owner: Uploader | None = None
    ) -> ImportReport:
        """Import in-memory files ``(name, data)`` — STOW-RS bodies, PACS retrieves."""
        return self._import_bytes(items, None, owner)

    def _import_bytes(
        self,
        items: Iterable[tuple[str, bytes]],
        deidentified_from: str | None,
        owner: Uploader | None = None,
    ) -> ImportReport:
        """Stage ``items`` as they come (a generator keeps one file in memory at a time)."""
        with self._staging() as staging:
            staged: list[Staged] = []
            errors: list[BadInput] = []
            for name, data in items:
                try:
                    staged.append(sources.stage_bytes(name, data, staging, self.limits))
                except Unusable as exc:
                    errors.append(BadInput(name, exc.code, exc.reason))
            return self._import_staged(staged, errors, deidentified_from, owner)

    @contextmanager
    def _staging(self) -> Iterator[Path]:
        staging = self.root / "staging" / uuid.uuid4().hex
        staging.mkdir(parents=True)
        try:
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _stage_all(
        self, candidates: list[Candidate], staging: Path, progress: Progress | None
    ) -> tuple[list[Staged], list[BadInput]]:
        staged: list[Staged] = []
        errors: list[BadInput] = []
        poisoned: dict[str, BadInput] = {}  # archive -> the member error that spoiled it
        with sources.Archives() as archives:
            for done, candidate in enumerate(candidates, 1):
                try:
                    staged.append(sources.stage(candidate, staging, self.limits, archives))
                except Unusable as exc:
                    error = BadInput(candidate.name, exc.code, exc.reason)
                    errors.append(error)
                    if candidate.archive is not None and exc.code == InputCode.ZIP_BOMB:
                        poisoned.setdefault(candidate.archive, error)
                if progress is not None:
                    progress(done, len(candidates))
        return _drop_poisoned(staged, candidates, poisoned, errors)

    def _import_staged(
        self,
        staged: list[Staged],
        errors: list[BadInput],
        deidentified_from: str | None,
        owner: Uploader | None,
    ) -> ImportReport:
        decode = self.limits.decode_first_frame
        results = [
            importer.inspect(s, deidentified_from, decode_first_frame=decode) for s in staged
        ]
        kept = [r for r in results if not isinstance(r, importer.Skipped)]
        notices = [n for r in results for n in _notices(r)]
        with self._import_lock:
            stored = self.index.sha256_of(
                [r.instance.sop_uid for r in kept if isinstance(r, importer.Inspected)]
            )
            the_plan = importer.plan(kept, stored)
            imported: list[str] = []
            duplicates: list[str] = []
            failures = list(errors) + the_plan.rejected
            touched: list[str] = []
            for study_plan in the_plan.studies:
                new, dup, failure = self._commit(study_plan, owner)
                imported += new
                duplicates += dup
                if failure is None:
                    touched.append(study_plan.study_uid)
                else:
                    failures.append(failure)
        return ImportReport(
            tuple(imported), tuple(duplicates), tuple(touched), tuple(failures), tuple(notices)
        )

    def _commit(
        self, plan: importer.StudyPlan, owner: Uploader | None
    ) -> tuple[list[str], list[str], BadInput | None]:
        """Rows and renames of one study in one transaction; undone together on failure.

        Returns (imported, duplicates, error). Each SOP Instance UID is checked again inside
        the transaction: another process (the server, a second CLI) may have stored it since
        the plan was made. So is the owner's right to write to the study (duplicates too).
        """
        moved: list[Path] = []
        imported: list[str] = []
        duplicates = list(plan.duplicates)
        try:
            with self.index.transaction() as conn:
                _check_owner(conn, plan.study_uid, owner)
                for item in plan.new:
                    if _stored_meanwhile(conn, item):
                        duplicates.append(item.instance.sop_uid)
                        continue
                    Index.add_study(conn, item.study)
                    Index.add_series(conn, item.series)
                    Index.add_instance(conn, item.instance)
                    moved.append(self._place(item))
                    imported.append(item.instance.sop_uid)
                if owner is not None and ownership.study_exists(conn, plan.study_uid):
                    ownership.grant(conn, plan.study_uid, owner.room, Access.OWNER)
        except Exception as exc:  # _Conflict, OSError, sqlite3.Error: the study is undone
            for path in moved:
                path.unlink(missing_ok=True)
            if isinstance(exc, _Conflict):
                return [], [], exc.error
            reason = f"study {plan.study_uid} not stored: {exc}"
            return [], [], BadInput(plan.study_uid, InputCode.STORE_FAILED, reason)
        return imported, duplicates, None

    def _place(self, item: importer.Inspected) -> Path:
        final = self.root / item.instance.relpath
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(item.staged.path, final)  # atomic on one filesystem (staging is inside root)
        return final

    # --- queries -----------------------------------------------------------------------
    def studies(self, **filters: str) -> list[StudyRecord]:
        """Studies matching every filter; keys: ``study_uid``, ``patient_name``, ``patient_id``,
        ``study_date``, ``accession_number``, ``modality``; ``*`` and ``?`` are wildcards."""
        return self.index.studies(filters)

    def study(self, study_uid: str) -> StudyRecord | None:
        rows = self.index.studies({"study_uid": study_uid}) if importer.valid_uid(study_uid) else []
        return rows[0] if rows else None

    def series(self, study_uid: str) -> list[SeriesRecord]:
        return [_series_record(row, n) for row, n in self.index.series(study_uid)]

    def instances(self, study_uid: str, series_uid: str | None = None) -> list[InstanceRecord]:
        return [self._instance_record(r) for r in self.index.instances(study_uid, series_uid)]

    def instance(self, study_uid: str, series_uid: str, sop_uid: str) -> InstanceRecord | None:
        row = self.index.instance(study_uid, series_uid, sop_uid)
        return self._instance_record(row) if row is not None else None

    def _instance_record(self, row: InstanceRow) -> InstanceRecord:
        return InstanceRecord(
            row.study_uid,
            row.series_uid,
            row.sop_uid,
            row.sop_class_uid,
            row.transfer_syntax_uid,
            row.instance_number,
            row.number_of_frames,
            row.rows,
            row.columns,
            self.root / row.relpath,
            row.size,
            row.sha256,
        )

    # --- ownership (see ``ownership``) ---------------------------------------------------
    def rooms_of(self, study_uid: str) -> dict[str, Access]:
        """The rooms that own the study or that it is shared with."""
        with self.index.connect() as conn:
            return ownership.rooms(conn, study_uid)

    def may_attach(self, room: str, study_uid: str) -> bool:
        """True if ``room`` owns the study or it is shared with ``room``."""
        return room in self.rooms_of(study_uid)

    def upload_refusal(self, study_uid: str, uploader: Uploader) -> str | None:
        """Why ``uploader`` may not add instances to the study now (None: it may)."""
        with self.index.connect() as conn:
            return ownership.upload_refusal(conn, study_uid, uploader)

    def grant(self, study_uid: str, room: str, access: Access) -> None:
        with self.index.transaction() as conn:
            ownership.grant(conn, study_uid, room, access)

    def unshare(self, study_uid: str, room: str) -> bool:
        with self.index.transaction() as conn:
            return ownership.unshare(conn, study_uid, room)

    # --- de-identification -------------------------------------------------------------
    def deidentified_copy(self, study_uid: str, options: DeidOptions | None = None) -> StudyRecord:
        """A de-identified copy stored as a new study (idempotent: same copy every time)."""
        return self.deidentify(study_uid, options).study

    def deidentify(self, study_uid: str, options: DeidOptions | None = None) -> DeidOutcome:
        """Like :meth:`deidentified_copy`, with what was redacted and held back."""
        from server.cases import deid_copy  # noqa: PLC0415 - pixel code loads only for a copy

        return deid_copy.copy_study(self, study_uid, options)


STALE_STAGING_S = 24 * 3600.0  # older staging folders were left by a crashed import


def _notices(result: importer.Inspected | importer.Bad | importer.Skipped) -> list[ImportNotice]:
    if isinstance(result, importer.Inspected):
        return list(result.notices)
    if isinstance(result, importer.Skipped) and result.notice is not None:
        return [result.notice]
    return []


def _remove_stale_staging(staging: Path) -> None:
    """Delete staging folders a crashed import left behind (never a live import's: those
    are younger than a day, and another process may be importing right now)."""
    now = time.time()
    for folder in staging.iterdir():
        with contextlib.suppress(OSError):
            if now - folder.stat().st_mtime > STALE_STAGING_S:
                shutil.rmtree(folder, ignore_errors=True)


class _Conflict(Exception):
    def __init__(self, error: BadInput) -> None:
        super().__init__(error.reason)
        self.error = error


def _stored_meanwhile(conn: sqlite3.Connection, item: importer.Inspected) -> bool:
    """True if already stored with the same bytes; raises _Conflict if with other bytes (or
    if its Series Instance UID already belongs to another study)."""
    series = item.series.series_uid
    owner = conn.execute("SELECT study_uid FROM series WHERE series_uid=?", (series,)).fetchone()
    if owner is not None and owner[0] != item.study.study_uid:
        reason = f"Series Instance UID {series} already belongs to study {owner[0]}"
        raise _Conflict(BadInput(item.staged.name, InputCode.UID_CONFLICT, reason))
    sop = item.instance.sop_uid
    row = conn.execute("SELECT sha256 FROM instances WHERE sop_uid=?", (sop,)).fetchone()
    if row is None:
        return False
    if row[0] != item.instance.sha256:
        reason = f"SOP Instance UID {sop} was stored meanwhile with different content"
        raise _Conflict(BadInput(item.staged.name, InputCode.UID_CONFLICT, reason))
    return True


def _check_owner(conn: sqlite3.Connection, study_uid: str, owner: Uploader | None) -> None:
    refusal = ownership.upload_refusal(conn, study_uid, owner) if owner is not None else None
    if refusal is not None:
        raise _Conflict(BadInput(study_uid, InputCode.STUDY_OWNED_ELSEWHERE, refusal))


def _series_record(row: SeriesRow, count: int) -> SeriesRecord:
    return SeriesRecord(
        row.study_uid, row.series_uid, row.modality, row.series_number, row.description, count
    )


def _drop_poisoned(
    staged: list[Staged],
    candidates: list[Candidate],
    poisoned: dict[str, BadInput],
    errors: list[BadInput],
) -> tuple[list[Staged], list[BadInput]]:
    """A zip with one bomb member is rejected whole: drop the members already staged."""
    if not poisoned:
        return staged, errors
    archive_of = {c.name: c.archive for c in candidates}
    kept: list[Staged] = []
    for item in staged:
        archive = archive_of.get(item.name)
        if archive in poisoned:
            reason = f"archive rejected: {poisoned[archive].name}: {poisoned[archive].reason}"
            errors.append(BadInput(item.name, InputCode.ZIP_BOMB, reason))
            item.path.unlink(missing_ok=True)
        else:
            kept.append(item)
    return kept, errors
