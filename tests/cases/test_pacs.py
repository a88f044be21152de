"""Pull a study from a live Orthanc (Debian orthanc + DICOMweb plugin) into a room."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import numpy as np
import pydicom
import pytest
from fixtures_orthanc import OrthancServer, orthanc  # noqa: F401
from livetools import LiveServer
from pydicom.data import get_testdata_file
from pydicom.uid import JPEGLosslessSV1

from samples import ensure_samples
from server.cases.store import Access, StudyStore
from server.pacs import PacsEndpoint, PacsError, endpoints_from_env, retrieve_into, search
from session.grants import Role
from session.ids import RoomId

pytestmark = pytest.mark.orthanc

CT = Path(str(get_testdata_file("CT_small.dcm")))
MR = Path(str(get_testdata_file("MR_small.dcm")))
J2K = Path(str(get_testdata_file("MR_small_jp2klossless.dcm")))


@pytest.fixture(scope="module")
def pacs(orthanc: OrthancServer) -> PacsEndpoint:  # noqa: F811
    samples = ensure_samples()
    for path in (CT, MR, J2K, samples.mr, samples.radiograph):
        orthanc.upload(path)
    return PacsEndpoint("county", orthanc.dicomweb_url)


def test_endpoints_from_env() -> None:
    env = {
        "HUIZHEN_PACS": "county=http://a/dicom-web/, city=http://b",
        "HUIZHEN_PACS_TOKEN_CITY": "s3cret-token",
    }
    found = endpoints_from_env(env)
    assert found["county"].url == "http://a/dicom-web"
    assert found["city"].token == "s3cret-token"
    assert "s3cret" not in repr(found["city"])


def test_search_and_retrieve_keep_the_original_bytes(pacs: PacsEndpoint, tmp_path: Path) -> None:
    ct = pydicom.dcmread(CT)
    found = search(pacs, {"PatientID": "1CT1"})
    assert [s["0020000D"]["Value"][0] for s in found] == [ct.StudyInstanceUID]
    store = StudyStore(tmp_path / "store")
    report = retrieve_into(pacs, ct.StudyInstanceUID, store)
    assert report.ok
    assert report.studies == (ct.StudyInstanceUID,)
    record = store.instances(ct.StudyInstanceUID)[0]
    assert np.array_equal(pydicom.dcmread(record.path).pixel_array, ct.pixel_array)
    # Orthanc 1.10 + DICOMweb 1.7 answers transfer-syntax=* in Explicit VR Little Endian;
    # what it sends is stored as received, and the pixels are the same either way.
    j2k = pydicom.dcmread(J2K)
    retrieve_into(pacs, j2k.StudyInstanceUID, store)
    stored = store.instances(j2k.StudyInstanceUID)[0]
    assert np.array_equal(pydicom.dcmread(stored.path).pixel_array, j2k.pixel_array)


def test_unknown_study_and_unreachable_pacs(pacs: PacsEndpoint, tmp_path: Path) -> None:
    store = StudyStore(tmp_path / "store")
    with pytest.raises(PacsError):
        retrieve_into(pacs, "1.2.3.4.5", store)
    with pytest.raises(PacsError):
        search(PacsEndpoint("gone", "http://127.0.0.1:9/dicom-web"), {})


def test_pull_into_a_room_through_the_admin_api(
    pacs: PacsEndpoint, live_server: LiveServer
) -> None:
    mr = pydicom.dcmread(MR)
    live_server.state.pacs = {"county": pacs}
    live_server.create_room("pull-room")
    with live_server.admin() as admin:
        assert admin.get("/api/pacs").json() == ["county"]
        listed = admin.get("/api/pacs/county/studies", params={"ModalitiesInStudy": "MR"}).json()
        assert mr.StudyInstanceUID in {s["0020000D"]["Value"][0] for s in listed}
        pulled = admin.post(
            "/api/rooms/pull-room/pull", json={"pacs": "county", "study": mr.StudyInstanceUID}
        )
        assert pulled.status_code == 200, pulled.text
        assert pulled.json()["studies"] == [mr.StudyInstanceUID]
        missing = admin.post("/api/rooms/pull-room/pull", json={"pacs": "nope", "study": "1.2"})
        assert missing.status_code == 404
    host = live_server.state.rooms.get(RoomId("pull-room"))
    assert host is not None
    assert mr.StudyInstanceUID in host.room.snapshot().state.studies
    assert live_server.state.studies.rooms_of(mr.StudyInstanceUID) == {"pull-room": Access.OWNER}
    token = live_server.mint("pull-room", "dr-chen", Role.PARTICIPANT)
    response = httpx.get(
        f"{live_server.base_url}/dicom-web/studies/{mr.StudyInstanceUID}/metadata",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.json()[0]["00080018"]["Value"] == [mr.SOPInstanceUID]


def test_pull_generated_multiframe_and_radiograph(pacs: PacsEndpoint, tmp_path: Path) -> None:
    samples = ensure_samples()
    store = StudyStore(tmp_path / "store")
    for path in (samples.mr, samples.radiograph):
        original = pydicom.dcmread(path)
        report = retrieve_into(pacs, original.StudyInstanceUID, store)
        assert report.ok
        (record,) = store.instances(original.StudyInstanceUID)
        assert record.number_of_frames == int(original.get("NumberOfFrames", 1))
        pulled = pydicom.dcmread(record.path)
        assert np.array_equal(pulled.pixel_array, original.pixel_array)
        assert pulled.PhotometricInterpretation == original.PhotometricInterpretation


def test_pull_a_jpeg_lossless_study_imports_every_instance(
    orthanc: OrthancServer,  # noqa: F811
    pacs: PacsEndpoint,
    tmp_path: Path,
) -> None:
    """The issue's county-hospital case: a PACS whose storage holds JPEG Lossless SV1 (.70)."""
    slices = ensure_samples().ct_files[:4]
    for index, path in enumerate(slices):
        compressed = tmp_path / f"jpeg_ll_{index}.dcm"
        subprocess.run(["dcmcjpeg", "+e1", str(path), str(compressed)], check=True)
        assert pydicom.dcmread(compressed).file_meta.TransferSyntaxUID == JPEGLosslessSV1
        orthanc.upload(compressed)
    study_uid = pydicom.dcmread(slices[0]).StudyInstanceUID
    store = StudyStore(tmp_path / "store")
    report = retrieve_into(pacs, study_uid, store)
    assert report.ok and len(report.imported) == len(slices), report
    for path in slices:
        original = pydicom.dcmread(path)
        record = store.instance(study_uid, original.SeriesInstanceUID, original.SOPInstanceUID)
        assert record is not None
        assert np.array_equal(pydicom.dcmread(record.path).pixel_array, original.pixel_array)
