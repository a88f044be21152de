"""Request bodies, bounded: nothing a client sends is held in memory past a few MiB.

Two ways to take a body, both refusing early when ``Content-Length`` already says too much
and stopping the moment a chunked body (no length) passes the limit:

- ``read_small(request, limit)``: JSON and other small bodies, in memory (1 MiB by default);
- ``spool(request, target, limit, refusal)``: uploads (STOW-RS), streamed chunk by chunk into
  a file inside ``upload_dir(data_dir)`` — a private folder under ``<data dir>/uploads``
  removed when the request ends, whatever happens — so memory per upload stays one chunk.

Refusals are ``ApiError`` (413 ``too_large`` unless the caller names another refusal, e.g. a
room's quota); the route answers, and uvicorn closes the connection without reading the rest.
"""

from __future__ import annotations

import contextlib
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from starlette.requests import ClientDisconnect, Request

from server.errors import ApiError
from session.errors import ErrorCode

SMALL_BODY_LIMIT = 1 << 20
UPLOADS = "uploads"
STALE_UPLOAD_S = 24 * 3600.0
_FLUSH_BYTES = 1 << 20  # write to disk in pieces of about this size


def too_large(limit: int) -> ApiError:
    return ApiError(ErrorCode.TOO_LARGE, f"request body larger than {limit} bytes")


def declared_length(request: Request) -> int | None:
    """The ``Content-Length`` header (None when chunked); a malformed one is a 400."""
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise ApiError(ErrorCode.BAD_REQUEST, "malformed Content-Length")
    return int(raw)


def check_declared(request: Request, limit: int, refusal: ApiError | None = None) -> None:
    """Refuse before reading a byte when the declared length is over ``limit``."""
    length = declared_length(request)
    if length is not None and length > limit:
        raise refusal or too_large(limit)


async def read_small(request: Request, limit: int = SMALL_BODY_LIMIT) -> bytes:
    """The whole body in memory, at most ``limit`` bytes (else 413 ``too_large``)."""
    check_declared(request, limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            chunks.append(chunk)
    except ClientDisconnect:
        raise ApiError(ErrorCode.BAD_REQUEST, "the client went away mid-body") from None
    return b"".join(chunks)


async def spool(request: Request, target: Path, limit: int, refusal: ApiError | None = None) -> int:
    """Stream the body into ``target``; its size. Over ``limit``: ``refusal`` (or 413)."""
    refusal = refusal or too_large(limit)
    check_declared(request, limit, refusal)
    size = 0
    pending: list[bytes] = []
    pending_bytes = 0
    async with await anyio.open_file(target, "wb") as out:
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise refusal
                pending.append(chunk)
                pending_bytes += len(chunk)
                if pending_bytes >= _FLUSH_BYTES:
                    await out.write(b"".join(pending))
                    pending, pending_bytes = [], 0
        except ClientDisconnect:  # an upload abandoned half way: nobody to answer, no bug
            raise ApiError(ErrorCode.BAD_REQUEST, "the client went away mid-upload") from None
        await out.write(b"".join(pending))
    return size


@contextlib.asynccontextmanager
async def upload_dir(data_dir: Path) -> AsyncIterator[Path]:
    """A fresh folder for one request's files, removed (with its files) afterwards."""
    folder = data_dir / UPLOADS / uuid.uuid4().hex
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(folder, ignore_errors=True))


def remove_stale_uploads(data_dir: Path, older_than_s: float = STALE_UPLOAD_S) -> None:
    """At start: folders a crashed process left (never a live upload's: another process on
    the same data dir may be receiving one now, and no upload runs for a day)."""
    now = time.time()
    root = data_dir / UPLOADS
    for folder in root.iterdir() if root.is_dir() else ():
        with contextlib.suppress(OSError):
            if now - folder.stat().st_mtime > older_than_s:
                shutil.rmtree(folder, ignore_errors=True)
