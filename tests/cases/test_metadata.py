"""``/metadata`` never loses an attribute, over HTTP from a live server: values that break
their VR are carried as read, bulk data is addressed per element path (nested items too),
elements after Pixel Data are there, and the pixel attributes describe the served frames."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pydicom
from livetools import LiveServer
from pydicom.data import get_testdata_file
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from server.cases.store import StudyStore

LONG_IPP = ["-158.13580300000001", "-179.035797", "-75.699997000000001"]


def _crafted(path: Path) -> Dataset:
    """CT_small with a 19-character DS, a DS that is not a number, two icon items with their
    own Pixel Data (one nested a level deeper) and trailing padding after Pixel Data."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    with pydicom.config.disable_value_validation():
        ds.ImagePositionPatient = LONG_IPP
        ds.WindowCenter = "-1234.567890123456"
    ds[Tag("SliceThickness")] = RawDataElement(  # type: ignore[assignment]
        Tag("SliceThickness"), "DS", 4, b"abc ", 0, False, True
    )
    icons = []
    for fill in (1, 2):
        icon = Dataset()
        icon.Rows, icon.Columns, icon.BitsAllocated = 64, 64, 8
        icon.PixelData = bytes([fill]) * 4096
        icons.append(icon)
    deeper = Dataset()
    deeper.Rows, deeper.Columns, deeper.BitsAllocated = 32, 64, 8
    deeper.PixelData = bytes([3]) * 2048
    icons[1].IconImageSequence = [deeper]
    ds.IconImageSequence = icons
    ds.add_new(0xFFFCFFFC, "OB", bytes(range(256)) * 8)  # Data Set Trailing Padding
    ds.save_as(path)
    return ds


def test_metadata_keeps_every_value_and_addresses_bulk_data_by_path(
    live_server: LiveServer, tmp_path: Path
) -> None:
    ds = _crafted(tmp_path / "crafted.dcm")
    store: StudyStore = live_server.state.studies
    assert store.import_paths([tmp_path / "crafted.dcm"]).errors == ()
    instance = (
        f"/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"
        f"/instances/{ds.SOPInstanceUID}"
    )
    with live_server.admin() as admin:
        (meta,) = admin.get(instance + "/metadata").json()
        assert meta["00200032"] == {"vr": "DS", "Value": [LONG_IPP[0], -179.035797, LONG_IPP[2]]}
        assert meta["00281050"] == {"vr": "DS", "Value": ["-1234.567890123456"]}
        assert meta["00180050"] == {"vr": "DS", "Value": ["abc"]}
        first, second = meta["00880200"]["Value"]
        nested = second["00880200"]["Value"][0]
        uris = [item["7FE00010"]["BulkDataURI"] for item in (first, second, nested)]
        uris.append(meta["FFFCFFFC"]["BulkDataURI"])
        assert len(set(uris)) == 4
        assert uris[2].endswith("/bulkdata/00880200/2/00880200/1/7FE00010")
        expected = [bytes([1]) * 4096, bytes([2]) * 4096, bytes([3]) * 2048]
        expected.append(bytes(range(256)) * 8)
        for uri, value in zip(uris, expected, strict=True):
            assert _bulk(admin.get(uri)) == value
        pixels = _bulk(admin.get(meta["7FE00010"]["BulkDataURI"]))
        assert np.array_equal(np.frombuffer(pixels, "<i2").reshape(128, 128), ds.pixel_array)
        assert admin.get(instance + "/bulkdata/00880200/3/7FE00010").status_code == 404
        assert admin.get(instance + "/bulkdata/nonsense").status_code == 400
        found = admin.get(
            f"/dicom-web/studies/{ds.StudyInstanceUID}/instances",
            params={"includefield": "WindowCenter,ImagePositionPatient"},
        ).json()
        assert found[0]["00281050"] == meta["00281050"]  # QIDO drops nothing either
        assert found[0]["00200032"] == meta["00200032"]


def _bulk(response: httpx.Response) -> bytes:
    """The one part of a multipart/related bulk data answer."""
    assert response.status_code == 200, response.text
    media = response.headers["content-type"]
    boundary = media.split("boundary=")[1].split(";", maxsplit=1)[0].strip('"')
    part = response.content.split(f"--{boundary}".encode())[1]
    return part.split(b"\r\n\r\n", 1)[1][: -len(b"\r\n")]


def test_a_value_of_the_wrong_length_is_stored_and_carried(
    live_server: LiveServer, tmp_path: Path
) -> None:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    spacing = Tag("SpacingBetweenSlices")
    ds[spacing] = RawDataElement(spacing, "FD", 3, b"\x01\x02\x03", 0, False, True)
    ds.save_as(tmp_path / "odd.dcm")
    store: StudyStore = live_server.state.studies
    report = store.import_paths([tmp_path / "odd.dcm"])
    assert report.errors == () and len(report.imported) == 1
    assert [n.code.value for n in report.notices] == ["library_warning"]
    assert "(0018,0088)" in report.notices[0].reason
    url = (
        f"/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}"
        f"/instances/{ds.SOPInstanceUID}/metadata"
    )
    with live_server.admin() as admin:
        (meta,) = admin.get(url).json()
    assert meta["00180088"] == {"vr": "FD", "InlineBinary": "AQID"}
