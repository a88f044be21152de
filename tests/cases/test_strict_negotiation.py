"""Strict negotiation over HTTP (docs/dicomweb.md): 406 when no acceptable representation
can be produced — never a 200 carrying something the client did not accept."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from livetools import LiveServer
from pydicom.data import get_testdata_file
from pydicom.uid import UID

from server.cases.store import StudyStore

VIDEO = "1.2.840.10008.1.2.4.102"  # MPEG-4 AVC/H.264: no decoder here
ELE = "1.2.840.10008.1.2.1"


def _video_instance(path: Path) -> pydicom.Dataset:
    ds = pydicom.dcmread(get_testdata_file("JPEG2000.dcm"))
    ds.file_meta.TransferSyntaxUID = UID(VIDEO)
    ds.save_as(path, implicit_vr=False, little_endian=True)
    return ds


@pytest.fixture
def setup(live_server: LiveServer, tmp_path: Path) -> tuple[LiveServer, pydicom.Dataset]:
    ds = _video_instance(tmp_path / "video.dcm")
    store: StudyStore = live_server.state.studies
    assert store.import_paths([tmp_path / "video.dcm"]).errors == ()
    return live_server, ds


def _url(ds: pydicom.Dataset) -> str:
    return (
        f"/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"
        f"/instances/{ds.SOPInstanceUID}"
    )


def test_searches_and_metadata_refuse_xml(setup: tuple[LiveServer, pydicom.Dataset]) -> None:
    server, ds = setup
    xml = {"Accept": "application/dicom+xml"}
    with server.admin() as admin:
        for path in ("/dicom-web/studies", f"/dicom-web/studies/{ds.StudyInstanceUID}/series"):
            refused = admin.get(path, headers=xml)
            assert refused.status_code == 406 and refused.json()["code"] == "not_acceptable"
            assert "application/dicom+xml" in refused.json()["message"]
            json_ok = admin.get(path, headers={"Accept": "application/dicom+json"})
            assert json_ok.status_code == 200
        assert admin.get(_url(ds) + "/metadata", headers=xml).status_code == 406
        either = {"Accept": "application/dicom+xml, application/dicom+json;q=0.5"}
        assert admin.get("/dicom-web/studies", headers=either).status_code == 200


def test_a_named_syntax_that_cannot_be_made_is_406(
    setup: tuple[LiveServer, pydicom.Dataset],
) -> None:
    server, ds = setup
    named = f'multipart/related; type="application/dicom"; transfer-syntax={ELE}'
    with server.admin() as admin:
        refused = admin.get(_url(ds), headers={"Accept": named})
        assert refused.status_code == 406
        assert "MPEG-4" in refused.json()["message"]
        as_stored = admin.get(
            _url(ds),
            headers={
                "Accept": f'multipart/related; type="application/dicom"; transfer-syntax={VIDEO}'
            },
        )
        assert as_stored.status_code == 200
        # No syntax named: Explicit VR Little Endian is a default, not a demand.
        default = admin.get(_url(ds))
        assert default.status_code == 200
        assert f"transfer-syntax={VIDEO}" in default.content[:300].decode("latin-1")
        rle = admin.get(
            _url(ds) + "/frames/1",
            headers={"Accept": 'multipart/related; type="image/dicom-rle"'},
        )
        assert rle.status_code == 406
