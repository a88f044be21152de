"""The recording API: list, get, delete; events by range; state at t; media; viewer tokens.

Who may do what (``Authorization: Bearer ...``):

- the admin API key: everything, every room; ``DELETE /api/recordings`` purges the bytes of
  this node's deleted recordings now;
- a room token (kind ``room``) whose holder holds ``record`` or ``moderate`` in its room *now*
  (``server.membership``: the room's grants, not the token's; a kicked identity is refused
  with ``banned``), for the recordings of its room: read, mint viewer tokens, teaching copies;
  DELETE needs both ``record`` and ``moderate``;
- a ``recording-viewer`` token (minted by such a holder, for trainees): read its room's
  recordings only.

Deleting is soft (``recorder.retention``): the recording is gone from lists and reads at once,
its bytes stay for ``Settings.recording_retention_s`` (default 7 days) and are purged then.

Binary answers are msgpack: ``/events`` is one server frame (an array of the recorded event
messages, each exactly the bytes the room encoded); ``/state`` one ``snapshot`` message.
Media files are served with HTTP Range support. File work runs off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from recorder.chapters import chapters
from recorder.format import (
    MEDIA_DIR,
    RECORDING_ID_RE,
    RECORDINGS_DIR,
    Manifest,
    Status,
    read_manifest,
)
from recorder.reader import RecordingReader
from recorder.retention import is_deleted, mark_deleted, purge
from recorder.teaching import export_teaching_copy, studies_of
from server.appstate import app_state
from server.audit import hooks as audit_hooks
from server.auth import (
    ApiError,
    bearer_token,
    is_api_key,
    json_body,
    require_api_key,
    token_refusal,
)
from server.cases.deid_copy import teaching_studies
from server.cases.deid_rules import Options
from server.cases.errors import CasesError
from server.cases.store import StudyStore
from server.membership import current_grants
from server.recording.service import RecorderService
from server.tokens import TokenError, TokenKind, mint_room_token, verify_room_token
from session.codec import encode_frame, encode_snapshot
from session.errors import ErrorCode
from session.grants import Grant, Role
from session.ids import ParticipantId, RoomId

MSGPACK = "application/msgpack"
TEACHING_DIR = "teaching"
MEDIA_URL_TTL_S = 6 * 3600.0  # long enough to watch a recording; one file each
MAX_RANGE_EVENTS = 200_000
VIEWER_TTL_S = 7 * 24 * 3600.0
_HOST_GRANTS = frozenset({Grant.RECORD, Grant.MODERATE})


@dataclass(frozen=True, slots=True)
class Access:
    room: RoomId | None  # None: every room (admin)
    grants: frozenset[Grant]  # the room's grants now (admin: all; a viewer token: none)
    identity: str

    @property
    def manage(self) -> bool:
        """May mint viewer tokens and export teaching copies."""
        return bool(self.grants & _HOST_GRANTS)

    @property
    def may_delete(self) -> bool:
        return self.grants >= _HOST_GRANTS


async def _access(request: Request) -> Access:
    if is_api_key(request):
        return Access(None, frozenset(Grant), "admin")
    state = app_state(request)
    keys, token = state.keys, bearer_token(request)
    try:
        claims = verify_room_token(keys, token, kind=TokenKind.ROOM)
    except TokenError:
        try:
            claims = verify_room_token(keys, token, kind=TokenKind.RECORDING_VIEWER)
        except TokenError as exc:
            raise token_refusal(exc) from None
        return Access(claims.room, frozenset(), claims.sub)
    grants = await current_grants(state, claims)  # banned: 403 banned
    if not grants & _HOST_GRANTS:
        raise ApiError(ErrorCode.FORBIDDEN, "only holders of record or moderate see recordings")
    return Access(claims.room, grants, claims.sub)


def _root(request: Request) -> Path:
    return app_state(request).settings.data_dir / RECORDINGS_DIR


def _service(request: Request) -> RecorderService | None:
    return app_state(request).recorder


async def _recording(request: Request, access: Access) -> tuple[Path, Manifest]:
    recording_id = request.path_params["recording_id"]
    directory = _root(request) / recording_id
    if not RECORDING_ID_RE.match(recording_id) or not directory.is_dir():
        raise ApiError(ErrorCode.NOT_FOUND, "no such recording")
    if await asyncio.to_thread(is_deleted, directory):
        raise ApiError(ErrorCode.NOT_FOUND, "no such recording")  # deleted: gone at once
    manifest = await asyncio.to_thread(read_manifest, directory)
    if access.room is not None and manifest.room != access.room:
        raise ApiError(ErrorCode.NOT_FOUND, "no such recording")  # do not reveal other rooms'
    if request.method != "DELETE":
        audit_hooks.recording_read(request, manifest.id, manifest.room)
    return directory, manifest


def _reader(directory: Path) -> RecordingReader:
    try:
        return RecordingReader(directory)
    except ValueError:  # no snapshot: the writer failed before writing anything
        raise ApiError(ErrorCode.CONFLICT, "the recording holds no data") from None


def _float(request: Request, name: str, default: float | None = None) -> float:
    raw = request.query_params.get(name)
    if raw is None and default is not None:
        return default
    try:
        return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError(ErrorCode.BAD_REQUEST, f"{name}: expected a number") from None


# --- handlers --------------------------------------------------------------------------------
async def list_recordings(request: Request) -> Response:
    access = await _access(request)
    manifests = await asyncio.to_thread(_all_manifests, _root(request))
    visible = [m for m in manifests if access.room is None or m.room == access.room]
    return JSONResponse({"recordings": [m.to_json() for m in visible]})


def _all_manifests(root: Path) -> list[Manifest]:
    found = []
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        try:
            if not is_deleted(directory):
                found.append(read_manifest(directory))
        except (OSError, ValueError):
            continue  # being created, or not a recording
    return sorted(found, key=lambda m: m.started_at)


async def get_recording(request: Request) -> Response:
    directory, manifest = await _recording(request, await _access(request))
    marks = await asyncio.to_thread(_chapters, directory)
    return JSONResponse({**manifest.to_json(), "chapters": marks})


def _chapters(directory: Path) -> list[dict[str, object]]:
    reader = _reader(directory)
    first = reader.snapshot(reader.index[0])
    names = {str(p.id): p.name for p in first.state.participants.values()}
    return [c.to_json() for c in chapters((e.stamped for e in reader.events()), names)]


async def delete_recording(request: Request) -> Response:
    access = await _access(request)
    directory, manifest = await _recording(request, access)
    if not access.may_delete:
        raise ApiError(ErrorCode.FORBIDDEN, "deleting needs both record and moderate")
    service = _service(request)
    if service is not None and service.is_active(manifest.id):
        raise ApiError(ErrorCode.CONFLICT, "the recording is running; stop it first")
    await asyncio.to_thread(mark_deleted, directory, time.time(), access.identity)
    audit_hooks.recording_deleted(request, manifest.id, manifest.room)
    return Response(status_code=204)


async def purge_deleted(request: Request) -> Response:
    """Admin: purge the bytes of every deleted recording on this node now (no retention)."""
    require_api_key(request)
    purged = await asyncio.to_thread(purge, _root(request), time.time(), 0.0)
    return JSONResponse({"purged": purged})


async def recording_events(request: Request) -> Response:
    directory, manifest = await _recording(request, await _access(request))
    start = _float(request, "from", manifest.started_at)
    end = _float(request, "to", float("inf"))
    raws = await asyncio.to_thread(_raw_events, directory, start, end)
    if raws is None:
        raise ApiError(
            ErrorCode.TOO_LARGE, f"more than {MAX_RANGE_EVENTS} events: narrow the range"
        )
    return Response(encode_frame(raws), media_type=MSGPACK)


def _raw_events(directory: Path, start: float, end: float) -> list[bytes] | None:
    raws = []
    for item in _reader(directory).events_between(start, end):
        raws.append(item.raw)
        if len(raws) > MAX_RANGE_EVENTS:
            return None
    return raws


async def recording_state(request: Request) -> Response:
    directory, _ = await _recording(request, await _access(request))
    t = _float(request, "t")
    snapshot = await asyncio.to_thread(lambda: _reader(directory).state_at(t))
    return Response(encode_snapshot(snapshot), media_type=MSGPACK)


async def recording_media(request: Request) -> Response:
    """A track file, with Range. Auth: the Bearer header, or a signed URL (``media-urls``)."""
    name = request.path_params["name"].removeprefix(MEDIA_DIR + "/")  # a track's ``file``
    signed = "sig" in request.query_params
    access = Access(None, frozenset(), "signed") if signed else await _access(request)
    directory, manifest = await _recording(request, access)
    if signed:
        _check_signature(request, manifest.id, name)
    path = directory / MEDIA_DIR / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise ApiError(ErrorCode.NOT_FOUND, "no such media file")
    return FileResponse(path, media_type="video/webm")  # answers Range requests


async def media_urls(request: Request) -> Response:
    """Signed URLs for the recording's tracks: media elements cannot send a Bearer header,
    and tokens never travel in URLs. Each URL opens one file of one recording, for a while."""
    _, manifest = await _recording(request, await _access(request))
    keys = app_state(request).keys
    expires = int(time.time() + MEDIA_URL_TTL_S)
    urls = {}
    for track in manifest.tracks:
        name = track.file.removeprefix(MEDIA_DIR + "/")
        sig = _signature(keys.active.secret, manifest.id, name, expires)
        query = urlencode({"kid": keys.active.kid, "exp": expires, "sig": sig})
        urls[track.file] = f"/api/recordings/{manifest.id}/media/{quote(name)}?{query}"
    return JSONResponse({"urls": urls, "expires_at": float(expires)})


def _signature(secret: str, recording_id: str, name: str, expires: int) -> str:
    message = f"{recording_id}/{name}/{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _check_signature(request: Request, recording_id: str, name: str) -> None:
    params = request.query_params
    secret = app_state(request).keys.secret(params.get("kid", ""))
    try:
        expires = int(params.get("exp", ""))
    except ValueError:
        expires = 0
    expected = "" if secret is None else _signature(secret, recording_id, name, expires)
    valid = hmac.compare_digest(expected, params.get("sig", "")) and expected != ""
    if not valid or expires < time.time():
        raise ApiError(ErrorCode.UNAUTHORIZED, "bad or expired media signature")


async def mint_viewer_token(request: Request) -> Response:
    access = await _access(request)
    _, manifest = await _recording(request, access)
    if not access.manage:
        raise ApiError(ErrorCode.FORBIDDEN, "only holders of record or moderate mint viewer tokens")
    body = await json_body(request)
    ttl = body.get("ttl_s", VIEWER_TTL_S)
    name = body.get("name", "Trainee")
    if not isinstance(ttl, int | float) or not 0 < ttl <= VIEWER_TTL_S:
        raise ApiError(ErrorCode.BAD_REQUEST, f"ttl_s must be in (0, {VIEWER_TTL_S}]")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 64:
        raise ApiError(ErrorCode.BAD_REQUEST, "name must be 1-64 characters")
    now = time.time()
    token = mint_room_token(
        app_state(request).keys,
        room=RoomId(manifest.room),
        identity=ParticipantId(f"viewer-{int(now)}"),
        name=name,
        role=Role.OBSERVER,
        ttl_s=float(ttl),
        grants=frozenset(),
        kind=TokenKind.RECORDING_VIEWER,
        now=now,
    )
    audit_hooks.token_minted(request, token)
    payload = {"token": token, "room": manifest.room, "expires_at": float(int(now + ttl))}
    return JSONResponse(payload, status_code=201)


async def teaching_copy(request: Request) -> Response:
    """Export a de-identified, name-free package of the recording (hosts and admins).
    Body (optional): ``{"patient_characteristics": true}`` retains age, sex, size, weight."""
    access = await _access(request)
    directory, manifest = await _recording(request, access)
    if not access.manage:
        raise ApiError(
            ErrorCode.FORBIDDEN, "only holders of record or moderate export teaching copies"
        )
    if manifest.status is Status.RECORDING:
        raise ApiError(ErrorCode.CONFLICT, "the recording is running; stop it first")
    keep = (await json_body(request)).get("patient_characteristics", False)
    if not isinstance(keep, bool):
        raise ApiError(ErrorCode.BAD_REQUEST, "patient_characteristics must be true or false")
    store = app_state(request).studies
    out = app_state(request).settings.data_dir / TEACHING_DIR
    options = Options(patient_characteristics=keep)
    try:
        package = await asyncio.to_thread(_export, directory, out, store, options)
    except CasesError as exc:
        raise ApiError(ErrorCode.CONFLICT, f"cannot de-identify a study: {exc}") from None
    audit_hooks.exported(request, "export.teaching_copy", manifest.room, {"recording": manifest.id})
    return FileResponse(package, media_type="application/x-tar", filename=package.name)


def _export(directory: Path, out: Path, store: StudyStore | None, options: Options) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    studies = studies_of(_reader(directory))
    if studies and store is None:
        raise ApiError(ErrorCode.UNAVAILABLE, "no study store to de-identify the studies with")
    if store is None:
        return export_teaching_copy(directory, out, lambda _study, uid: uid)
    # the copies the package points at must exist; burned-in text redacted or held back
    remap, report = teaching_studies(store, studies, options)
    return export_teaching_copy(directory, out, remap, report)


def routes() -> list[BaseRoute]:
    base = "/api/recordings"
    one = base + "/{recording_id}"
    return [
        Route(base, list_recordings, methods=["GET"]),
        Route(base, purge_deleted, methods=["DELETE"]),
        Route(one, get_recording, methods=["GET"]),
        Route(one, delete_recording, methods=["DELETE"]),
        Route(one + "/events", recording_events, methods=["GET"]),
        Route(one + "/state", recording_state, methods=["GET"]),
        Route(one + "/media/{name:path}", recording_media, methods=["GET", "HEAD"]),
        Route(one + "/media-urls", media_urls, methods=["POST"]),
        Route(one + "/viewer-tokens", mint_viewer_token, methods=["POST"]),
        Route(one + "/teaching-copy", teaching_copy, methods=["POST"]),
    ]
