"""The route table: ``/dicom-web/...`` (PS3.18 resources), ``/api/rooms/{id}/studies`` and
the study shares (``sharing``)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route

from server import pacs
from server.dicomweb import attach, rendered, search, sharing, stow, wado

_STUDY = "/studies/{study}"
_SERIES = _STUDY + "/series/{series}"
_INSTANCE = _SERIES + "/instances/{sop}"


def _dicomweb_routes() -> list[BaseRoute]:
    get = ["GET"]
    return [
        Route("/studies", search.search_studies, methods=get),
        Route("/studies", stow.store, methods=["POST"]),
        Route("/series", search.search_series, methods=get),
        Route("/instances", search.search_instances, methods=get),
        Route(_STUDY, wado.retrieve, methods=get),
        Route(_STUDY, stow.store, methods=["POST"]),
        Route(_STUDY + "/metadata", wado.metadata, methods=get),
        Route(_STUDY + "/series", search.search_series, methods=get),
        Route(_STUDY + "/instances", search.search_instances, methods=get),
        Route(_SERIES, wado.retrieve, methods=get),
        Route(_SERIES + "/metadata", wado.metadata, methods=get),
        Route(_SERIES + "/instances", search.search_instances, methods=get),
        Route(_INSTANCE, wado.retrieve, methods=get),
        Route(_INSTANCE + "/metadata", wado.metadata, methods=get),
        Route(_INSTANCE + "/frames/{frames}", wado.frames, methods=get),
        Route(_INSTANCE + "/frames/{frame:int}/rendered", rendered.rendered, methods=get),
        Route(_INSTANCE + "/rendered", rendered.rendered, methods=get),
        Route(_INSTANCE + "/thumbnail", rendered.thumbnail, methods=get),
        Route(_INSTANCE + "/bulkdata/{path:path}", wado.bulkdata, methods=get),
    ]


def routes() -> list[BaseRoute]:
    return [
        Mount("/dicom-web", routes=_dicomweb_routes()),
        Route("/api/rooms/{room_id}/studies", attach.attach_endpoint, methods=["POST"]),
        Route("/api/rooms/{room_id}/studies/{uid}", attach.detach_endpoint, methods=["DELETE"]),
        *sharing.routes(),
        *pacs.routes(),
    ]
