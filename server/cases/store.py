"""The study store: original DICOM bytes on disk, an SQLite index beside them.

Layout: ``root/dicom/<study>/<series>/<sop>.dcm`` + ``root/index.sqlite`` (WAL).
Files are kept exactly as received (original transfer syntax); transcoding happens on the
way out (DICOMweb). Every method is synchronous and safe to call from several threads
(``asyncio.to_thread``): each call opens its own SQLite connection, and imports are
serialised by one lock so that "all-or-nothing per study" holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.cases.errors import ImportError_

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
class StudyRecord:
    study_uid: str
    patient_name: str
    patient_id: str
    study_date: str
    study_time: str
    accession_number: str
    description: str
    modalities: tuple[str, ...]
    series_count: int
    instance_count: int
    deidentified_from: str | None


@dataclass(frozen=True)
class ImportReport:
    imported: tuple[str, ...]  # SOP Instance UIDs newly stored
    duplicates: tuple[str, ...]  # SOP Instance UIDs already stored with identical bytes
    studies: tuple[str, ...]  # Study Instance UIDs touched by this import (new or not)
    errors: tuple[ImportError_, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Limits:
    """Caps on untrusted input; tests use small values."""

    max_file_size: int = 2 * 1024**3
    max_archive_total: int = 8 * 1024**3  # sum of uncompressed sizes in one zip
    max_archive_ratio: float = 200.0  # uncompressed / compressed, per entry and overall
    max_archive_entries: int = 100_000


class StudyStore:
    """Import, index and look up studies. See the module docstring for the layout."""

    def __init__(self, root: Path, limits: Limits | None = None) -> None:
        self.root = Path(root)
        self.limits = limits or Limits()

    def import_paths(self, paths: Sequence[Path], progress: Progress | None = None) -> ImportReport:
        """Import files, folders (recursive), zip archives and DICOMDIRs."""
        raise NotImplementedError

    def import_bytes(self, items: Sequence[tuple[str, bytes]]) -> ImportReport:
        """Import in-memory files ``(name, data)`` — STOW-RS bodies, PACS retrieves."""
        raise NotImplementedError

    def studies(self, **filters: str) -> list[StudyRecord]:
        """Studies matching every filter; keys: ``study_uid``, ``patient_name``, ``patient_id``,
        ``study_date``, ``accession_number``, ``modality``; ``*`` and ``?`` are wildcards."""
        raise NotImplementedError

    def study(self, study_uid: str) -> StudyRecord | None:
        raise NotImplementedError

    def series(self, study_uid: str) -> list[SeriesRecord]:
        raise NotImplementedError

    def instances(self, study_uid: str, series_uid: str | None = None) -> list[InstanceRecord]:
        raise NotImplementedError

    def instance(self, study_uid: str, series_uid: str, sop_uid: str) -> InstanceRecord | None:
        raise NotImplementedError

    def deidentified_copy(self, study_uid: str, *, allow_burned_in: bool = False) -> StudyRecord:
        """A de-identified copy stored as a new study (idempotent: same copy every time)."""
        raise NotImplementedError
