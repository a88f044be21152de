"""Pull studies from a hospital PACS over DICOMweb into the store and a room.

Endpoints are configured as ``HUIZHEN_PACS="name=url[,name=url]"`` (an optional bearer
token per endpoint in ``HUIZHEN_PACS_TOKEN_<NAME>``). ``dicomweb-client`` does the talking:
QIDO for search, WADO-RS with ``transfer-syntax=*`` so the PACS sends what it stores and the
original encoding is kept. The pull is synchronous (run it in a thread); attaching goes
through the room protocol like any other case change.

Admin endpoints: ``GET /api/pacs`` (names), ``GET /api/pacs/{name}/studies?PatientID=...``
(QIDO passthrough), ``POST /api/rooms/{id}/pull`` {pacs, study} → import + attach. The room
a study is pulled into becomes one of its owners (``server.cases.ownership``).
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset
from requests import RequestException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.appstate import AppState, app_state
from server.auth import ApiError, json_body, require_api_key
from server.cases.store import ImportReport, StudyStore, Uploader
from server.dicomweb.attach import attach_study
from server.dicomweb.service import service
from session.errors import ErrorCode
from session.ids import RoomId


@dataclass(frozen=True, slots=True)
class PacsEndpoint:
    name: str
    url: str  # the DICOMweb base, e.g. http://pacs.hospital/dicom-web
    token: str | None = field(default=None, repr=False)

    def client(self) -> DICOMwebClient:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        client = DICOMwebClient(self.url, headers=headers)
        # A PACS that is down should fail a pull in about a second, not after ~30 s of
        # exponential back-off: the organizer is waiting in front of the room.
        client.set_http_retry_params(retry=True, max_attempts=2, wait_exponential_multiplier=200)
        return client


class PacsError(Exception):
    """The PACS could not be reached or answered with an error."""


def endpoints_from_env(environ: Mapping[str, str] | None = None) -> dict[str, PacsEndpoint]:
    env = os.environ if environ is None else environ
    endpoints = {}
    for item in env.get("HUIZHEN_PACS", "").split(","):
        name, _, url = item.strip().partition("=")
        if name and url:
            token = env.get(f"HUIZHEN_PACS_TOKEN_{name.upper()}")
            endpoints[name] = PacsEndpoint(name, url.rstrip("/"), token)
    return endpoints


def search(
    endpoint: PacsEndpoint, filters: Mapping[str, str], limit: int = 100
) -> list[dict[str, Any]]:
    """QIDO-RS study search on the PACS (DICOM JSON as the PACS returned it)."""
    try:
        found: list[dict[str, Any]] = endpoint.client().search_for_studies(
            search_filters=dict(filters), limit=limit
        )
    except (RequestException, ValueError) as exc:
        raise PacsError(f"{endpoint.name}: search failed: {exc}") from exc
    return found


def retrieve_into(
    endpoint: PacsEndpoint, study_uid: str, store: StudyStore, owner: Uploader | None = None
) -> ImportReport:
    """WADO-RS retrieve of one study, stored as received (original transfer syntax)."""
    try:
        datasets = endpoint.client().retrieve_study(
            study_uid, media_types=(("application/dicom", "*"),)
        )
    except (RequestException, ValueError) as exc:
        raise PacsError(f"{endpoint.name}: retrieve of {study_uid} failed: {exc}") from exc
    if not datasets:
        raise PacsError(f"{endpoint.name}: study {study_uid} has no instances")
    items = [(f"{endpoint.name}:{i}", _p10(ds)) for i, ds in enumerate(datasets)]
    return store.import_bytes(items, owner)


def _p10(ds: Dataset) -> bytes:
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


async def pull_into_room(
    state: AppState, endpoint: PacsEndpoint, study_uid: str, room: RoomId, store: StudyStore
) -> ImportReport:
    """Retrieve a study from the PACS, store it, and attach it to ``room``."""
    if state.rooms.get(room) is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"no room {room}")
    owner = Uploader(room, enforce=False)  # the API key asked for it: an owner, whoever else is
    report = await asyncio.to_thread(retrieve_into, endpoint, study_uid, store, owner)
    if study_uid in report.studies:
        record = await asyncio.to_thread(store.study, study_uid)
        description = record.description if record is not None else ""
        await attach_study(state, room, study_uid, description)
    return report


# --- admin endpoints ---------------------------------------------------------------------
def configured(state: AppState) -> dict[str, PacsEndpoint]:
    return endpoints_from_env() if state.pacs is None else state.pacs


def _endpoint(request: Request, name: str) -> PacsEndpoint:
    endpoint = configured(app_state(request)).get(name)
    if endpoint is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"no PACS named {name!r}")
    return endpoint


async def list_endpoint(request: Request) -> Response:
    require_api_key(request)
    return JSONResponse(sorted(configured(app_state(request))))


async def search_endpoint(request: Request) -> Response:
    require_api_key(request)
    endpoint = _endpoint(request, request.path_params["name"])
    filters = dict(request.query_params)
    try:
        found = await asyncio.to_thread(search, endpoint, filters)
    except PacsError as exc:
        raise ApiError(ErrorCode.BAD_GATEWAY, str(exc)) from None
    return JSONResponse(found)


async def pull_endpoint(request: Request) -> Response:
    require_api_key(request)
    body = await json_body(request)
    if not isinstance(body.get("study"), str):
        raise ApiError(ErrorCode.BAD_REQUEST, "body needs {pacs, study}")
    endpoint = _endpoint(request, str(body.get("pacs", "")))
    room = RoomId(request.path_params["room_id"])
    try:
        report = await pull_into_room(
            app_state(request), endpoint, body["study"], room, service(request).store
        )
    except PacsError as exc:
        raise ApiError(ErrorCode.BAD_GATEWAY, str(exc)) from None
    return JSONResponse(_report_json(report), 200 if report.ok else 207)


def _report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "imported": len(report.imported),
        "duplicates": len(report.duplicates),
        "studies": list(report.studies),
        "errors": [
            {"name": e.name, "code": str(e.code), "reason": e.reason} for e in report.errors
        ],
        "notices": [
            {"name": n.name, "code": str(n.code), "reason": n.reason} for n in report.notices
        ],
    }


def routes() -> Sequence[BaseRoute]:
    return [
        Route("/api/pacs", list_endpoint, methods=["GET"]),
        Route("/api/pacs/{name}/studies", search_endpoint, methods=["GET"]),
        Route("/api/rooms/{room_id}/pull", pull_endpoint, methods=["POST"]),
    ]
