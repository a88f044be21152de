"""STOW-RS (PS3.18 10.5): store uploaded instances; a host's uploads join his room's case.

A room token's upload makes its room the owner of a new study; into a study stored already
that the room does not own (``server.cases.ownership``) it is refused whole with 403
``study_owned_elsewhere``, duplicates included, before anything is stored. The API key
stores anything and changes no ownership.
The body is spooled to a file (``server.bodies``: at most ``max_upload_bytes``, chunked or
not; a room token's upload also within its room's ``room_quota_bytes``), split into part
files and stored from those files: memory per upload stays a few MiB whatever its size.

The response is DICOM JSON with ReferencedSOPSequence (stored, incl. duplicates) and
FailedSOPSequence (with a FailureReason); 200 if all stored, 202 if some failed, 409 if none.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from starlette.requests import Request
from starlette.responses import Response

from server.appstate import AppState, app_state
from server.auth import ApiError
from server.bodies import spool, upload_dir
from server.cases.store import ImportReport, StudyStore, Uploader
from server.dicomweb.access import require_uploader
from server.dicomweb.attach import attach_study
from server.dicomweb.http import DICOM_JSON
from server.dicomweb.multipart import multipart_boundary
from server.dicomweb.multipart_file import FilePart, split_multipart_file
from server.dicomweb.search import base_url
from server.dicomweb.service import service
from server.tokens import Claims
from session.errors import ErrorCode
from session.ids import RoomId

PROCESSING_FAILURE = 0xC000
STUDY_MISMATCH = 0xA900  # "Data Set does not match SOP Class" reused for a wrong study UID

Item = tuple[str, Path, Dataset | None]  # a part to store: name, file, its header if DICOM


async def store(request: Request) -> Response:
    reader = require_uploader(request)
    boundary = multipart_boundary(request.headers.get("content-type"))
    state = app_state(request)
    limit, refusal = await _upload_limit(state, reader.claims)
    async with upload_dir(state.settings.data_dir) as folder:
        await spool(request, folder / "body", limit, refusal)
        parts = await asyncio.to_thread(split_multipart_file, folder / "body", boundary, folder)
        items, failed = await asyncio.to_thread(_items, parts, request.path_params.get("study"))
        files = [(name, path) for name, path, _ in items]
        store = service(request).store
        owner = Uploader(reader.claims.room) if reader.claims is not None else None
        if owner is not None:
            await asyncio.to_thread(_refuse_foreign_studies, store, items, owner)
        report = await asyncio.to_thread(store.import_files, files, owner)
    if reader.claims is not None:
        for study_uid in report.studies:
            await attach_study(state, reader.claims.room, study_uid)
    status, body = _answer(report, items, failed, base_url(request))
    return Response(body, status, media_type=DICOM_JSON)


async def _upload_limit(state: AppState, claims: Claims | None) -> tuple[int, ApiError | None]:
    """The most this upload may send, and the refusal past it (the quota's, if it binds)."""
    limit = state.settings.max_upload_bytes
    quota = state.settings.room_quota_bytes
    if claims is None or quota <= 0:
        return limit, None
    used = await asyncio.to_thread(
        stored_bytes, state.studies, attached_studies(state, claims.room)
    )
    if used + min(limit, quota) <= quota:
        return limit, None
    left = max(quota - used, 0)
    message = f"room {claims.room} holds {used} of its {quota} bytes; {left} left"
    return left, ApiError(ErrorCode.QUOTA_EXCEEDED, message)


def attached_studies(state: AppState, room: RoomId) -> list[str]:
    """The studies a room's quota counts (read on the event loop: the room's own state)."""
    host = state.rooms.get(room)
    return [] if host is None else list(host.room.snapshot().state.studies)


def stored_bytes(store: StudyStore, studies: list[str]) -> int:
    return sum(record.size for uid in studies for record in store.instances(uid))


def _items(parts: list[FilePart], study: str | None) -> tuple[list[Item], list[Dataset]]:
    """Parts to store, and failures for parts outside the target study."""
    items: list[Item] = []
    failed: list[Dataset] = []
    for n, part in enumerate(parts, 1):
        header = _header(part.path)
        if study and header is not None and header.get("StudyInstanceUID") != study:
            failed.append(_failure(header, STUDY_MISMATCH))
            continue
        items.append((f"part-{n}", part.path, header))
    return items, failed


def _refuse_foreign_studies(store: StudyStore, items: list[Item], owner: Uploader) -> None:
    """Nothing is stored if one part goes to a study the uploading room does not own (the
    import checks again, in its transaction, for an upload racing this one)."""
    studies = {str(h.get("StudyInstanceUID", "")) for _, _, h in items if h is not None}
    for study_uid in sorted(studies - {""}):
        refusal = store.upload_refusal(study_uid, owner)
        if refusal is not None:
            raise ApiError(ErrorCode.STUDY_OWNED_ELSEWHERE, refusal)


def _header(path: Path) -> Dataset | None:
    try:
        return pydicom.dcmread(path, stop_before_pixels=True, force=False)
    except (InvalidDicomError, ValueError, EOFError, OSError, KeyError):
        return None


def _answer(
    report: ImportReport, items: list[Item], failed: list[Dataset], base: str
) -> tuple[int, bytes]:
    headers = {name: header for name, _, header in items}
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
