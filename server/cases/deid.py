"""De-identification of one dataset: PS3.15 Annex E, generated from the standard's table.

:func:`deidentify_dataset` is pure: a dataset, a UID mapper and the options in, the cleaned
dataset out. It walks every element, nested sequences included, and applies the action
``deid_rules.action_for`` gives (Table E.1-1 of the edition ``deid_table.py`` was generated
from, with the options of :class:`~server.cases.deid_rules.Options`):

- ``X`` removes, ``Z`` empties, ``D`` puts a dummy of the VR (a remapped UID for a UI), ``U``
  remaps UIDs; a sequence that is kept, dummied or remapped keeps its items, cleaned inside;
- Retain Longitudinal Temporal Information, Modified Dates: every date (DA, and the date of a
  DT) is moved back by one per-study offset (:func:`date_shift`), so intervals survive;
- Clean Descriptors / Retain Patient Characteristics ``C``: free text is kept with every
  identifying value of the dataset (names, IDs, dates, institutions...) replaced by ``***``.

Pixel Data is not touched here: burned-in text is ``redact.py``'s business.

UIDs are remapped to ``2.25.<int>`` from SHA-256(secret | original study UID | UID): the
same within a study (references between its instances stay valid) and stable across runs (a
second copy is byte-identical, so the store's copy is idempotent), but unlinkable without the
store's secret (``root/deid.secret``, created on first use). The date offset comes from the
same secret and study.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from server.cases.deid_rules import Action, Dates, Options, action_for
from server.cases.deid_table import COLUMNS, TABLE

UidMap = Callable[[str], str]

_TEXT_VRS = frozenset({"LO", "SH", "ST", "LT", "UT", "UC", "PN"})
_BINARY_VRS = frozenset({"OB", "OW", "OD", "OF", "OL", "OV", "UN"})
_DUMMY_BY_VR: dict[str, str | int | float] = {
    "PN": "ANONYMOUS",
    "DA": "19000101",
    "TM": "000000",
    "DT": "19000101000000",
    "AS": "000Y",
    "IS": 0,
    "DS": 0.0,
    "CS": "ANONYMOUS",
    "US": 0,
    "UL": 0,
    "SS": 0,
    "SL": 0,
    "FL": 0.0,
    "FD": 0.0,
}
_CLEAN_DESCRIPTORS = COLUMNS.index("clean_descriptors")
MAX_SHIFT_DAYS = 3650


def uid_mapper(secret: bytes, study_uid: str, variant: str = "") -> UidMap:
    """A deterministic UID replacement, consistent within one original study. ``variant``
    (:meth:`Options.variant`) keeps copies made with other options apart."""
    scope = (study_uid + variant).encode()

    def remap(uid: str) -> str:
        digest = hashlib.sha256(secret + b"|" + scope + b"|" + uid.encode()).digest()
        return "2.25." + str(int.from_bytes(digest[:16], "big"))

    return remap


def date_shift(secret: bytes, study_uid: str) -> int:
    """Days every date of the study moves back: 1..MAX_SHIFT_DAYS, fixed per study."""
    digest = hashlib.sha256(secret + b"|dates|" + study_uid.encode()).digest()
    return 1 + int.from_bytes(digest[:4], "big") % MAX_SHIFT_DAYS


def deidentify_dataset(
    ds: Dataset, remap: UidMap, options: Options | None = None, shift_days: int = 0
) -> Dataset:
    """Apply the profile to ``ds`` in place (and its file meta) and return it."""
    options = options or Options()
    _Cleaner(remap, options, shift_days, identifiers(ds)).clean(ds)
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = options.method()
    ds.DeidentificationMethodCodeSequence = Sequence(
        [code_item(value, meaning) for value, meaning in options.codes()]
    )
    ds.LongitudinalTemporalInformationModified = {
        Dates.REMOVED: "REMOVED",
        Dates.SHIFTED: "MODIFIED",
        Dates.FULL: "UNMODIFIED",
    }[options.dates]
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        for keyword in ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle"):
            if keyword in meta:
                delattr(meta, keyword)
    return ds


def code_item(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
    return item


def identifiers(ds: Dataset) -> list[str]:
    """Identifying strings of ``ds`` (what the profile removes, descriptors aside), longest
    first: what cleaning a kept free-text attribute must not leave behind."""
    found: set[str] = set()
    for elem in _walk(ds):
        row = TABLE.get(int(elem.tag))  # private values are not names: "HEAD" would go
        if row is None or row.split()[_CLEAN_DESCRIPTORS] != "-":
            continue
        for value in _strings(elem):
            found.update(part for part in re.split(r"[\^=\s]+", value) if len(part) >= 3)
            found.add(value.strip())
    return sorted((f for f in found if len(f) >= 3), key=lambda s: (-len(s), s))


def _walk(ds: Dataset) -> Iterator[DataElement]:
    for elem in ds:
        if elem.VR == "SQ":
            for item in elem.value:
                yield from _walk(item)
        else:
            yield elem


def _strings(elem: DataElement) -> list[str]:
    if elem.VR in _BINARY_VRS or elem.VR == "UI" or elem.value is None:
        return []
    values = elem.value if isinstance(elem.value, MultiValue | list) else [elem.value]
    return [str(v) for v in values if str(v)]


class _Cleaner:
    def __init__(self, remap: UidMap, options: Options, shift: int, names: list[str]) -> None:
        self._remap = remap
        self._options = options
        self._shift = shift
        self._pattern = re.compile("|".join(map(re.escape, names)), re.I) if names else None

    def clean(self, ds: Dataset) -> None:
        _drop_overlays(ds)
        for elem in list(ds):
            action = action_for(int(elem.tag), self._options)
            if action is None or (elem.VR == "SQ" and action is not Action.REMOVE):
                self._items(elem, action)
            else:
                self._apply(ds, elem, action)

    def _items(self, elem: DataElement, action: Action | None) -> None:
        if elem.VR != "SQ":
            return
        if action is Action.EMPTY and _only_empty(elem.tag):
            elem.value = Sequence()  # Z alone: Type 2 wherever it is used, zero items valid
            return
        for item in elem.value:  # X/Z (a Type 3 sequence must not be left with zero items),
            self.clean(item)  # kept, dummy, remapped or cleaned sequences: clean inside

    def _apply(self, ds: Dataset, elem: DataElement, action: Action) -> None:
        match action:
            case Action.REMOVE:
                del ds[elem.tag]
            case Action.EMPTY:
                elem.value = None
            case Action.DUMMY:
                elem.value = self._dummy(elem)
            case Action.UID:
                elem.value = self._remap_value(elem.value)
            case Action.CLEAN:
                elem.value = self._cleaned(elem)
            case Action.KEEP:
                pass

    def _dummy(self, elem: DataElement) -> object:
        if elem.VR == "UI":
            return self._remap_value(elem.value)
        if elem.VR in _BINARY_VRS:
            return b""
        return _DUMMY_BY_VR.get(str(elem.VR), "ANONYMIZED")

    def _remap_value(self, value: object) -> object:
        if isinstance(value, list | MultiValue):
            return [self._remap(str(v)) for v in value]
        return self._remap(str(value)) if value else value

    def _cleaned(self, elem: DataElement) -> object:
        if elem.value is None or elem.value == "":
            return elem.value
        if elem.VR in ("DA", "DT"):
            if self._options.dates is not Dates.SHIFTED:
                return self._dummy(elem)
            return _map_values(elem.value, lambda v: shift_date(v, self._shift))
        if elem.VR in _TEXT_VRS and self._pattern is not None:
            pattern = self._pattern
            return _map_values(elem.value, lambda v: pattern.sub("***", v))
        return elem.value  # times (TM) keep; a shift is whole days


def _only_empty(tag: int) -> bool:
    row = TABLE.get(int(tag))
    return row is not None and row.split()[0] == "Z"


def _drop_overlays(ds: Dataset) -> None:
    """Overlay Data goes (Table E.1-1), and with it the rest of its Overlay Plane group:
    the module's other Type 1 attributes alone would make the instance invalid."""
    tags = [int(elem.tag) for elem in ds]
    groups = {t >> 16 for t in tags if 0x6000 <= t >> 16 <= 0x60FF and t & 0xFFFF == 0x3000}
    for tag in (t for t in tags if t >> 16 in groups):
        del ds[tag]


def _map_values(value: object, change: Callable[[str], str]) -> object:
    if isinstance(value, list | MultiValue):
        return [change(str(v)) for v in value]
    return change(str(value))


def shift_date(value: str, days: int) -> str:
    """``YYYYMMDD...`` (DA, or the date of a DT) moved back by ``days``; a date range's
    both ends; anything unparseable becomes the dummy date (never kept as it was)."""
    if "-" in value and len(value) <= 17 and not value.startswith("-"):  # a DA range
        return "-".join(shift_date(part, days) if part else "" for part in value.split("-"))
    try:
        day = dt.datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        return str(_DUMMY_BY_VR["DA"]) + value[8:] if len(value) > 8 else str(_DUMMY_BY_VR["DA"])
    return (day - dt.timedelta(days=days)).strftime("%Y%m%d") + value[8:]


def encode(ds: Dataset) -> bytes:
    """PS3.10 bytes in the dataset's own transfer syntax."""
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
