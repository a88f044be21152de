"""PS3.18 F.2 JSON of a whole instance that never loses an attribute (``/metadata``).

pydicom's ``Dataset.to_json_dict(suppress_invalid_tags=True)`` drops an element whose value
it cannot convert — a 17-18 character decimal string from a real modality made Image
Position (Patient) and Window Center vanish. Here every element of the file is carried,
at every depth of nesting, and before or after Pixel Data:

- DS and IS values that obey their VR are JSON numbers; one that breaks it (too long, not a
  number) is carried as the string that was read — the value, not an absence.
- An element pydicom cannot convert at all is carried as read: the strings of its raw
  bytes, or its bytes as ``InlineBinary`` for a binary VR (an FD of 3 bytes).
- Binary values longer than :data:`BULK_THRESHOLD` (and values too big to have been read,
  see ``defer_size``) become a ``BulkDataURI`` named by the element's *path*:
  ``tag[/item/tag]...`` with 1-based item numbers, so the second item's bulk data is never
  the first's. Pixel Data keeps its stored VR (OB when encapsulated).
- Group lengths (gggg,0000) are left out: they describe an encoding, not the instance.

The pixel attributes are then overridden as ``transcode.decoded_description`` says, so
``/metadata`` describes exactly the frames a client gets (docs/dicomweb.md).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag, Tag

BULK_THRESHOLD = 1024
BINARY_VRS = frozenset({"AT", "FD", "FL", "SL", "SS", "SV", "UL", "US", "UV"})
BULK_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})  # others are read in full
BulkUri = Callable[[str], str]  # element path -> URI

DS_RE = re.compile(r"^ *[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)? *$")
IS_RE = re.compile(r"^ *[+-]?\d+ *$")
PIXEL_DATA = 0x7FE00010


def dataset_json(ds: Dataset, bulk: BulkUri, prefix: str = "") -> dict[str, Any]:
    """Every element of ``ds`` (recursively) as PS3.18 JSON; ``prefix`` is the path so far."""
    out: dict[str, Any] = {}
    for tag in sorted(ds.keys()):
        if BaseTag(tag).element == 0:
            continue  # group length
        key = f"{int(tag):08X}"
        out[key] = element_json(ds, BaseTag(tag), prefix + key, bulk)
    return out


def element_json(ds: Dataset, tag: BaseTag, path: str, bulk: BulkUri) -> dict[str, Any]:
    raw = ds.get_item(tag, keep_deferred=True)
    deferred = isinstance(raw, RawDataElement) and raw.value is None and raw.length > 0
    stored_vr = _single_vr(ds, tag, getattr(raw, "VR", None))
    if (deferred and stored_vr in BULK_VRS) or tag == PIXEL_DATA:
        return {"vr": stored_vr, "BulkDataURI": bulk(path)}  # Pixel Data: OB if encapsulated
    try:
        elem = ds[tag]
    except Exception:  # a value pydicom cannot convert: carry its raw text
        return _raw_strings(raw, _single_vr(ds, tag, getattr(raw, "VR", None)))
    vr = _single_vr(ds, tag, elem.VR)
    if vr == "SQ":
        items = enumerate(elem.value or [], 1)
        return {"vr": "SQ", "Value": [dataset_json(it, bulk, f"{path}/{n}/") for n, it in items]}
    if vr in ("DS", "IS"):
        return _numbers_as_read(elem, vr)
    return _converted(elem, raw, vr, lambda _e: bulk(path))


def _converted(
    elem: DataElement, raw: object, vr: str, handler: Callable[[DataElement], str]
) -> dict[str, Any]:
    try:
        result: dict[str, Any] = elem.to_json_dict(handler, BULK_THRESHOLD)
    except Exception:  # e.g. a PN or AT value that does not parse
        return _raw_strings(raw, vr)
    result["vr"] = vr
    return result


def _single_vr(ds: Dataset, tag: BaseTag, vr: str | None) -> str:
    """One VR for JSON: implicit VR files leave some ambiguous ('US or SS', 'OB or OW')."""
    if not vr:
        try:
            vr = dictionary_VR(tag)
        except KeyError:
            return "UN"
    if " or " not in vr:
        return vr
    if vr == "OB or OW":
        return "OW" if int(ds.get("BitsAllocated", 16) or 16) > 8 else "OB"
    signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
    return "SS" if signed and "SS" in vr else vr.split(" or ")[0]


def _numbers_as_read(elem: DataElement, vr: str) -> dict[str, Any]:
    """DS/IS values as numbers where they obey the VR, else as the text that was read."""
    value = elem.value
    if value is None or value == "":
        return {"vr": vr}
    values = list(value) if elem.VM > 1 else [value]
    return {"vr": vr, "Value": [_number_or_text(v, vr) for v in values]}


def _number_or_text(value: object, vr: str) -> int | float | str | None:
    text = getattr(value, "original_string", None)
    text = str(value) if text is None else str(text)
    if text.strip() == "":
        return None
    if vr == "IS" and len(text) <= 12 and IS_RE.match(text) and abs(int(text)) < 2**31:
        return int(text)
    if vr == "DS" and len(text) <= 16 and DS_RE.match(text):
        number = float(text)
        return int(number) if number.is_integer() and IS_RE.match(text) else number
    return text.strip()


def _raw_strings(raw: object, vr: str) -> dict[str, Any]:
    data = getattr(raw, "value", None)
    if isinstance(data, bytes) and vr in BINARY_VRS:  # e.g. an FD of 3 bytes: as read
        return {"vr": vr, "InlineBinary": base64.b64encode(data).decode("ascii")}
    if isinstance(data, bytes):
        text = data.decode("latin-1").rstrip("\x00 ")
    else:
        text = "" if data is None else str(data)
    return {"vr": vr, "Value": text.split("\\")} if text else {"vr": vr}


def find_element(ds: Dataset, path: str) -> DataElement | None:
    """The element at ``tag[/item/tag]...`` (1-based items), or None."""
    parts = path.split("/")
    current = ds
    for index in range(0, len(parts) - 1, 2):
        elem = current.get(Tag(int(parts[index], 16)))
        items = elem.value if isinstance(elem, DataElement) and elem.VR == "SQ" else []
        number = int(parts[index + 1]) if parts[index + 1].isdigit() else 0
        if not 1 <= number <= len(items):
            return None
        current = items[number - 1]
    found = current.get(Tag(int(parts[-1], 16)))
    return found if isinstance(found, DataElement) else None
