"""De-identified teaching copies: PS3.15 Basic Application Level Confidentiality Profile.

:func:`deidentify_dataset` is pure: a dataset and a UID mapper in, the cleaned dataset out.
It walks every element, nested sequences included, and applies :data:`PROFILE` (see
``deid_table.py`` for how compound actions are resolved); private tags, curves and overlay
data/comments go too. Pixel Data is never touched, so the copy renders exactly like the
original — which is also why burned-in annotation is refused by default: text in the pixels
survives any header cleaning.

UIDs are remapped to ``2.25.<int>`` from SHA-256(secret | original study UID | UID): the
same within a study (references between its instances stay valid) and stable across runs (a
second copy is byte-identical, so :meth:`StudyStore.deidentified_copy` is idempotent), but
unlinkable without the store's secret (``root/deid.secret``, created on first use).
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pydicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from server.cases.deid_table import PROFILE, Action
from server.cases.errors import CasesError, DeidentificationRefused, StudyNotFound

if TYPE_CHECKING:
    from server.cases.store import DeidOutcome, StudyStore

UidMap = Callable[[str], str]

METHOD = "PS3.15 Basic Application Confidentiality Profile"  # LO: <= 64 chars
BASIC_PROFILE_CODE = ("113100", "DCM", "Basic Application Confidentiality Profile")

_DUMMY_BY_VR: dict[str, str | int | float] = {
    "PN": "ANONYMOUS",
    "DA": "19000101",
    "TM": "000000",
    "DT": "19000101000000",
    "AS": "000Y",
    "IS": 0,
    "DS": 0.0,
    "CS": "ANONYMOUS",
    "UI": "2.25.0",
}


def uid_mapper(secret: bytes, study_uid: str) -> UidMap:
    """A deterministic UID replacement, consistent within one original study."""

    def remap(uid: str) -> str:
        digest = hashlib.sha256(secret + b"|" + study_uid.encode() + b"|" + uid.encode()).digest()
        return "2.25." + str(int.from_bytes(digest[:16], "big"))

    return remap


def deidentify_dataset(ds: Dataset, remap: UidMap) -> Dataset:
    """Apply the Basic Profile to ``ds`` in place (and its file meta) and return it."""
    _clean(ds, remap)
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = BASIC_PROFILE_CODE
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    ds.LongitudinalTemporalInformationModified = "REMOVED"  # dates emptied, not shifted
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        for keyword in ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle"):
            if keyword in meta:
                delattr(meta, keyword)
    return ds


def _clean(ds: Dataset, remap: UidMap) -> None:
    for elem in list(ds):
        if _always_removed(elem.tag):
            del ds[elem.tag]
            continue
        action = PROFILE.get(int(elem.tag))
        if action is not None:
            _apply(ds, elem, action, remap)
        elif elem.VR == "SQ":
            for item in elem.value:
                _clean(item, remap)


def _always_removed(tag: int) -> bool:
    group, element = tag >> 16, tag & 0xFFFF
    is_private = group % 2 == 1
    is_curve = 0x5000 <= group <= 0x50FF
    is_overlay_data = 0x6000 <= group <= 0x60FF and element in (0x3000, 0x4000)
    return is_private or is_curve or is_overlay_data


def _apply(ds: Dataset, elem: DataElement, action: Action, remap: UidMap) -> None:
    match action:
        case Action.REMOVE:
            del ds[elem.tag]
        case Action.EMPTY:
            elem.value = Sequence() if elem.VR == "SQ" else None
        case Action.DUMMY if elem.VR == "SQ":
            for item in elem.value:  # a dummy sequence: keep the items, cleaned
                _clean(item, remap)
        case Action.DUMMY:
            elem.value = _DUMMY_BY_VR.get(str(elem.VR), "ANONYMIZED")
        case Action.UID if elem.VR == "SQ":
            for item in elem.value:  # references (Source/Referenced Image Sequence)
                _clean(item, remap)
        case Action.UID:
            elem.value = _remap_value(elem.value, remap)


def _remap_value(value: object, remap: UidMap) -> object:
    if isinstance(value, list | pydicom.multival.MultiValue):
        return [remap(str(v)) for v in value]
    return remap(str(value)) if value else value


def encode(ds: Dataset) -> bytes:
    """PS3.10 bytes in the dataset's own transfer syntax (Pixel Data bytes unchanged)."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def store_secret(root: Path) -> bytes:
    path = root / "deid.secret"
    if not path.exists():
        tmp = root / f"deid.secret.{secrets.token_hex(4)}"
        tmp.write_bytes(secrets.token_bytes(32))
        tmp.replace(path)  # a racing second writer loses harmlessly: one secret remains
    return path.read_bytes()


def burned_in(ds: Dataset) -> bool:
    return str(ds.get("BurnedInAnnotation", "")).upper() == "YES"


def copy_study(store: StudyStore, study_uid: str, *, allow_burned_in: bool) -> DeidOutcome:
    """Store a de-identified copy of ``study_uid`` as a new study; see the module docstring."""
    from server.cases.store import DeidOutcome  # noqa: PLC0415 - store imports this module

    source = store.study(study_uid)
    if source is None:
        raise StudyNotFound(study_uid)
    remap = uid_mapper(store_secret(store.root), study_uid)
    paths = [rec.path for rec in store.instances(study_uid)]
    flagged = tuple(
        str(ds.SOPInstanceUID)
        for ds in (pydicom.dcmread(p, stop_before_pixels=True) for p in paths)
        if burned_in(ds)
    )
    if flagged and not allow_burned_in:
        raise DeidentificationRefused(study_uid, flagged)
    cleaned = ((p.name, encode(deidentify_dataset(pydicom.dcmread(p), remap))) for p in paths)
    report = store._import_bytes(cleaned, deidentified_from=study_uid)  # one file in memory
    if report.errors:
        raise CasesError(f"de-identified copy of {study_uid} not stored: {report.errors[0]}")
    copy = store.study(remap(study_uid))
    if copy is None:  # only if the source study had no instances
        raise StudyNotFound(remap(study_uid))
    warnings = tuple(
        f"{sop}: BurnedInAnnotation=YES; text in the pixels was not removed" for sop in flagged
    )
    return DeidOutcome(copy, warnings)
