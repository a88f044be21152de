"""``/rendered`` and ``/thumbnail`` (PS3.18 10.4.1.1.3, 8.3.5.1): 8-bit PNG/JPEG of a frame
through the PS3.3 C.11 pipeline of ``server.imaging``, for thumbnails and weak devices.

Query: ``window=center,width[,linear|linear-exact|sigmoid]``, ``viewport=w,h`` (longest side
bound). Accept ``image/png`` or ``image/jpeg`` (the default). Images for a room token carry
the holder's identity burned in (``server.dicomweb.marking``).
"""

from __future__ import annotations

import asyncio

import pydicom
from starlette.requests import Request
from starlette.responses import Response

from server.auth import ApiError
from server.cases.store import InstanceRecord
from server.dicomweb.http import etag_for, immutable_response, not_modified
from server.dicomweb.marking import marked_response, viewer_mark
from server.dicomweb.negotiate import parse_accept
from server.dicomweb.transcode import CODEC_ERRORS
from server.dicomweb.wado import records_for
from server.imaging.render import MediaType, RenderOptions, encode_image, render_frame
from server.imaging.watermark import Mark, burn
from session.errors import ErrorCode
from session.model import Voi, VoiFunction

THUMBNAIL_SIZE = 128
_FUNCTIONS = {
    "linear": VoiFunction.LINEAR,
    "linear-exact": VoiFunction.LINEAR_EXACT,
    "sigmoid": VoiFunction.SIGMOID,
}


async def rendered(request: Request) -> Response:
    return await _render(request, thumbnail=False)


async def thumbnail(request: Request) -> Response:
    return await _render(request, thumbnail=True)


async def _render(request: Request, *, thumbnail: bool) -> Response:
    _, records = await records_for(request)
    record = records[0]
    frame = int(request.path_params.get("frame", 1))
    if not 1 <= frame <= max(record.number_of_frames, 1):
        raise ApiError(ErrorCode.NOT_FOUND, f"no frame {frame}")
    media = _media_type(request.headers.get("accept"))
    options = RenderOptions(
        voi=parse_window(request.query_params.get("window")),
        size=THUMBNAIL_SIZE if thumbnail else parse_viewport(request.query_params.get("viewport")),
    )
    if (mark := viewer_mark(request)) is not None:
        body = await asyncio.to_thread(_render_bytes, record, frame, media, options, mark)
        return marked_response(body, media.value)
    etag = etag_for([record.sha256], f"rendered:{frame}:{media}:{options}")
    if (cached := not_modified(request, etag)) is not None:
        return cached
    body = await asyncio.to_thread(_render_bytes, record, frame, media, options)
    return immutable_response(request, body, media.value, etag, compressible=False)


def _render_bytes(
    record: InstanceRecord,
    frame: int,
    media: MediaType,
    options: RenderOptions,
    mark: Mark | None = None,
) -> bytes:
    ds = pydicom.dcmread(record.path)
    if "PixelData" not in ds:
        raise ApiError(ErrorCode.BAD_REQUEST, "the instance has no pixel data to render")
    try:
        pixels = render_frame(ds, frame, options)
    except CODEC_ERRORS as exc:
        raise ApiError(ErrorCode.NOT_ACCEPTABLE, f"cannot render this image: {exc}") from exc
    if mark is not None:
        pixels = burn(pixels, mark, options.size)  # scaled first: legible at any size
    return encode_image(pixels, media, options.size)


def _media_type(accept: str | None) -> MediaType:
    for media in parse_accept(accept) or []:
        if media.media_type in ("image/jpeg", "image/*", "*/*"):
            return MediaType.JPEG
        if media.media_type == "image/png":
            return MediaType.PNG
    if accept:
        raise ApiError(ErrorCode.NOT_ACCEPTABLE, "rendered images are image/jpeg or image/png")
    return MediaType.JPEG


def parse_window(text: str | None) -> Voi | None:
    if not text:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        center, width = float(parts[0]), float(parts[1])
        function = _FUNCTIONS[parts[2].lower()] if len(parts) > 2 else VoiFunction.LINEAR
    except (ValueError, IndexError, KeyError):
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad window {text!r}") from None
    if width <= 0 or (function is VoiFunction.LINEAR and width < 1):
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad window width {width}")
    return Voi(center, width, function)


def parse_viewport(text: str | None) -> int | None:
    if not text:
        return None
    try:
        sizes = [int(v) for v in text.split(",")[:2] if v.strip()]
    except ValueError:
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad viewport {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise ApiError(ErrorCode.BAD_REQUEST, f"bad viewport {text!r}")
    return max(sizes)
