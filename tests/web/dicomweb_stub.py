"""A minimal DICOMweb (QIDO series, WADO-RS series metadata and frames) over a few files.

Only for the browser tests, and only until the server's own DICOMweb routes land: it serves
exactly the requests the web client makes, with the same Bearer-token requirement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydicom import dcmread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

BOUNDARY = "huizhen-test-boundary"


class StubDicomWeb:
    def __init__(self, files: tuple[Path, ...]) -> None:
        self.datasets = [dcmread(f) for f in files]
        self.requests: list[str] = []

    def _authorized(self, request: Request) -> bool:
        self.requests.append(request.url.path)
        return request.headers.get("authorization", "").startswith("Bearer ")

    def _series(self, study: str) -> list[Any]:
        return [d for d in self.datasets if d.StudyInstanceUID == study]

    async def series(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"code": "unauthorized"}, status_code=401)
        rows: dict[str, dict[str, Any]] = {}
        for d in self._series(request.path_params["study"]):
            rows[d.SeriesInstanceUID] = {
                "0020000E": {"vr": "UI", "Value": [d.SeriesInstanceUID]},
                "00080060": {"vr": "CS", "Value": [d.Modality]},
                "0008103E": {"vr": "LO", "Value": [d.SeriesDescription]},
                "00200011": {"vr": "IS", "Value": [int(d.SeriesNumber)]},
            }
        return JSONResponse(list(rows.values()), media_type="application/dicom+json")

    async def metadata(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"code": "unauthorized"}, status_code=401)
        series = request.path_params["series"]
        out = []
        for d in self._series(request.path_params["study"]):
            if d.SeriesInstanceUID != series:
                continue
            item = d.to_json_dict(bulk_data_element_handler=lambda _e: "bulk")
            item.pop("7FE00010", None)
            item["00020010"] = {"vr": "UI", "Value": [str(d.file_meta.TransferSyntaxUID)]}
            out.append(item)
        return JSONResponse(out, media_type="application/dicom+json")

    async def frame(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"code": "unauthorized"}, status_code=401)
        sop = request.path_params["sop"]
        match = [d for d in self.datasets if d.SOPInstanceUID == sop]
        if not match:
            return JSONResponse({"code": "not_found"}, status_code=404)
        part = b"".join(
            [
                f"--{BOUNDARY}\r\n".encode(),
                b"Content-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\r\n",
                b"\r\n",
                bytes(match[0].PixelData),
                f"\r\n--{BOUNDARY}--\r\n".encode(),
            ]
        )
        media = (
            'multipart/related; type="application/octet-stream"; '
            f"transfer-syntax=1.2.840.10008.1.2.1; boundary={BOUNDARY}"
        )
        return Response(part, media_type=media)

    def routes(self) -> list[BaseRoute]:
        base = "/dicom-web/studies/{study}/series"
        return [
            Route(base, self.series, methods=["GET"]),
            Route(base + "/{series}/metadata", self.metadata, methods=["GET"]),
            Route(base + "/{series}/instances/{sop}/frames/{frame}", self.frame, methods=["GET"]),
        ]
