"""DICOMweb conformance against the live server with ``dicomweb-client`` (and raw httpx for
headers): search, retrieve, metadata, frames, rendered, STOW, access, caching."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pydicom
import pytest
from dicomweb_client.api import DICOMwebClient
from livetools import LiveServer
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.uid import UID

from server.cases.store import StudyStore, Uploader
from session.grants import Role
from session.ids import RoomId

CT = Path(str(get_testdata_file("CT_small.dcm")))
MR = Path(str(get_testdata_file("MR_small.dcm")))
J2K = Path(str(get_testdata_file("JPEG2000.dcm")))
ROOM = "case-room"


def instance_path(ds: pydicom.Dataset) -> str:
    return (
        f"/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"
        f"/instances/{ds.SOPInstanceUID}"
    )


@dataclass
class Setup:
    server: LiveServer
    ct: pydicom.Dataset
    mr: pydicom.Dataset
    j2k: pydicom.Dataset

    def client(self, token: str | None = None, room: str = ROOM) -> DICOMwebClient:
        token = token or self.server.mint(room, "dr-li", Role.PARTICIPANT)
        return DICOMwebClient(
            f"{self.server.base_url}/dicom-web", headers={"Authorization": f"Bearer {token}"}
        )

    def http(self, room: str = ROOM, role: Role = Role.PARTICIPANT) -> httpx.Client:
        token = self.server.mint(room, "dr-wang", role)
        return httpx.Client(
            base_url=f"{self.server.base_url}/dicom-web",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )


@pytest.fixture
def setup(live_server: LiveServer) -> Iterator[Setup]:
    store: StudyStore = live_server.state.studies
    # The room's own studies (an import naming it): its host may STOW into them.
    report = store.import_paths([CT, MR, J2K], owner=Uploader(ROOM, enforce=False))
    assert report.ok, report.errors
    live_server.create_room(ROOM, "Case review")
    ct, mr, j2k = (pydicom.dcmread(p) for p in (CT, MR, J2K))
    with live_server.admin() as admin:
        for ds in (ct, j2k):
            response = admin.post(f"/api/rooms/{ROOM}/studies", json={"uid": ds.StudyInstanceUID})
            assert response.status_code == 201, response.text
    yield Setup(live_server, ct, mr, j2k)


def test_search_only_returns_studies_attached_to_the_room(setup: Setup) -> None:
    found = {s["0020000D"]["Value"][0] for s in setup.client().search_for_studies()}
    assert found == {setup.ct.StudyInstanceUID, setup.j2k.StudyInstanceUID}
    with setup.server.admin() as admin:
        everything = admin.get("/dicom-web/studies").json()
    assert len(everything) == 3


def test_search_filters_limit_offset_includefield(setup: Setup) -> None:
    client = setup.client()
    by_name = client.search_for_studies(search_filters={"PatientName": "compressed*^ct?"})
    assert [s["0020000D"]["Value"][0] for s in by_name] == [setup.ct.StudyInstanceUID]
    assert client.search_for_studies(search_filters={"StudyDate": "20040101-20040131"})
    assert not client.search_for_studies(search_filters={"StudyDate": "19990101-19991231"})
    assert client.search_for_studies(search_filters={"ModalitiesInStudy": "CT"})
    uid_list = f"{setup.ct.StudyInstanceUID},{setup.mr.StudyInstanceUID}"
    assert len(client.search_for_studies(search_filters={"StudyInstanceUID": uid_list})) == 1
    assert len(client.search_for_studies(limit=1)) == 1
    assert len(client.search_for_studies(offset=1)) == 1
    assert client.search_for_studies(offset=5) == []
    with_field = client.search_for_studies(
        fields=["PatientAge"], search_filters={"PatientName": "CompressedSamples^CT1"}
    )
    assert "00101010" in with_field[0]
    everything = client.search_for_studies(fields=["all"])
    assert "00080070" in everything[0] or "00080070" in everything[1]  # Manufacturer


def test_search_series_and_instances(setup: Setup) -> None:
    client = setup.client()
    series = client.search_for_series(setup.ct.StudyInstanceUID)
    assert series[0]["0020000E"]["Value"] == [setup.ct.SeriesInstanceUID]
    assert series[0]["00201209"]["Value"] == [1]
    instances = client.search_for_instances(setup.ct.StudyInstanceUID, setup.ct.SeriesInstanceUID)
    assert instances[0]["00080018"]["Value"] == [setup.ct.SOPInstanceUID]
    all_series = client.search_for_series(search_filters={"Modality": "CT"})
    assert {s["0020000E"]["Value"][0] for s in all_series} == {setup.ct.SeriesInstanceUID}
    assert len(client.search_for_instances()) == 2


def test_retrieve_instance_study_series_and_metadata(setup: Setup) -> None:
    client = setup.client()
    ct = setup.ct
    ds = client.retrieve_instance(ct.StudyInstanceUID, ct.SeriesInstanceUID, ct.SOPInstanceUID)
    assert ds.SOPInstanceUID == ct.SOPInstanceUID
    assert np.array_equal(ds.pixel_array, ct.pixel_array)
    study = client.retrieve_study(setup.j2k.StudyInstanceUID)
    assert [d.SOPInstanceUID for d in study] == [setup.j2k.SOPInstanceUID]
    assert study[0].file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"  # default: decoded
    assert np.array_equal(study[0].pixel_array, setup.j2k.pixel_array)
    stored = client.retrieve_series(
        setup.j2k.StudyInstanceUID,
        setup.j2k.SeriesInstanceUID,
        media_types=(("application/dicom", "*"),),
    )
    assert stored[0].file_meta.TransferSyntaxUID == setup.j2k.file_meta.TransferSyntaxUID
    jls = client.retrieve_instance(
        ct.StudyInstanceUID,
        ct.SeriesInstanceUID,
        ct.SOPInstanceUID,
        media_types=(("application/dicom", "1.2.840.10008.1.2.4.80"),),
    )
    assert jls.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.80"
    assert np.array_equal(jls.pixel_array, ct.pixel_array)
    meta = client.retrieve_study_metadata(ct.StudyInstanceUID)
    assert meta[0]["00280010"]["Value"] == [128]
    assert "BulkDataURI" in meta[0]["7FE00010"]
    series_meta = client.retrieve_series_metadata(ct.StudyInstanceUID, ct.SeriesInstanceUID)
    assert series_meta == meta
    instance_meta = client.retrieve_instance_metadata(
        ct.StudyInstanceUID, ct.SeriesInstanceUID, ct.SOPInstanceUID
    )
    assert instance_meta == meta[0]


def test_retrieve_frames_uncompressed_and_compressed(setup: Setup) -> None:
    client = setup.client()
    ct = setup.ct
    raw = client.retrieve_instance_frames(
        ct.StudyInstanceUID,
        ct.SeriesInstanceUID,
        ct.SOPInstanceUID,
        frame_numbers=[1],
        media_types=(("application/octet-stream", "1.2.840.10008.1.2.1"),),
    )
    pixels = np.frombuffer(raw[0], dtype="<i2").reshape(128, 128)
    assert np.array_equal(pixels, ct.pixel_array)
    jls = client.retrieve_instance_frames(
        ct.StudyInstanceUID,
        ct.SeriesInstanceUID,
        ct.SOPInstanceUID,
        frame_numbers=[1],
        media_types=(("image/jls", "1.2.840.10008.1.2.4.80"),),
    )
    assert len(jls[0]) < len(raw[0])
    assert jls[0][:2] == b"\xff\xd8"  # a JPEG-LS codestream


def test_cornerstone_wadors_frame_request(setup: Setup) -> None:
    """The exact Accept header Cornerstone3D's wadors loader sends, and the part headers it
    parses (first --boundary line, 'Content-Type:' with a transfer-syntax)."""
    ct = setup.ct
    url = instance_path(ct) + "/frames/1"
    accept = "multipart/related; type=application/octet-stream; transfer-syntax=*"
    with setup.http() as http:
        response = http.get(url, headers={"Accept": accept})
    assert response.status_code == 200
    body = response.content
    head, _, rest = body.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0].startswith("--")
    content_type = next(line for line in lines if line.startswith("Content-Type:"))
    assert "transfer-syntax=1.2.840.10008.1.2.4.80" in content_type
    frame = rest[: rest.index(lines[0].encode()) - 2]
    decoded = _decode_jls_frame(frame, ct)
    assert np.array_equal(decoded, ct.pixel_array)


def _decode_jls_frame(frame: bytes, like: pydicom.Dataset) -> np.ndarray:
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGLSLossless

    ds = pydicom.dcmread(CT)
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGLSLossless
    return ds.pixel_array


def test_rendered_png_and_jpeg_match_the_render_module(setup: Setup) -> None:
    ct = setup.ct
    client = setup.client(setup.server.settings.api_key)  # unmarked (room tokens: watermark)
    png = client.retrieve_instance_rendered(
        ct.StudyInstanceUID,
        ct.SeriesInstanceUID,
        ct.SOPInstanceUID,
        media_types=("image/png",),
        params={"window": "40,400,linear"},
    )
    from server.imaging.render import RenderOptions, render_frame
    from session.model import Voi

    with Image.open(io.BytesIO(png)) as image:
        assert np.array_equal(
            np.asarray(image), render_frame(ct, 1, RenderOptions(voi=Voi(40, 400)))
        )
    jpeg = client.retrieve_instance_rendered(
        ct.StudyInstanceUID, ct.SeriesInstanceUID, ct.SOPInstanceUID
    )
    assert jpeg[:2] == b"\xff\xd8"
    with setup.http() as http:
        base = instance_path(ct)
        frame = http.get(base + "/frames/1/rendered", headers={"Accept": "image/png"})
        thumb = http.get(base + "/thumbnail", headers={"Accept": "image/png"})
        bad = http.get(base + "/rendered", params={"window": "40,0"})
    assert frame.status_code == 200
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert max(image.size) <= 128
    assert bad.status_code == 400


def test_access_without_and_with_a_wrong_room_token(setup: Setup) -> None:
    ct = setup.ct
    path = f"/dicom-web/studies/{ct.StudyInstanceUID}/metadata"
    assert httpx.get(setup.server.base_url + path).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert httpx.get(setup.server.base_url + path, headers=bad).status_code == 401
    setup.server.create_room("other-room")
    with setup.http(room="other-room") as other:
        assert other.get(f"/studies/{ct.StudyInstanceUID}/metadata").status_code == 403
        assert other.get("/studies").json() == []
    with setup.http() as mine:
        assert mine.get(f"/studies/{setup.mr.StudyInstanceUID}/metadata").status_code == 403
        assert mine.get(f"/studies/{ct.StudyInstanceUID}/metadata").status_code == 200


def test_etag_cache_control_304_and_gzip(setup: Setup) -> None:
    ct = setup.ct
    url = instance_path(ct) + "/frames/1"
    accept = {
        "Accept": "multipart/related; type=application/octet-stream; "
        "transfer-syntax=1.2.840.10008.1.2.1"
    }
    with setup.http() as http:
        first = http.get(url, headers=accept | {"Accept-Encoding": "gzip"})
        etag = first.headers["etag"]
        assert first.headers["content-encoding"] == "gzip"
        assert "immutable" in first.headers["cache-control"]
        assert first.headers["cache-control"].startswith("private")
        again = http.get(url, headers=accept | {"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        meta = http.get(
            f"/studies/{ct.StudyInstanceUID}/metadata", headers={"Accept-Encoding": "gzip"}
        )
        assert meta.headers["content-encoding"] == "gzip"
        assert (
            http.get(
                f"/studies/{ct.StudyInstanceUID}/metadata",
                headers={"If-None-Match": meta.headers["etag"]},
            ).status_code
            == 304
        )


def test_stow_by_host_attaches_the_study_to_his_room(setup: Setup) -> None:
    host_token = setup.server.mint(ROOM, "prof-zhang", Role.HOST)
    client = setup.client(host_token)
    answer = client.store_instances([setup.mr])
    assert answer.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == setup.mr.SOPInstanceUID
    found = {s["0020000D"]["Value"][0] for s in setup.client().search_for_studies()}
    assert setup.mr.StudyInstanceUID in found
    host = setup.server.state.rooms.get(RoomId(ROOM))
    assert host is not None
    assert setup.mr.StudyInstanceUID in host.room.snapshot().state.studies


def test_stow_needs_manage_case_and_reports_failures(setup: Setup) -> None:
    participant = setup.client()
    with pytest.raises(Exception, match="403"):
        participant.store_instances([setup.mr])
    with setup.server.admin() as admin:
        boundary = "xyz"
        body = (
            b"--xyz\r\nContent-Type: application/dicom\r\n\r\nnot dicom at all\r\n"
            b"--xyz\r\nContent-Type: application/dicom\r\n\r\n"
            + MR.read_bytes()
            + b"\r\n--xyz--\r\n"
        )
        response = admin.post(
            "/dicom-web/studies",
            content=body,
            headers={
                "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'
            },
        )
    assert response.status_code == 202
    answer = pydicom.Dataset.from_json(response.json())
    assert answer.FailedSOPSequence[0].FailureReason == 0xC000
    assert answer.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == setup.mr.SOPInstanceUID


def test_attach_endpoint_errors(setup: Setup) -> None:
    with setup.server.admin() as admin:
        assert admin.post(f"/api/rooms/{ROOM}/studies", json={"uid": "1.2.3"}).status_code == 404
        again = admin.post(f"/api/rooms/{ROOM}/studies", json={"uid": setup.ct.StudyInstanceUID})
        assert again.status_code == 409
        assert (
            admin.post(
                "/api/rooms/nope/studies", json={"uid": setup.ct.StudyInstanceUID}
            ).status_code
            == 404
        )
        gone = admin.delete(f"/api/rooms/{ROOM}/studies/{setup.ct.StudyInstanceUID}")
        assert gone.status_code == 204
    assert (
        httpx.post(
            f"{setup.server.base_url}/api/rooms/{ROOM}/studies", json={"uid": "1"}
        ).status_code
        == 401
    )
    with setup.http() as http:
        assert http.get(f"/studies/{setup.ct.StudyInstanceUID}/metadata").status_code == 403


def test_multiframe_frames_and_big_endian_source(live_server: LiveServer) -> None:
    from samples import ensure_samples

    mr_path = ensure_samples().mr
    big_endian = Path(str(get_testdata_file("MR_small_bigendian.dcm")))
    store: StudyStore = live_server.state.studies
    assert store.import_paths([mr_path, big_endian]).ok
    live_server.create_room("mf")
    mr, be = pydicom.dcmread(mr_path), pydicom.dcmread(big_endian)
    with live_server.admin() as admin:
        for ds in (mr, be):
            admin.post(
                "/api/rooms/mf/studies", json={"uid": ds.StudyInstanceUID}
            ).raise_for_status()
    token = live_server.mint("mf", "dr-zhou")
    client = DICOMwebClient(
        f"{live_server.base_url}/dicom-web", headers={"Authorization": f"Bearer {token}"}
    )
    frames = client.retrieve_instance_frames(
        mr.StudyInstanceUID,
        mr.SeriesInstanceUID,
        mr.SOPInstanceUID,
        frame_numbers=[1, 3, 24],
        media_types=(("application/octet-stream", "1.2.840.10008.1.2.1"),),
    )
    dtype = "<i2" if mr.PixelRepresentation else "<u2"
    for data, index in zip(frames, (0, 2, 23), strict=True):
        pixels = np.frombuffer(data, dtype=dtype).reshape(mr.Rows, mr.Columns)
        assert np.array_equal(pixels, mr.pixel_array[index])
    be_frame = client.retrieve_instance_frames(
        be.StudyInstanceUID,
        be.SeriesInstanceUID,
        be.SOPInstanceUID,
        frame_numbers=[1],
        media_types=(("application/octet-stream", "1.2.840.10008.1.2.1"),),
    )
    be_pixels = np.frombuffer(be_frame[0], dtype="<i2" if be.PixelRepresentation else "<u2")
    assert np.array_equal(be_pixels.reshape(be.Rows, be.Columns), be.pixel_array)
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        missing = http.get(f"{live_server.base_url}/dicom-web{instance_path(mr)}/frames/25")
        assert missing.status_code == 404
        bad = http.get(f"{live_server.base_url}/dicom-web{instance_path(mr)}/frames/x")
        assert bad.status_code == 400


def test_attach_with_a_series_list_admits_only_those_series(live_server: LiveServer) -> None:
    from samples import ensure_samples

    samples = ensure_samples()
    store: StudyStore = live_server.state.studies
    assert store.import_paths([samples.ct_files[0], samples.ct_files[1]]).ok
    ct = pydicom.dcmread(samples.ct_files[0])
    live_server.create_room("series-only")
    with live_server.admin() as admin:
        body = {"uid": ct.StudyInstanceUID, "series": ["1.2.3.4"]}
        admin.post("/api/rooms/series-only/studies", json=body).raise_for_status()
    token = live_server.mint("series-only", "dr-he")
    with httpx.Client(
        base_url=f"{live_server.base_url}/dicom-web",
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        assert http.get(f"/studies/{ct.StudyInstanceUID}/series").json() == []
        assert http.get(instance_path(ct) + "/metadata").status_code == 403


def test_dicomweb_client_script_lists_retrieves_and_renders(setup: Setup, tmp_path: Path) -> None:
    import subprocess
    import sys

    token = setup.server.mint(ROOM, "dr-script")
    run = subprocess.run(
        [sys.executable, "-m", "bench.dicomweb.client_script", setup.server.base_url, token,
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=True,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert setup.ct.StudyInstanceUID in run.stdout
    assert setup.mr.StudyInstanceUID not in run.stdout  # not attached to this room
    with Image.open(tmp_path / f"{setup.ct.SOPInstanceUID}.png") as image:
        assert image.size == (128, 128)


def test_undecodable_original_is_406_not_500(live_server: LiveServer, tmp_path: Path) -> None:
    """A video syntax (MPEG-2): no decoder here. It is stored and served as stored;
    conversions and rendering answer 406 with the reason; a whole-instance stream falls
    back to the stored syntax."""
    ds = pydicom.dcmread(get_testdata_file("JPEG2000.dcm"))
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.100")
    path = tmp_path / "video.dcm"
    ds.save_as(path, implicit_vr=False, little_endian=True)
    store: StudyStore = live_server.state.studies
    assert store.import_paths([path]).errors == ()
    with live_server.admin() as admin:
        url = f"/dicom-web{instance_path(ds)}"
        stored = admin.get(
            url + "/frames/1",
            headers={
                "Accept": "multipart/related; type=application/octet-stream; transfer-syntax=*"
            },
        )
        assert stored.status_code == 200
        assert "transfer-syntax=1.2.840.10008.1.2.4.100" in stored.text[:300]
        native = admin.get(url + "/frames/1", headers={"Accept": "application/octet-stream"})
        assert native.status_code == 406 and native.json()["code"] == "not_acceptable"
        assert "MPEG2" in native.json()["message"]
        assert admin.get(url + "/rendered").status_code == 406
        whole = admin.get(url)
        assert whole.status_code == 200
        assert "transfer-syntax=1.2.840.10008.1.2.4.100" in whole.content[:300].decode("latin-1")


def test_twelve_bit_jpeg_extended_decodes_as_dcmtk_does(
    live_server: LiveServer, tmp_path: Path
) -> None:
    path = Path(str(get_testdata_file("JPEG-lossy.dcm")))
    store: StudyStore = live_server.state.studies
    report = store.import_paths([path])
    assert report.errors == () and report.notices == ()
    reference = tmp_path / "dcmdjpeg.dcm"
    subprocess.run(["dcmdjpeg", str(path), str(reference)], check=True)
    expected = pydicom.dcmread(reference).pixel_array
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    with live_server.admin() as admin:
        url = f"/dicom-web{instance_path(ds)}"
        native = admin.get(url + "/frames/1", headers={"Accept": "application/octet-stream"})
        assert native.status_code == 200
        got = np.frombuffer(native.content, dtype="<u2").reshape(expected.shape)
        assert np.array_equal(got, expected)
        assert admin.get(url + "/rendered").status_code == 200


@pytest.mark.parametrize(
    "syntax",
    [
        "1.2.840.10008.1.2.5",
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.80",
    ],
)
def test_lossless_transcoding_round_trips(setup: Setup, syntax: str) -> None:
    ct = setup.ct
    ds = setup.client().retrieve_instance(
        ct.StudyInstanceUID,
        ct.SeriesInstanceUID,
        ct.SOPInstanceUID,
        media_types=(("application/dicom", syntax),),
    )
    assert ds.file_meta.TransferSyntaxUID == syntax
    assert ds.SOPInstanceUID == ct.SOPInstanceUID
    assert np.array_equal(ds.pixel_array, ct.pixel_array)
