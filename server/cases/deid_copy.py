"""A study's de-identified teaching copy, stored as a new study, with burned-in text handled.

Each instance is read, redacted if it needs it (``redact.py``: the series' rectangles or the
ultrasound band), de-identified (``deid.py``, per-study UID map and date offset) and imported
as a new study. An instance that needs redaction and has no rectangle is *held back*: it is
not in the copy, and the outcome says so. Nothing is written if every instance is held back
(:class:`DeidentificationRefused`).

A redacted instance's SOP Instance UID is derived from the original and its rectangles: the
pixels differ from any earlier copy made with other rectangles, so its UID does too
(:attr:`DeidOutcome.renamed` tells a teaching package which UID its references now need).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pydicom
from pydicom.dataset import Dataset

from server.cases import deid
from server.cases.deid_rules import CLEAN_PIXEL_DATA, Options
from server.cases.errors import CasesError, DeidentificationRefused, StudyNotFound
from server.cases.redact import Rect, RedactionError, RedactionPlan, needs_redaction, redact

if TYPE_CHECKING:
    from server.cases.store import InstanceRecord, StudyRecord, StudyStore


@dataclass(frozen=True, slots=True)
class Redacted:
    sop_uid: str  # the original instance
    series_uid: str
    copy_uid: str  # the redacted, de-identified instance
    rectangles: tuple[Rect, ...]


@dataclass(frozen=True, slots=True)
class HeldBack:
    sop_uid: str
    series_uid: str
    reason: str


@dataclass(frozen=True)
class DeidOutcome:
    study: StudyRecord
    redacted: tuple[Redacted, ...] = ()
    held_back: tuple[HeldBack, ...] = ()
    renamed: dict[str, str] = field(default_factory=dict)  # remapped UID -> redacted UID

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(f"{h.sop_uid}: held back: {h.reason}" for h in self.held_back)

    def report(self) -> dict[str, object]:
        """The export report: what was redacted and what was held back (JSON-ready)."""
        return {
            "study": self.study.study_uid,
            "deidentified_from": self.study.deidentified_from,
            "redacted": [
                {
                    "sop": r.sop_uid,
                    "series": r.series_uid,
                    "copy": r.copy_uid,
                    "rectangles": [list(x) for x in r.rectangles],
                }
                for r in self.redacted
            ],
            "held_back": [
                {"sop": h.sop_uid, "series": h.series_uid, "reason": h.reason}
                for h in self.held_back
            ],
        }


class _Copier:
    def __init__(self, store: StudyStore, study_uid: str, options: Options) -> None:
        secret = deid.store_secret(store.root)
        self.remap = deid.uid_mapper(secret, study_uid, options.variant())
        self.shift = deid.date_shift(secret, study_uid)
        self.options = options
        self.plan = RedactionPlan(store.root)
        self.redacted: list[Redacted] = []
        self.held: list[HeldBack] = []

    def files(self, records: list[InstanceRecord]) -> Iterator[tuple[str, bytes]]:
        for record in records:  # one file in memory at a time
            ds = self.copy(pydicom.dcmread(record.path))
            if ds is not None:
                yield record.path.name, deid.encode(ds)

    def copy(self, ds: Dataset) -> Dataset | None:
        sop, series = str(ds.SOPInstanceUID), str(ds.SeriesInstanceUID)
        rects: tuple[Rect, ...] = ()
        if needs_redaction(ds):
            rects = self.plan.rectangles(ds)
            if not rects:
                self.held.append(HeldBack(sop, series, "burned-in text: no redaction set"))
                return None
            try:
                redact(ds, rects)
            except RedactionError as exc:
                self.held.append(HeldBack(sop, series, str(exc)))
                return None
        deid.deidentify_dataset(ds, self.remap, self.options, self.shift)
        if rects:
            self._mark_redacted(ds, sop, series, rects)
        return ds

    def _mark_redacted(self, ds: Dataset, sop: str, series: str, rects: tuple[Rect, ...]) -> None:
        ds.SOPInstanceUID = self.remap(f"{sop}|redacted|{rects}")
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.DeidentificationMethod = [*ds.DeidentificationMethod, CLEAN_PIXEL_DATA[1]]
        ds.DeidentificationMethodCodeSequence.append(deid.code_item(*CLEAN_PIXEL_DATA))
        self.redacted.append(Redacted(sop, series, str(ds.SOPInstanceUID), rects))


def copy_study(store: StudyStore, study_uid: str, options: Options | None = None) -> DeidOutcome:
    """Store a de-identified copy of ``study_uid`` as a new study; see the module docstring."""
    if store.study(study_uid) is None:
        raise StudyNotFound(study_uid)
    copier = _Copier(store, study_uid, options or Options())
    records = store.instances(study_uid)
    report = store._import_bytes(copier.files(records), deidentified_from=study_uid)
    if report.errors:
        raise CasesError(f"de-identified copy of {study_uid} not stored: {report.errors[0]}")
    copy = store.study(copier.remap(study_uid))
    if copy is None:  # every instance held back (or the study had none)
        raise DeidentificationRefused(study_uid, tuple(h.sop_uid for h in copier.held))
    renamed = {copier.remap(r.sop_uid): r.copy_uid for r in copier.redacted}
    return DeidOutcome(copy, tuple(copier.redacted), tuple(copier.held), renamed)


Remap = Callable[[str, str], str]  # (original study UID, UID in it) -> de-identified UID


def teaching_studies(
    store: StudyStore, studies: list[str], options: Options | None = None
) -> tuple[Remap, dict[str, object]]:
    """De-identified copies of a teaching package's studies: the UID map its references
    need (redacted instances renamed) and the export report (redacted, held back)."""
    secret = deid.store_secret(store.root)
    variant = (options or Options()).variant()
    renamed: dict[str, str] = {}
    reports: list[dict[str, object]] = []
    for study in studies:
        try:
            outcome = store.deidentify(study, options)
        except DeidentificationRefused as exc:
            held = [
                {"sop": sop, "reason": "burned-in text: no redaction set"} for sop in exc.sop_uids
            ]
            reports.append(
                {"deidentified_from": study, "study": None, "redacted": [], "held_back": held}
            )
            continue
        renamed.update(outcome.renamed)
        reports.append(outcome.report())

    def remap(study: str, uid: str) -> str:
        copied = deid.uid_mapper(secret, study, variant)(uid)
        return renamed.get(copied, copied)

    return remap, {"studies": reports}
