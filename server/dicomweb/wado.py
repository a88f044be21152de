"""WADO-RS route handlers: instances, metadata, frames, bulk data (PS3.18 10.4).

Study/series/instance retrieval streams one part per instance so a 100-slice series never
sits in memory; frames and metadata are small and answered whole. Everything carries an ETag
(instance hashes + representation) and immutable private caching; see ``http``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pydicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from server.auth import ApiError
from server.cases.store import InstanceRecord
from server.dicomweb.access import require_study
from server.dicomweb.http import (
    CACHE_CONTROL,
    etag_for,
    immutable_response,
    json_response,
    not_modified,
)
from server.dicomweb.multipart import Part, encode_multipart, multipart_content_type
from server.dicomweb.negotiate import MEDIA_FOR_SYNTAX, NATIVE, frame_syntax, instance_syntax
from server.dicomweb.search import base_url
from server.dicomweb.service import DicomWeb, service
from session.errors import ErrorCode

BULK_THRESHOLD = 1024
MAX_FRAMES_PER_REQUEST = 512


def _lookup(dw: DicomWeb, params: dict[str, str]) -> list[InstanceRecord]:
    if "sop" in params:
        return [dw.instance(params["study"], params["series"], params["sop"])]
    return dw.instances(params["study"], params.get("series"))


async def records_for(request: Request) -> tuple[DicomWeb, list[InstanceRecord]]:
    """Access check on the event loop (it reads the room), store lookup in a thread."""
    params = dict(request.path_params)
    require_study(request, params["study"], params.get("series"))
    dw = service(request)
    return dw, await asyncio.to_thread(_lookup, dw, params)


# --- instances ---------------------------------------------------------------------------
async def retrieve(request: Request) -> Response:
    dw, records = await records_for(request)
    accept = request.headers.get("accept")
    syntaxes = [instance_syntax(accept, r.transfer_syntax_uid) for r in records]
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
    dw, records = await records_for(request)
    etag = etag_for((r.sha256 for r in records), f"metadata:{base_url(request)}")
    if (cached := not_modified(request, etag)) is not None:
        return cached
    base = base_url(request)
    payload = await asyncio.to_thread(lambda: [_instance_json(dw, r, base) for r in records])
    return json_response(request, payload, etag)


def _instance_json(dw: DicomWeb, record: InstanceRecord, base: str) -> dict[str, Any]:
    url = f"{base}/studies/{record.study_uid}/series/{record.series_uid}/instances/{record.sop_uid}"
    header = dw.headers.get(record.path)

    def bulk(element: DataElement) -> str:
        return f"{url}/bulkdata/{element.tag:08X}"

    result: dict[str, Any] = header.to_json_dict(BULK_THRESHOLD, bulk, suppress_invalid_tags=True)
    if record.rows:
        result["7FE00010"] = {"vr": "OW", "BulkDataURI": f"{url}/bulkdata/7FE00010"}
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
    tag = _tag(request.path_params["tag"])
    etag = etag_for([record.sha256], f"bulk:{tag:08X}")
    if (cached := not_modified(request, etag)) is not None:
        return cached
    value = await asyncio.to_thread(_bulk_value, dw, record, tag)
    boundary = f"huizhen-{etag.strip(chr(34))[:24]}"
    body = encode_multipart([Part("application/octet-stream", value)], boundary)
    media = multipart_content_type("application/octet-stream", boundary)
    return immutable_response(request, body, media, etag, compressible=True)


def _tag(text: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad tag {text!r}") from None


def _bulk_value(dw: DicomWeb, record: InstanceRecord, tag: int) -> bytes:
    """The element's bytes; Pixel Data comes uncompressed (Explicit VR Little Endian)."""
    if tag == 0x7FE00010:
        path = dw.representations.p10(record, "1.2.840.10008.1.2.1")
        return bytes(pydicom.dcmread(path).PixelData)
    ds = pydicom.dcmread(record.path)
    element = _find(ds, tag)
    if element is None or not isinstance(element.value, bytes):
        raise ApiError(ErrorCode.NOT_FOUND, f"no bulk data element {tag:08X}")
    return element.value


def _find(ds: Dataset, tag: int) -> DataElement | None:
    for element in ds.iterall():
        if element.tag == tag:
            return element
    return None
