"""Check staged files and plan what to store, study by study (all-or-nothing).

:func:`inspect` parses one staged file and either returns its index rows or rejects it with a
stable code. Checks, in order:

- ``not_dicom``: no PS3.10 header (128-byte preamble + ``DICM``) or unparsable.
- ``missing_uid``: Study/Series/SOP Instance UID or SOP Class UID absent or not a valid UID
  (UIDs become path components, so they are validated strictly).
- ``unsupported_transfer_syntax``: the transfer syntax is unknown to pydicom, or the file has
  Pixel Data and no installed decoder handles its transfer syntax (pydicom native, Pillow,
  pylibjpeg-openjpeg, pyjpegls). Decided on metadata only — no pixels are decoded at import,
  so importing stays cheap; a decoder that is "available" may still fail on a corrupt stream.
  ``Limits.decode_first_frame`` (CLI ``--verify-pixels``) also decodes frame 1 and rejects
  the file with this code if that fails.
- ``truncated``: an element's value is shorter than its declared length, an encapsulated
  Pixel Data lacks its delimiter, an image (Rows/Columns present) has no Pixel Data, or native
  Pixel Data is shorter than Rows * Columns * Samples * Bits Allocated * Frames.

:func:`plan` then groups the good files per study and decides: a study with any bad file
(whose study UID could be read) is rejected whole; an instance already stored with the same
bytes is a duplicate; the same SOP Instance UID with different bytes is ``uid_conflict``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels.decoders.base import get_decoder
from pydicom.pixels.utils import pixel_array
from pydicom.uid import UID

from server.cases.errors import BadInput, InputCode
from server.cases.index import InstanceRow, SeriesRow, StudyRow
from server.cases.sources import Staged

UID_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")
MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
UNDEFINED_LENGTH = 0xFFFFFFFF
PIXEL_DATA = 0x7FE00010
DEFER_SIZE = 1 << 20  # values bigger than this are checked in place, not loaded


@dataclass(frozen=True)
class Inspected:
    staged: Staged
    study: StudyRow
    series: SeriesRow
    instance: InstanceRow


@dataclass(frozen=True)
class Bad:
    error: BadInput
    study_uid: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A valid file that is not stored (a DICOMDIR object)."""

    staged: Staged


@dataclass
class StudyPlan:
    study_uid: str
    new: list[Inspected] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    studies: list[StudyPlan]
    rejected: list[BadInput]


