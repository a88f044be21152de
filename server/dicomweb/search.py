"""QIDO-RS route handlers: the caller's room limits what a search can ever return."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

from pydicom.dataset import Dataset
from starlette.requests import Request
from starlette.responses import Response

from server.appstate import app_state
from server.dicomweb.access import admits, authenticate, require_study, room_studies, series_scope
from server.dicomweb.http import json_response
from server.dicomweb.negotiate import require_json
from server.dicomweb.qido import (
    Level,
    Query,
    instance_source,
    matches,
    page,
    parse_query,
    select,
    series_source,
    study_source,
)
from server.dicomweb.service import DicomWeb, service
from session.ids import Uid
from session.model import Study

Found = tuple[Dataset, str]  # (source, retrieve URL)


def base_url(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}/dicom-web"


async def search_studies(request: Request) -> Response:
    return await _search(request, Level.STUDY)


async def search_series(request: Request) -> Response:
    return await _search(request, Level.SERIES)


async def search_instances(request: Request) -> Response:
    return await _search(request, Level.INSTANCE)


async def _search(request: Request, level: Level) -> Response:
    require_json(request.headers.get("accept"))
    study = request.path_params.get("study")
    series = request.path_params.get("series")
    reader = require_study(request, study, series) if study else authenticate(request)
    admitted = room_studies(app_state(request), reader)
    query = parse_query(request.query_params.multi_items())
    scope = _Scope(service(request), query, admitted, base_url(request), study, series)
    return json_response(request, await asyncio.to_thread(scope.run, level))


@dataclass(frozen=True, slots=True)
class _Scope:
    """One search: walks studies → series → instances inside the caller's reach."""

    dw: DicomWeb
    query: Query
    admitted: dict[Uid, Study] | None
    base: str
    study: str | None
    series: str | None

    def run(self, level: Level) -> list[dict[str, object]]:
        walk = {
            Level.STUDY: self._studies,
            Level.SERIES: self._series,
            Level.INSTANCE: self._instances,
        }
        found = [(s, url) for s, url in walk[level]() if matches(s, self.query)]
        return [select(s, level, self.query, url) for s, url in page(found, self.query)]

    def _studies(self) -> Iterator[Found]:
        if self.study is not None:
            one = self.dw.store.study(self.study)
            records = [one] if one is not None else []
        else:
            records = self.dw.store.studies()
        for record in records:
            if not admits(self.admitted, record.study_uid):
                continue
            source = study_source(self.dw.store, self.dw.headers, record)
            scope = series_scope(self.admitted, record.study_uid)
            if scope is not None:
                self._restrict(source, scope)
            yield source, f"{self.base}/studies/{record.study_uid}"

    def _restrict(self, source: Dataset, scope: frozenset[Uid]) -> None:
        """Study attributes over the admitted series only: modalities and counts of the
        others would tell what the room was not given."""
        series = [s for s in self.dw.store.series(source.StudyInstanceUID) if s.series_uid in scope]
        source.ModalitiesInStudy = sorted({s.modality for s in series if s.modality})
        source.NumberOfStudyRelatedSeries = len(series)
        source.NumberOfStudyRelatedInstances = sum(s.instance_count for s in series)

    def _series(self) -> Iterator[Found]:
        for study_ds, study_url in self._studies():
            for record in self.dw.store.series(study_ds.StudyInstanceUID):
                if self.series not in (None, record.series_uid):
                    continue
                if not admits(self.admitted, record.study_uid, record.series_uid):
                    continue
                source = _merged(study_ds, series_source(self.dw.store, self.dw.headers, record))
                yield source, f"{study_url}/series/{record.series_uid}"

    def _instances(self) -> Iterator[Found]:
        for series_ds, series_url in self._series():
            study_uid, series_uid = series_ds.StudyInstanceUID, series_ds.SeriesInstanceUID
            for record in self.dw.store.instances(study_uid, series_uid):
                source = _merged(series_ds, instance_source(self.dw.headers, record))
                yield source, f"{series_url}/instances/{record.sop_uid}"


def _merged(upper: Dataset, lower: Dataset) -> Dataset:
    merged = Dataset()
    merged.update(upper)
    merged.update(lower)
    return merged
