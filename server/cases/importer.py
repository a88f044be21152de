"""Check staged files and plan what to store, instance by instance (store and forward).

:func:`inspect` parses one staged file and either returns its index rows (with notices) or
rejects it with a stable code. A well-formed instance is stored as received whatever its
transfer syntax: decoding is needed only to render or transcode, so an instance whose pixels
no installed decoder handles (MPEG-2/4, HEVC, a codec missing here) is stored with the
notice ``not_renderable`` — never refused. Checks, in order:

- ``not_dicom``: no PS3.10 header (128-byte preamble + ``DICM``) or unparsable. A file
  without a header found while walking a folder or zip (a PNG, a README) is skipped with
  the notice ``skipped`` instead: it was never meant to be imported.
- ``missing_uid``: Study/Series/SOP Instance UID or SOP Class UID absent or not a valid UID
  (UIDs become path components, so they are validated strictly).
- ``unsupported_transfer_syntax``: the transfer syntax UID is not one PS3.5 defines, so the
  data set's encoding cannot be known.
- ``truncated``: an element's value is shorter than its declared length, an encapsulated
  Pixel Data lacks its delimiter, an image (Rows/Columns present) has no Pixel Data, or native
  Pixel Data is shorter than its frames need (4:2:2 colour carries 2 values a pixel, not 3).

``Limits.decode_first_frame`` (CLI ``--verify-pixels``) also decodes frame 1; a failure is
the notice ``not_renderable`` (the bytes are kept as received). Warnings pydicom raises while
reading become ``library_warning`` notices, never output.

:func:`plan` then groups the good files per study: each valid instance is stored, each bad
one reported beside it; an instance already stored with the same bytes is a duplicate; the
same SOP Instance UID with different bytes is ``uid_conflict``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import BytesLengthException, InvalidDicomError
from pydicom.pixels.decoders.base import get_decoder
from pydicom.pixels.utils import pixel_array
from pydicom.tag import Tag
from pydicom.uid import UID

from server.cases.errors import BadInput, ImportNotice, InputCode, NoticeCode
from server.cases.index import InstanceRow, SeriesRow, StudyRow
from server.cases.sources import Staged
from server.imaging import codecs

codecs.register()  # decoders by default: 12-bit JPEG Extended (see codecs.py)
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
    notices: tuple[ImportNotice, ...] = ()


@dataclass(frozen=True)
class Bad:
    error: BadInput


@dataclass(frozen=True)
class Skipped:
    """A file that is not stored: a DICOMDIR object, or non-DICOM met while walking."""

    staged: Staged
    notice: ImportNotice | None = None


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
            ds, warned = _read(staged.path)
            result = _check(staged, ds, deidentified_from, decode_first_frame)
        except _Reject as exc:
            if exc.no_header and staged.walked:
                return Skipped(staged, ImportNotice(staged.name, NoticeCode.SKIPPED, "not DICOM"))
            error = BadInput(staged.name, exc.code, exc.reason)
            return Bad(error)
        except Exception as exc:  # a value pydicom parsed but cannot interpret
            error = BadInput(staged.name, InputCode.NOT_DICOM, f"corrupt DICOM: {exc!r}")
            return Bad(error)
    if isinstance(result, Inspected) and warned:
        notes = [ImportNotice(staged.name, NoticeCode.LIBRARY_WARNING, w) for w in warned]
        result = replace(result, notices=(*result.notices, *notes))
    return result


def _check(
    staged: Staged, ds: Dataset, deidentified_from: str | None, decode_first_frame: bool
) -> Inspected | Bad | Skipped:
    tsuid = str(ds.file_meta.get("TransferSyntaxUID", ""))
    if str(ds.file_meta.get("MediaStorageSOPClassUID", "")) == MEDIA_STORAGE_DIRECTORY:
        return Skipped(staged)
    problem = _missing_uid(ds) or _unknown_syntax(tsuid) or _truncated(ds, tsuid)
    if problem is not None:
        return Bad(BadInput(staged.name, problem[0], problem[1]))
    why_not = _no_decoder(ds, tsuid)
    if why_not is None and decode_first_frame and "PixelData" in ds:
        why_not = _undecodable(staged.path)
    inspected = _rows(staged, ds, tsuid, deidentified_from)
    if why_not is None:
        return inspected
    reason = f"stored, not renderable here: {why_not}"
    notice = ImportNotice(staged.name, NoticeCode.NOT_RENDERABLE, reason)
    return replace(inspected, notices=(notice,))


class _Reject(Exception):
    def __init__(self, code: InputCode, reason: str, *, no_header: bool = False) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.no_header = no_header  # not a PS3.10 file at all (skippable when walking)


def _read(path: Path) -> tuple[Dataset, list[str]]:
    """Parse every element except big values, which stay on disk (``DEFER_SIZE``): a 2 GiB
    multi-frame is checked by offsets, never loaded. Returns the data set and the warnings
    pydicom raised on the way (as text, for the report)."""
    odd: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = pydicom.dcmread(path, defer_size=DEFER_SIZE)
            short = _short_element(ds, path.stat().st_size)  # before values are converted
            _force(ds.file_meta, odd)
            _force(ds, odd)
        except InvalidDicomError as exc:
            reason = f"not a DICOM PS3.10 file: {exc}"
            raise _Reject(InputCode.NOT_DICOM, reason, no_header=True) from exc
        except Exception as exc:  # pydicom raises almost anything on corrupt input
            raise _corrupt(exc) from exc
    if short is not None:
        raise _Reject(InputCode.TRUNCATED, short)
    for warning in caught:
        if "End of file" in str(warning.message):
            raise _Reject(InputCode.TRUNCATED, str(warning.message))
    return ds, sorted({f"{w.category.__name__}: {w.message}" for w in caught} | set(odd))


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


def _force(ds: Dataset, odd: list[str]) -> None:
    """Convert every small value so a parse error shows up now. A value that breaks its VR
    (an FD of 3 bytes) is not a structural fault: it is noted in ``odd`` and left out of the
    in-memory data set (the file is stored as received, ``/metadata`` carries it raw).
    Sequences are parsed as they convert, so their errors still raise."""
    for tag in list(ds.keys()):
        raw = ds.get_item(tag, keep_deferred=True)
        if _deferred(raw):
            continue
        try:
            elem = ds[tag]
        except (ValueError, TypeError, OverflowError, BytesLengthException) as exc:
            if getattr(raw, "VR", None) == "SQ":
                raise
            odd.append(f"value of {Tag(tag)} breaks its VR, kept as received: {exc}")
            del ds[tag]
            continue
        if elem.VR == "SQ":
            for item in elem.value:
                _force(item, odd)


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


def _unknown_syntax(tsuid: str) -> tuple[InputCode, str] | None:
    if UID(tsuid).is_transfer_syntax:
        return None
    return InputCode.UNSUPPORTED_TRANSFER_SYNTAX, f"unknown transfer syntax {tsuid!r}"


def _no_decoder(ds: Dataset, tsuid: str) -> str | None:
    """Why the pixels cannot be decoded here (metadata only), or None if they can."""
    if "PixelData" not in ds:
        return None
    try:
        available = get_decoder(UID(tsuid)).is_available
    except NotImplementedError:
        available = False
    return None if available else f"no installed decoder for {UID(tsuid).name} ({tsuid})"


def _truncated(ds: Dataset, tsuid: str) -> tuple[InputCode, str] | None:
    code = InputCode.TRUNCATED
    if "PixelData" not in ds:
        return (code, "image without Pixel Data") if "Rows" in ds else None
    if UID(tsuid).is_encapsulated:
        return None
    expected = _native_size(ds)
    actual = _value_length(ds, PIXEL_DATA)
    return (code, f"Pixel Data has {actual} of {expected} bytes") if actual < expected else None


def _undecodable(path: Path) -> str | None:
    """Decode frame 1 only (``Limits.decode_first_frame``): proves the codestream, not just
    that a decoder exists. Costs one frame's decode per instance, so it is opt-in."""
    try:
        pixel_array(path, index=0)
    except Exception as exc:  # every decoder plugin raises its own types
        return f"the first frame does not decode: {exc}"
    return None


def _native_size(ds: Dataset) -> int:
    """Bytes the native Pixel Data needs. 4:2:2 colour (YBR_FULL_422 and its kin) shares one
    Cb and one Cr between two pixels: 2 values a pixel, not 3 (PS3.3 C.7.6.3.1.2)."""
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if samples == 3 and str(ds.get("PhotometricInterpretation", "")).endswith("_422"):
        samples = 2
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
    """Group the good files per study; report each bad or conflicting file beside them."""
    by_study: dict[str, StudyPlan] = {}
    rejected: list[BadInput] = []
    seen: dict[str, Inspected] = {}
    for result in results:
        if isinstance(result, Bad):
            rejected.append(result.error)
            continue
        study_plan = by_study.setdefault(result.study.study_uid, StudyPlan(result.study.study_uid))
        conflict = _classify(result, stored_sha, seen, study_plan)
        if conflict is not None:
            rejected.append(conflict)
    return Plan(list(by_study.values()), rejected)


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
