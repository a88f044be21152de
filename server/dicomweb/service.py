"""The DICOMweb service's resources, created in the app lifespan and kept on the app state.

``state.studies`` is the study store (shared with the admin API, the demo and PACS pulls);
``state.dicomweb`` holds it with the derived-representation cache and the header cache.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
from pydicom.pixels.encoders.base import JPEGLSLosslessEncoder
from starlette.requests import HTTPConnection

from server.appstate import AppState, app_state
from server.auth import ApiError
from server.bodies import remove_stale_uploads
from server.cases.store import InstanceRecord, StudyStore
from server.dicomweb.qido import Headers
from server.dicomweb.transcode import Representations
from session.errors import ErrorCode


@dataclass(frozen=True, slots=True)
class DicomWeb:
    store: StudyStore
    representations: Representations
    headers: Headers

    def instance(self, study: str, series: str, sop: str) -> InstanceRecord:
        record = self.store.instance(study, series, sop)
        if record is None:
            raise ApiError(ErrorCode.NOT_FOUND, f"no instance {sop} in series {series}")
        return record

    def instances(self, study: str, series: str | None = None) -> list[InstanceRecord]:
        records = self.store.instances(study, series)
        if not records:
            raise ApiError(ErrorCode.NOT_FOUND, f"no instances for study {study} series {series}")
        return records


def build(state: AppState) -> DicomWeb:
    cache = state.settings.data_dir / "cache" / "dicomweb"
    return DicomWeb(state.studies, Representations(cache), Headers())


@contextlib.asynccontextmanager
async def dicomweb_lifespan(state: AppState) -> AsyncIterator[None]:
    """LIFESPAN_HOOKS entry: the store and caches live as long as the app."""
    state.dicomweb = build(state)
    remove_stale_uploads(state.settings.data_dir)  # STOW bodies a crash left behind
    # Loading the codecs costs ~0.5 s on a busy 2-core host: pay it now, in the background,
    # rather than in the first joiner's first frame.
    warm = asyncio.create_task(asyncio.to_thread(warm_codecs), name="dicomweb:warm-codecs")
    try:
        yield
    finally:
        await asyncio.gather(warm, return_exceptions=True)


def warm_codecs() -> None:
    pixels = np.zeros((8, 8), dtype=np.uint16)
    JPEGLSLosslessEncoder.encode(
        pixels,
        rows=8,
        columns=8,
        samples_per_pixel=1,
        bits_allocated=16,
        bits_stored=16,
        pixel_representation=0,
        photometric_interpretation="MONOCHROME2",
        number_of_frames=1,
    )


def service(conn: HTTPConnection) -> DicomWeb:
    found = app_state(conn).dicomweb
    if found is None:
        raise ApiError(ErrorCode.UNAVAILABLE, "the DICOMweb service is not configured")
    return found
