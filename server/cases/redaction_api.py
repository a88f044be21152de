"""Per-series redaction rectangles over HTTP (burned-in text; see ``redact.py``).

``GET  /api/studies/{study}/series/{series}/redaction`` → ``{"rectangles": [[x,y,w,h]...],
"source": "series" | "default" | "none", "needs_redaction": bool}``
``PUT`` the same path with ``{"rectangles": [[x, y, width, height], ...]}`` sets them.

Who: the admin key, or a room token whose holder has ``manage_case`` in an open room the
study is attached to (the same rule as uploading, scoped to the room's studies). The next
de-identified copy of the study uses the rectangles.
"""

from __future__ import annotations

import asyncio
import json

import pydicom
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from server.appstate import app_state
from server.audit import hooks as audit_hooks
from server.auth import ApiError
from server.bodies import read_small
from server.cases.redact import (
    Rect,
    RedactionPlan,
    check_rectangles,
    default_rectangles,
    needs_redaction,
)
from server.cases.store import StudyStore
from server.dicomweb.access import admits, require_uploader, room_studies
from server.dicomweb.service import service
from session.errors import ErrorCode

PATH = "/api/studies/{study}/series/{series}/redaction"


async def get_redaction(request: Request) -> JSONResponse:
    store, study, series = _authorized(request)
    plan = RedactionPlan(store.root)
    first = _first_header(store, study, series)
    explicit = await asyncio.to_thread(plan.get, series)
    default = default_rectangles(first)
    rects: tuple[Rect, ...] = explicit if explicit is not None else default
    source = "series" if explicit is not None else ("default" if default else "none")
    return _answer(series, rects, source, needs_redaction(first))


async def put_redaction(request: Request) -> JSONResponse:
    store, study, series = _authorized(request)
    first = _first_header(store, study, series)
    try:
        body = json.loads(await read_small(request))
        rects = check_rectangles(body["rectangles"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(
            ErrorCode.BAD_REQUEST, f'expected {{"rectangles": [[x,y,w,h]...]}}: {exc}'
        ) from None
    outside = [r for r in rects if r[0] >= first.Columns or r[1] >= first.Rows]
    if outside:
        raise ApiError(ErrorCode.BAD_REQUEST, f"rectangles outside the image: {outside}")
    await asyncio.to_thread(RedactionPlan(store.root).set, series, rects)
    audit_hooks.changed(request, "redaction.set", {"study": study, "series": series})
    return _answer(series, rects, "series", needs_redaction(first))


def _authorized(request: Request) -> tuple[StudyStore, str, str]:
    study, series = request.path_params["study"], request.path_params["series"]
    reader = require_uploader(request)
    if not admits(room_studies(app_state(request), reader), study, series):
        raise ApiError(ErrorCode.FORBIDDEN, "the study is not attached to this token's room")
    return service(request).store, study, series


def _first_header(store: StudyStore, study: str, series: str) -> pydicom.Dataset:
    records = store.instances(study, series)
    if not records:
        raise ApiError(ErrorCode.NOT_FOUND, f"no series {series} in study {study}")
    return pydicom.dcmread(records[0].path, stop_before_pixels=True)


def _answer(series: str, rects: tuple[Rect, ...], source: str, needed: bool) -> JSONResponse:
    body = {
        "series": series,
        "rectangles": [list(r) for r in rects],
        "source": source,
        "needs_redaction": needed,
    }
    return JSONResponse(body)


def routes() -> list[BaseRoute]:
    return [
        Route(PATH, get_redaction, methods=["GET"]),
        Route(PATH, put_redaction, methods=["PUT"]),
    ]
