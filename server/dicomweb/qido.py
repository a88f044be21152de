"""QIDO-RS (PS3.18 10.6): search studies, series and instances of the store.

Each candidate is described by a "source" dataset — the header of its first (or own) instance
plus the store's counts — which the query is matched against; the answer carries the level's
default attributes, any ``includefield`` ones (``all``: every plain attribute of the source),
and the matched keys. Matching (PS3.4 C.2.2.2): universal (empty), single value, wildcard
(``*``, ``?``; person names case-insensitively), UID lists, date/time ranges; multi-valued
attributes match if any value does.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pydicom
from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset

from server.auth import ApiError
from server.cases.store import InstanceRecord, SeriesRecord, StudyRecord, StudyStore
from server.dicomweb import jsonmeta
from session.errors import ErrorCode

MAX_LIMIT = 1000


class Level(StrEnum):
    STUDY = "study"
    SERIES = "series"
    INSTANCE = "instance"


DEFAULTS: dict[Level, tuple[str, ...]] = {
    Level.STUDY: (
        "SpecificCharacterSet", "StudyDate", "StudyTime", "AccessionNumber",
        "InstanceAvailability", "ModalitiesInStudy", "ReferringPhysicianName",
        "TimezoneOffsetFromUTC", "RetrieveURL", "PatientName", "PatientID", "PatientBirthDate",
        "PatientSex", "StudyInstanceUID", "StudyID", "StudyDescription",
        "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances",
    ),
    Level.SERIES: (
        "SpecificCharacterSet", "Modality", "TimezoneOffsetFromUTC", "SeriesDescription",
        "RetrieveURL", "SeriesInstanceUID", "SeriesNumber", "SeriesDate", "SeriesTime",
        "PerformedProcedureStepStartDate", "PerformedProcedureStepStartTime",
        "NumberOfSeriesRelatedInstances", "BodyPartExamined",
    ),
    Level.INSTANCE: (
        "SpecificCharacterSet", "SOPClassUID", "SOPInstanceUID", "InstanceAvailability",
        "TimezoneOffsetFromUTC", "RetrieveURL", "InstanceNumber", "Rows", "Columns",
        "BitsAllocated", "NumberOfFrames",
    ),
}  # fmt: skip

_CONTROL_PARAMS = {"includefield", "limit", "offset", "fuzzymatching"}
# fmt: off
_PLAIN_VRS = frozenset({
    "AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "PN", "SH",
    "TM", "UI", "US", "SS", "UL", "SL", "FL", "FD", "LT", "ST",
})
# fmt: on


@dataclass(frozen=True, slots=True)
class Query:
    matches: dict[str, str] = field(default_factory=dict)  # keyword -> matching value
    include: frozenset[str] = frozenset()
    include_all: bool = False
    limit: int | None = None
    offset: int = 0
    fuzzy: bool = False


def parse_query(params: Iterable[tuple[str, str]]) -> Query:
    """Query parameters → Query; unknown attribute names are a 400 (PS3.18 8.3.4)."""
    matches: dict[str, str] = {}
    include: set[str] = set()
    controls: dict[str, str] = {}
    for name, value in params:
        if name in _CONTROL_PARAMS:
            if name == "includefield":
                include.update(v.strip() for v in value.split(",") if v.strip())
            else:
                controls[name] = value
        else:
            matches[attribute_keyword(name)] = value
    include_all = "all" in include
    keywords = frozenset(attribute_keyword(v) for v in include - {"all"})
    return Query(
        matches,
        keywords,
        include_all,
        _limit(controls),
        _int(controls, "offset", 0),
        controls.get("fuzzymatching") == "true",
    )


def attribute_keyword(name: str) -> str:
    """A keyword or an 8-hex-digit tag → the DICOM keyword; 400 if neither."""
    if re.fullmatch(r"[0-9A-Fa-f]{8}", name):
        keyword = keyword_for_tag(int(name, 16))
        if keyword:
            return keyword
    elif tag_for_keyword(name) is not None:
        return name
    raise ApiError(ErrorCode.BAD_REQUEST, f"unknown query attribute {name!r}")


def _limit(controls: Mapping[str, str]) -> int | None:
    if "limit" not in controls:
        return None
    return min(_int(controls, "limit", 0), MAX_LIMIT)


def _int(controls: Mapping[str, str], name: str, default: int) -> int:
    try:
        value = int(controls.get(name, default))
    except ValueError:
        raise ApiError(ErrorCode.BAD_REQUEST, f"{name} must be an integer") from None
    if value < 0:
        raise ApiError(ErrorCode.BAD_REQUEST, f"{name} must not be negative")
    return value


# --- matching ----------------------------------------------------------------------------
def matches(source: Dataset, query: Query) -> bool:
    return all(_match(source, k, v, query.fuzzy) for k, v in query.matches.items())


def _match(source: Dataset, keyword: str, wanted: str, fuzzy: bool) -> bool:
    if wanted == "":
        return True
    values = _values(source.get(keyword))
    vr = dictionary_VR(keyword)
    if vr == "UI":
        uids = {u.strip() for u in re.split(r"[,\\]", wanted) if u.strip()}
        return any(v in uids for v in values)
    if vr in ("DA", "TM", "DT") and "-" in wanted:
        return any(_in_range(v, wanted) for v in values)
    pattern = _wildcard(wanted, ignore_case=fuzzy or vr == "PN")
    return any(pattern.fullmatch(v) for v in values)


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return [str(v) for v in value]
    return [str(value)]


def _in_range(value: str, wanted: str) -> bool:
    low, _, high = wanted.partition("-")
    clean = value.replace(":", "")
    return (not low or clean >= low.replace(":", "")) and (
        not high or clean[: len(high)] <= high.replace(":", "")
    )


def _wildcard(wanted: str, *, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in wanted)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


# --- answers -----------------------------------------------------------------------------
def select(source: Dataset, level: Level, query: Query, retrieve_url: str) -> dict[str, Any]:
    """The DICOM JSON (PS3.18 F.2) answer for one match."""
    wanted = set(DEFAULTS[level]) | query.include | set(query.matches)
    if query.include_all:
        wanted |= {e.keyword for e in source if e.keyword and e.VR in _PLAIN_VRS}
    out = Dataset()
    for keyword in sorted(wanted, key=lambda k: tag_for_keyword(k) or 0):
        if keyword in source:
            out[keyword] = source[keyword]
    out.RetrieveURL = retrieve_url
    # jsonmeta, not to_json_dict(suppress_invalid_tags=True): a returned attribute whose
    # value breaks its VR is carried as read, never silently dropped (docs/dicomweb.md).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jsonmeta.dataset_json(out, lambda path: f"{retrieve_url}/bulkdata/{path}")


def page(items: Sequence[Any], query: Query) -> Sequence[Any]:
    end = None if query.limit is None else query.offset + query.limit
    return items[query.offset : end]


class Headers:
    """A small LRU of instance headers (no pixel data), keyed by file path (immutable)."""

    def __init__(self, size: int = 4096) -> None:
        self._items: OrderedDict[Path, Dataset] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, path: Path) -> Dataset:
        with self._lock:
            if path in self._items:
                self._items.move_to_end(path)
                return self._items[path]
        header = pydicom.dcmread(path, stop_before_pixels=True)
        with self._lock:
            self._items[path] = header
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return header


# --- sources per level -------------------------------------------------------------------
def study_source(store: StudyStore, headers: Headers, record: StudyRecord) -> Dataset:
    source = _copy(_first_header(store, headers, record.study_uid, None))
    source.ModalitiesInStudy = list(record.modalities)
    source.NumberOfStudyRelatedSeries = record.series_count
    source.NumberOfStudyRelatedInstances = record.instance_count
    source.InstanceAvailability = "ONLINE"
    return source


def series_source(store: StudyStore, headers: Headers, record: SeriesRecord) -> Dataset:
    source = _copy(_first_header(store, headers, record.study_uid, record.series_uid))
    source.NumberOfSeriesRelatedInstances = record.instance_count
    return source


def instance_source(headers: Headers, record: InstanceRecord) -> Dataset:
    source = _copy(headers.get(record.path))
    source.InstanceAvailability = "ONLINE"
    if "NumberOfFrames" not in source and "PixelData" in source:
        source.NumberOfFrames = record.number_of_frames
    return source


def _first_header(store: StudyStore, headers: Headers, study: str, series: str | None) -> Dataset:
    instances = store.instances(study, series)
    return headers.get(instances[0].path) if instances else Dataset()


def _copy(header: Dataset) -> Dataset:
    copy = Dataset()
    copy.update(header)
    return copy
