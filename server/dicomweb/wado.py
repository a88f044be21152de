"""WADO-RS route handlers: instances, metadata, frames, bulk data (PS3.18 10.4).

Study/series/instance retrieval streams one part per instance so a 100-slice series never
sits in memory; frames and metadata are small and answered whole. Everything carries an ETag
(instance hashes + representation) and immutable private caching; see ``http``.
"""

from __future__ import annotations

import asyncio
import re
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pydicom
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement
from pydicom.uid import UID, ExplicitVRLittleEndian
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from server.audit import hooks as audit_hooks
from server.auth import ApiError
from server.cases.store import InstanceRecord
from server.dicomweb import jsonmeta
from server.dicomweb.access import require_scope
from server.dicomweb.http import (
    CACHE_CONTROL,
    etag_for,
    immutable_response,
    json_response,
    not_modified,
)
from server.dicomweb.multipart import Part, encode_multipart, multipart_content_type
from server.dicomweb.negotiate import (
    MEDIA_FOR_SYNTAX,
    NATIVE,
    frame_syntax,
    instance_syntax,
    require_json,
)
from server.dicomweb.search import base_url
from server.dicomweb.service import DicomWeb, service
from server.dicomweb.transcode import decoded_description, undecodable_reason
from session.errors import ErrorCode

MAX_FRAMES_PER_REQUEST = 512


def _lookup(dw: DicomWeb, params: dict[str, str]) -> list[InstanceRecord]:
    if "sop" in params:
        return [dw.instance(params["study"], params["series"], params["sop"])]
    return dw.instances(params["study"], params.get("series"))


async def records_for(request: Request) -> tuple[DicomWeb, list[InstanceRecord]]:
    """Access check on the event loop (it reads the room), store lookup in a thread. A
    study-level request of a room that admits some series only gets those series."""
    params = dict(request.path_params)
    _, scope = require_scope(request, params["study"], params.get("series"))
    dw = service(request)
    records = await asyncio.to_thread(_lookup, dw, params)
    if scope is not None:
        records = [r for r in records if r.series_uid in scope]
    if not records:
        raise ApiError(ErrorCode.NOT_FOUND, f"no instances for study {params['study']}")
    audit_hooks.series_read(request, records)  # who read which series (aggregated)
    return dw, records


# --- instances ---------------------------------------------------------------------------
async def retrieve(request: Request) -> Response:
    dw, records = await records_for(request)
    accept = request.headers.get("accept")
    wanted = [instance_syntax(accept, r.transfer_syntax_uid) for r in records]
    demanded = "transfer-syntax" in (accept or "").lower()
    syntaxes = await asyncio.to_thread(_producible, dw, records, wanted, demanded)
    etag = etag_for((r.sha256 for r in records), f"p10:{','.join(syntaxes)}")
    if (cached := not_modified(request, etag)) is not None:
        return cached
    boundary = f"huizhen-{etag.strip(chr(34))[:24]}"
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept, Authorization"}
    return StreamingResponse(
        _stream_instances(dw, records, syntaxes, boundary),
        headers=headers,
        media_type=multipart_content_type("application/dicom", boundary),
    )


def _producible(
    dw: DicomWeb, records: list[InstanceRecord], wanted: list[str], demanded: bool
) -> list[str]:
    """The syntax each instance is sent in, decided before the first byte.

    A syntax the client named (``transfer-syntax=``) that cannot be produced is a 406 with
    the reason. Without one, Explicit VR Little Endian is only the default: an instance that
    cannot be decoded here (video, a codec missing) is sent as stored, its part header
    naming its syntax (store and forward). Every stored syntax must have a decoder, and the
    first conversion is made now (cached, so the stream reuses it); an encoder failure later
    in a long stream can only fall back to the stored syntax, named likewise.
    """
    chosen = list(wanted)
    for index, (record, syntax) in enumerate(zip(records, wanted, strict=True)):
        if syntax == record.transfer_syntax_uid:
            continue
        reason = undecodable_reason(record.transfer_syntax_uid)
        if reason is not None and demanded:
            raise ApiError(ErrorCode.NOT_ACCEPTABLE, f"cannot convert to {syntax}: {reason}")
        if reason is not None:
            chosen[index] = record.transfer_syntax_uid
    first = next((i for i, r in enumerate(records) if chosen[i] != r.transfer_syntax_uid), None)
    if first is not None:
        try:
            dw.representations.p10(records[first], chosen[first])
        except ApiError:
            if demanded:
                raise
            chosen[first] = records[first].transfer_syntax_uid
    return chosen


async def _stream_instances(
    dw: DicomWeb, records: list[InstanceRecord], syntaxes: list[str], boundary: str
) -> AsyncIterator[bytes]:
    for record, wanted in zip(records, syntaxes, strict=True):
        syntax = wanted
        try:
            path = await asyncio.to_thread(dw.representations.p10, record, wanted)
        except ApiError:
            # Too late for a 406 (the stream has started): send this one as stored; its
            # part header names the syntax it really has.
            syntax, path = record.transfer_syntax_uid, record.path
        body = await asyncio.to_thread(path.read_bytes)
        head = f"--{boundary}\r\nContent-Type: application/dicom; transfer-syntax={syntax}\r\n\r\n"
        yield head.encode("ascii") + body + b"\r\n"
    yield f"--{boundary}--\r\n".encode("ascii")


