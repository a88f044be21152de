"""STOW-RS (PS3.18 10.5): store uploaded instances; a host's uploads join his room's case.

A room token's upload makes its room the owner of a new study; into a study stored already
that the room does not own (``server.cases.ownership``) it is refused whole with 403
``study_owned_elsewhere``, duplicates included, before anything is stored. The API key
stores anything and changes no ownership.
The response is DICOM JSON with ReferencedSOPSequence (stored, incl. duplicates) and
FailedSOPSequence (with a FailureReason); 200 if all stored, 202 if some failed, 409 if none.
"""

from __future__ import annotations

import asyncio
import json
from io import BytesIO
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from starlette.requests import Request
from starlette.responses import Response

from server.appstate import app_state
from server.auth import ApiError
from server.cases.store import ImportReport, StudyStore, Uploader
from server.dicomweb.access import require_uploader
from server.dicomweb.attach import attach_study
from server.dicomweb.http import DICOM_JSON
from server.dicomweb.multipart import Part, decode_multipart
from server.dicomweb.search import base_url
from server.dicomweb.service import service
from session.errors import ErrorCode

MAX_BODY_BYTES = 1 << 30
PROCESSING_FAILURE = 0xC000
STUDY_MISMATCH = 0xA900  # "Data Set does not match SOP Class" reused for a wrong study UID


async def store(request: Request) -> Response:
    reader = require_uploader(request)
    length = int(request.headers.get("content-length") or 0)
    if length > MAX_BODY_BYTES:
        raise ApiError(ErrorCode.TOO_LARGE, "upload larger than 1 GiB")
    parts = decode_multipart(request.headers.get("content-type"), await request.body())
    items, failed = _items(parts, request.path_params.get("study"))
    store = service(request).store
    owner = Uploader(reader.claims.room) if reader.claims is not None else None
    if owner is not None:
        await asyncio.to_thread(_refuse_foreign_studies, store, items, owner)
    report = await asyncio.to_thread(store.import_bytes, items, owner)
    if reader.claims is not None:
        for study_uid in report.studies:
            await attach_study(app_state(request), reader.claims.room, study_uid)
    status, body = _answer(report, items, failed, base_url(request))
    return Response(body, status, media_type=DICOM_JSON)


def _items(parts: list[Part], study: str | None) -> tuple[list[tuple[str, bytes]], list[Dataset]]:
    """Parts to store, and failures for parts outside the target study."""
    items: list[tuple[str, bytes]] = []
    failed: list[Dataset] = []
    for n, part in enumerate(parts, 1):
        header = _header(part.body)
        if study and header is not None and header.get("StudyInstanceUID") != study:
            failed.append(_failure(header, STUDY_MISMATCH))
            continue
        items.append((f"part-{n}", part.body))
    return items, failed


def _refuse_foreign_studies(
    store: StudyStore, items: list[tuple[str, bytes]], owner: Uploader
) -> None:
    """Nothing is stored if one part goes to a study the uploading room does not own (the
    import checks again, in its transaction, for an upload racing this one)."""
    studies = {str(h.get("StudyInstanceUID", "")) for _, data in items if (h := _header(data))}
    for study_uid in sorted(studies - {""}):
        refusal = store.upload_refusal(study_uid, owner)
        if refusal is not None:
            raise ApiError(ErrorCode.STUDY_OWNED_ELSEWHERE, refusal)


def _header(data: bytes) -> Dataset | None:
    try:
        return pydicom.dcmread(BytesIO(data), stop_before_pixels=True, force=False)
    except (InvalidDicomError, ValueError, EOFError, OSError, KeyError):
        return None


def _answer(
    report: ImportReport, items: list[tuple[str, bytes]], failed: list[Dataset], base: str
) -> tuple[int, bytes]:
    headers = {name: _header(data) for name, data in items}
    stored = set(report.imported) | set(report.duplicates)
    result = Dataset()
    referenced = []
    for header in headers.values():
        if header is not None and header.get("SOPInstanceUID") in stored:
            referenced.append(_reference(header, base))
    failed = failed + [_failure(headers.get(e.name), PROCESSING_FAILURE) for e in report.errors]
    if referenced:
        result.ReferencedSOPSequence = referenced
    if failed:
        result.FailedSOPSequence = failed
    if len(report.studies) == 1:
        result.RetrieveURL = f"{base}/studies/{report.studies[0]}"
    status = 200 if not failed else (202 if referenced else 409)
    payload: dict[str, Any] = result.to_json_dict()
    return status, json.dumps(payload).encode()


def _reference(header: Dataset, base: str) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID = header.SOPClassUID
    item.ReferencedSOPInstanceUID = header.SOPInstanceUID
    item.RetrieveURL = (
        f"{base}/studies/{header.StudyInstanceUID}/series/{header.SeriesInstanceUID}"
        f"/instances/{header.SOPInstanceUID}"
    )
    return item


def _failure(header: Dataset | None, reason: int) -> Dataset:
    item = Dataset()
    if header is not None:
        if "SOPClassUID" in header:
            item.ReferencedSOPClassUID = header.SOPClassUID
        if "SOPInstanceUID" in header:
            item.ReferencedSOPInstanceUID = header.SOPInstanceUID
    item.FailureReason = reason
    return item
