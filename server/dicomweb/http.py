"""Responses for immutable content: strong ETags, long private caching, 304, gzip.

Instances never change once stored, so everything derived from them gets an ETag from the
instance hashes plus the representation, ``Cache-Control: private, max-age=31536000,
immutable`` (private: patient data must not sit in shared caches), and a 304 when the client
already holds it. JSON and uncompressed pixel data are gzip-compressed when the client
accepts it; already compressed frames (JPEG-LS, JPEG 2000) are sent as they are.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response

CACHE_CONTROL = "private, max-age=31536000, immutable"
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6


def etag_for(hashes: Iterable[str], representation: str) -> str:
    digest = hashlib.sha256()
    for value in hashes:
        digest.update(value.encode("ascii"))
    digest.update(representation.encode())
    return f'"{digest.hexdigest()[:40]}"'


def not_modified(request: Request, etag: str) -> Response | None:
    """A 304 if ``If-None-Match`` names this ETag (or ``*``)."""
    header = request.headers.get("if-none-match")
    if header is None:
        return None
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    if etag in tags or "*" in tags:
        return Response(status_code=304, headers=_cache_headers(etag))
    return None


def immutable_response(
    request: Request, body: bytes, media_type: str, etag: str, *, compressible: bool
) -> Response:
    headers = _cache_headers(etag)
    if compressible and len(body) >= GZIP_MIN_BYTES and _accepts_gzip(request):
        body = gzip.compress(body, GZIP_LEVEL, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, headers=headers, media_type=media_type)


def _cache_headers(etag: str) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept, Accept-Encoding, Authorization",
    }


def _accepts_gzip(request: Request) -> bool:
    for item in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() == "gzip" and params.replace(" ", "") not in ("q=0", "q=0.0"):
            return True
    return False


def json_response(request: Request, payload: object, etag: str | None = None) -> Response:
    """DICOM JSON; immutable when an ETag is given (metadata), else revalidated (searches)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    if etag is not None:
        return immutable_response(request, body, DICOM_JSON, etag, compressible=True)
    headers = {"Cache-Control": "private, no-cache", "Vary": "Accept-Encoding, Authorization"}
    if len(body) >= GZIP_MIN_BYTES and _accepts_gzip(request):
        body = gzip.compress(body, GZIP_LEVEL, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, headers=headers, media_type=DICOM_JSON)


DICOM_JSON = "application/dicom+json"