# --- metadata ----------------------------------------------------------------------------
async def metadata(request: Request) -> Response:
    require_json(request.headers.get("accept"))
    dw, records = await records_for(request)
    etag = etag_for((r.sha256 for r in records), f"metadata:{base_url(request)}")
    if (cached := not_modified(request, etag)) is not None:
        return cached
    base = base_url(request)
    payload = await asyncio.to_thread(lambda: [_instance_json(dw, r, base) for r in records])
    return json_response(request, payload, etag)


def _instance_json(dw: DicomWeb, record: InstanceRecord, base: str) -> dict[str, Any]:
    """Everything in the file (``jsonmeta``), pixel attributes as the frames decode."""
    url = f"{base}/studies/{record.study_uid}/series/{record.series_uid}/instances/{record.sop_uid}"

    def bulk(path: str) -> str:
        return f"{url}/bulkdata/{path}"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # values that break their VR are carried, not warned
        # Values over the threshold stay on disk: only their length is needed, for the URI.
        ds = pydicom.dcmread(record.path, defer_size=jsonmeta.BULK_THRESHOLD)
        result = jsonmeta.dataset_json(ds, bulk)
    for keyword, value in decoded_description(ds).items():
        element = DataElement(keyword, dictionary_VR(keyword), value)
        result[f"{element.tag:08X}"] = element.to_json_dict(None, 0)
    if "7FE00010" in result and UID(record.transfer_syntax_uid).is_encapsulated:
        result["7FE00010"]["vr"] = "OB"  # PS3.5 A.4: some writers mislabel it OW
    result["00083002"] = {"vr": "UI", "Value": [record.transfer_syntax_uid]}
    return result


# --- frames ------------------------------------------------------------------------------
async def frames(request: Request) -> Response:
    dw, records = await records_for(request)
    record = records[0]
    numbers = parse_frame_list(request.path_params["frames"])
    choice = frame_syntax(request.headers.get("accept"), record.transfer_syntax_uid)
    if not choice.multipart and len(numbers) != 1:
        raise ApiError(ErrorCode.NOT_ACCEPTABLE, "several frames need multipart/related")
    etag = etag_for([record.sha256], f"frames:{numbers}:{choice.syntax}:{choice.multipart}")
    if (cached := not_modified(request, etag)) is not None:
        return cached
    syntax, data = await asyncio.to_thread(
        dw.representations.frames, record, choice.syntax, numbers
    )
    part_type = (
        f"{MEDIA_FOR_SYNTAX.get(syntax, 'application/octet-stream')}; transfer-syntax={syntax}"
    )
    compressible = syntax in NATIVE
    if not choice.multipart:
        return immutable_response(request, data[0], part_type, etag, compressible=compressible)
    boundary = f"huizhen-{etag.strip(chr(34))[:24]}"
    body = encode_multipart([Part(part_type, frame) for frame in data], boundary)
    media = multipart_content_type(
        MEDIA_FOR_SYNTAX.get(syntax, "application/octet-stream"), boundary
    )
    return immutable_response(request, body, media, etag, compressible=compressible)


def parse_frame_list(text: str) -> list[int]:
    try:
        numbers = [int(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad frame list {text!r}") from None
    if not numbers or len(numbers) > MAX_FRAMES_PER_REQUEST or min(numbers) < 1:
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad frame list {text!r}")
    return numbers


# --- bulk data ---------------------------------------------------------------------------
async def bulkdata(request: Request) -> Response:
    dw, records = await records_for(request)
    record = records[0]
    path = _element_path(request.path_params["path"])
    etag = etag_for([record.sha256], f"bulk:{path}")
    if (cached := not_modified(request, etag)) is not None:
        return cached
    value = await asyncio.to_thread(_bulk_value, dw, record, path)
    boundary = f"huizhen-{etag.strip(chr(34))[:24]}"
    body = encode_multipart([Part("application/octet-stream", value)], boundary)
    media = multipart_content_type("application/octet-stream", boundary)
    return immutable_response(request, body, media, etag, compressible=True)


def _element_path(text: str) -> str:
    """``tag[/item/tag]...`` as ``jsonmeta`` names bulk data (upper-case hex, 1-based items)."""
    parts = text.strip("/").split("/")
    tags_ok = all(re.fullmatch(r"[0-9A-Fa-f]{8}", p) for p in parts[::2])
    items_ok = all(p.isdigit() and int(p) >= 1 for p in parts[1::2])
    if len(parts) % 2 == 0 or not tags_ok or not items_ok:
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad bulk data path {text!r}")
    return "/".join(p.upper() if i % 2 == 0 else str(int(p)) for i, p in enumerate(parts))


def _bulk_value(dw: DicomWeb, record: InstanceRecord, path: str) -> bytes:
    """The element's bytes; top-level Pixel Data comes decoded, as the frames do (Explicit
    VR Little Endian, colour as ``/metadata`` describes it)."""
    if path == "7FE00010":
        native = dw.representations.p10(record, ExplicitVRLittleEndian, as_decoded=True)
        return bytes(pydicom.dcmread(native).PixelData)
    element = jsonmeta.find_element(pydicom.dcmread(record.path), path)
    if element is None or not isinstance(element.value, bytes):
        raise ApiError(ErrorCode.NOT_FOUND, f"no bulk data element {path}")
    return element.value