def valid_uid(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 64 and UID_RE.match(value) is not None


def inspect(
    staged: Staged, deidentified_from: str | None = None, *, decode_first_frame: bool = False
) -> Inspected | Bad | Skipped:
    """Check one staged file (see the module docstring); never raises on bad input."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # damaged input makes pydicom warn; we report instead
        try:
            ds = _read(staged.path)
            return _check(staged, ds, deidentified_from, decode_first_frame)
        except _Reject as exc:
            error = BadInput(staged.name, exc.code, exc.reason)
            return Bad(error, _peek_study_uid(staged.path))
        except Exception as exc:  # a value pydicom parsed but cannot interpret
            error = BadInput(staged.name, InputCode.NOT_DICOM, f"corrupt DICOM: {exc!r}")
            return Bad(error, _peek_study_uid(staged.path))


def _check(
    staged: Staged, ds: Dataset, deidentified_from: str | None, decode_first_frame: bool
) -> Inspected | Bad | Skipped:
    study_uid = str(ds.get("StudyInstanceUID", "")) or None
    study_uid = study_uid if valid_uid(study_uid) else None
    tsuid = str(ds.file_meta.get("TransferSyntaxUID", ""))
    if str(ds.file_meta.get("MediaStorageSOPClassUID", "")) == MEDIA_STORAGE_DIRECTORY:
        return Skipped(staged)
    problem = _missing_uid(ds) or _unsupported(ds, tsuid) or _truncated(ds, tsuid)
    if problem is None and decode_first_frame and "PixelData" in ds:
        problem = _undecodable(staged.path)
    if problem is not None:
        return Bad(BadInput(staged.name, problem[0], problem[1]), study_uid)
    return _rows(staged, ds, tsuid, deidentified_from)


class _Reject(Exception):
    def __init__(self, code: InputCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _read(path: Path) -> Dataset:
    """Parse every element except big values, which stay on disk (``DEFER_SIZE``): a 2 GiB
    multi-frame is checked by offsets, never loaded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = pydicom.dcmread(path, defer_size=DEFER_SIZE)
            short = _short_element(ds, path.stat().st_size)  # before values are converted
            _force(ds.file_meta)
            _force(ds)  # convert every small value so a parse error shows up now
        except InvalidDicomError as exc:
            raise _Reject(InputCode.NOT_DICOM, f"not a DICOM PS3.10 file: {exc}") from exc
        except Exception as exc:  # pydicom raises almost anything on corrupt input
            raise _corrupt(exc) from exc
    if short is not None:
        raise _Reject(InputCode.TRUNCATED, short)
    for warning in caught:
        if "End of file" in str(warning.message):
            raise _Reject(InputCode.TRUNCATED, str(warning.message))
    return ds


def _corrupt(exc: Exception) -> _Reject:
    """A parse failure: ``truncated`` if the data ran out, else ``not_dicom`` (corrupt)."""
    text = str(exc)
    ran_out = isinstance(exc, EOFError) or any(
        marker in text.lower() for marker in ("end of file", "eof", "no tag to read", "truncat")
    )
    if ran_out:
        return _Reject(InputCode.TRUNCATED, f"data ends early: {text}")
    return _Reject(InputCode.NOT_DICOM, f"corrupt DICOM ({type(exc).__name__}): {text}")


def _deferred(raw: object) -> bool:
    return isinstance(raw, RawDataElement) and raw.value is None and raw.length > 0


def _force(ds: Dataset) -> None:
    for tag in list(ds.keys()):
        if _deferred(ds.get_item(tag, keep_deferred=True)):
            continue
        elem = ds[tag]
        if elem.VR == "SQ":
            for item in elem.value:
                _force(item)


def _peek_study_uid(path: Path) -> str | None:
    """The Study Instance UID of a file we reject, if its header is readable (for
    all-or-nothing: a truncated slice must take its whole study down with it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["StudyInstanceUID"])
            value = str(ds.get("StudyInstanceUID", ""))
        except Exception:  # anything unparsable simply has no known study
            return None
    return value if valid_uid(value) else None


def _short_element(ds: Dataset, file_size: int) -> str | None:
    """The first top-level element whose value is shorter than its declared length: read
    short, or (deferred) declared to end past the end of the file."""
    for tag in list(ds.keys()):
        raw = ds.get_item(tag, keep_deferred=True)
        if not isinstance(raw, RawDataElement) or raw.length == UNDEFINED_LENGTH:
            continue
        if _deferred(raw) and raw.value_tell + raw.length > file_size:
            return f"element {tag} ends {raw.value_tell + raw.length - file_size} bytes past EOF"
        if isinstance(raw.value, bytes) and len(raw.value) < raw.length:
            return f"element {tag} has {len(raw.value)} of {raw.length} bytes"
    return None


def _value_length(ds: Dataset, tag: int) -> int:
    raw = ds.get_item(tag, keep_deferred=True)
    if isinstance(raw, RawDataElement) and raw.length != UNDEFINED_LENGTH:
        return raw.length if raw.value is None else len(raw.value)
    return len(ds[tag].value)


def _missing_uid(ds: Dataset) -> tuple[InputCode, str] | None:
    for key in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID"):
        value = ds.get(key)
        if value is None or str(value) == "":
            return InputCode.MISSING_UID, f"{key} is missing"
        if not valid_uid(str(value)):
            return InputCode.MISSING_UID, f"{key} {str(value)[:80]!r} is not a valid UID"
    return None


def _unsupported(ds: Dataset, tsuid: str) -> tuple[InputCode, str] | None:
    code = InputCode.UNSUPPORTED_TRANSFER_SYNTAX
    if not UID(tsuid).is_transfer_syntax:
        return code, f"unknown transfer syntax {tsuid!r}"
    if "PixelData" not in ds:
        return None
    try:
        available = get_decoder(UID(tsuid)).is_available
    except NotImplementedError:
        available = False
    if not available:
        return code, f"no installed decoder for {UID(tsuid).name} ({tsuid})"
    return None


def _truncated(ds: Dataset, tsuid: str) -> tuple[InputCode, str] | None:
    code = InputCode.TRUNCATED
    if "PixelData" not in ds:
        return (code, "image without Pixel Data") if "Rows" in ds else None
    if UID(tsuid).is_encapsulated:
        return None
    expected = _native_size(ds)
    actual = _value_length(ds, PIXEL_DATA)
    return (code, f"Pixel Data has {actual} of {expected} bytes") if actual < expected else None


def _undecodable(path: Path) -> tuple[InputCode, str] | None:
    """Decode frame 1 only (``Limits.decode_first_frame``): proves the codestream, not just
    that a decoder exists. Costs one frame's decode per instance, so it is opt-in."""
    try:
        pixel_array(path, index=0)
    except Exception as exc:  # every decoder plugin raises its own types
        reason = f"the first frame does not decode: {exc}"
        return InputCode.UNSUPPORTED_TRANSFER_SYNTAX, reason
    return None


def _native_size(ds: Dataset) -> int:
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    bits = int(ds.get("BitsAllocated", 8) or 8)
    return (int(ds.Rows) * int(ds.Columns) * samples * frames * bits + 7) // 8


def _text(ds: Dataset, key: str) -> str:
    return str(ds.get(key, "") or "")


def _int(ds: Dataset, key: str) -> int | None:
    value = ds.get(key)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _rows(staged: Staged, ds: Dataset, tsuid: str, deid_from: str | None) -> Inspected:
    study_uid, series_uid, sop_uid = (
        str(ds.StudyInstanceUID),
        str(ds.SeriesInstanceUID),
        str(ds.SOPInstanceUID),
    )
    study = StudyRow(
        study_uid,
        _text(ds, "PatientName"),
        _text(ds, "PatientID"),
        _text(ds, "StudyDate"),
        _text(ds, "StudyTime"),
        _text(ds, "AccessionNumber"),
        _text(ds, "StudyDescription"),
        deid_from,
    )
    series = SeriesRow(
        series_uid,
        study_uid,
        _text(ds, "Modality"),
        _int(ds, "SeriesNumber"),
        _text(ds, "SeriesDescription"),
    )
    instance = InstanceRow(
        sop_uid,
        study_uid,
        series_uid,
        str(ds.SOPClassUID),
        tsuid,
        _int(ds, "InstanceNumber"),
        _int(ds, "NumberOfFrames") or 1,
        _int(ds, "Rows"),
        _int(ds, "Columns"),
        relpath(study_uid, series_uid, sop_uid),
        staged.size,
        staged.sha256,
    )
    return Inspected(staged, study, series, instance)


def relpath(study_uid: str, series_uid: str, sop_uid: str) -> str:
    return f"dicom/{study_uid}/{series_uid}/{sop_uid}.dcm"


def plan(results: Iterable[Inspected | Bad], stored_sha: Mapping[str, str]) -> Plan:
    """Group per study; reject a study whole if any of its files is bad or conflicts."""
    by_study: dict[str, StudyPlan] = {}
    rejected: list[BadInput] = []
    bad_studies: dict[str, str] = {}
    seen: dict[str, Inspected] = {}
    for result in results:
        if isinstance(result, Bad):
            rejected.append(result.error)
            if result.study_uid is not None:
                bad_studies.setdefault(result.study_uid, result.error.name)
            continue
        study_plan = by_study.setdefault(result.study.study_uid, StudyPlan(result.study.study_uid))
        conflict = _classify(result, stored_sha, seen, study_plan)
        if conflict is not None:
            rejected.append(conflict)
            bad_studies.setdefault(result.study.study_uid, conflict.name)
    return _apply_rejections(by_study, bad_studies, rejected)


def _classify(
    item: Inspected, stored: Mapping[str, str], seen: dict[str, Inspected], target: StudyPlan
) -> BadInput | None:
    sop = item.instance.sop_uid
    previous_sha = stored.get(sop) or (seen[sop].instance.sha256 if sop in seen else None)
    if previous_sha is None:
        seen[sop] = item
        target.new.append(item)
        return None
    if previous_sha == item.instance.sha256:
        target.duplicates.append(sop)
        return None
    where = "stored" if sop in stored else "in this import"
    reason = f"SOP Instance UID {sop} already {where} with different content"
    return BadInput(item.staged.name, InputCode.UID_CONFLICT, reason)


def _apply_rejections(
    by_study: dict[str, StudyPlan], bad_studies: dict[str, str], rejected: list[BadInput]
) -> Plan:
    accepted: list[StudyPlan] = []
    for study_uid, study_plan in by_study.items():
        culprit = bad_studies.get(study_uid)
        if culprit is None:
            accepted.append(study_plan)
            continue
        for item in study_plan.new:
            reason = f"study {study_uid} not imported: {culprit} is bad (all-or-nothing)"
            rejected.append(BadInput(item.staged.name, InputCode.STUDY_REJECTED, reason))
    return Plan(accepted, rejected)
