"""Memory per upload, measured on a real ``huizhen serve`` process (its peak RSS from /proc):
a chunked body past the limit is cut off, and an allowed 120 MiB STOW stays far below its
size — the body goes to disk, never into memory (issue 12: 1.1 GiB chunked took 4.7 GiB).

The peak is the kernel's high-water mark (``VmHWM``), reset through ``clear_refs`` just before
the upload, so nothing is sampled and nothing depends on speed.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from livetools import TEST_API_KEY, TEST_KEYS, free_port
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from rawhttp import send
from serveproc import ROOT, ServeProcess

MIB = 1 << 20
BOUNDARY = "huizhen-memory-boundary"
STOW_TYPE = f'multipart/related; type="application/dicom"; boundary={BOUNDARY}'
LIMIT = 32 * MIB
BIG = 160 * MIB  # the allowed upload (limit raised for it)
GROWTH_CAP = 64 * MIB  # what the peak RSS may grow by during one upload

pytestmark = pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs /proc")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(free_port(), tmp_path / "var", tmp_path / "server.log", "server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIZHEN_")}
    env.update(
        HUIZHEN_LOG_LEVEL="warning",
        HUIZHEN_WEB_DIST=str(tmp_path / "no-dist"),
        HUIZHEN_API_KEY=TEST_API_KEY,
        HUIZHEN_SECRET_KEYS=",".join(f"{k.kid}:{k.secret}" for k in TEST_KEYS),
        HUIZHEN_MAX_UPLOAD_BYTES=str(BIG + MIB),
        PYTHONPATH=str(ROOT),
    )
    process.launch(env)
    try:
        yield process
    finally:
        process.stop()
        process.wait()


def reset_peak(pid: int) -> int:
    """Reset the process's peak RSS to its current RSS; that RSS in bytes."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status_kib(pid, "VmRSS") * 1024


def peak(pid: int) -> int:
    return _status_kib(pid, "VmHWM") * 1024


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def big_instance(pixel_bytes: int) -> tuple[bytes, str]:
    """A valid CT header for a multi-frame 512x512x16-bit image of ``pixel_bytes`` pixels; the
    pixel data element's value follows (streamed by the caller, never built in memory)."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    del ds.PixelData
    ds.Rows = ds.Columns = 512
    ds.NumberOfFrames = pixel_bytes // (512 * 512 * 2)
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    element = b"\xe0\x7f\x10\x00OW\x00\x00" + struct.pack("<I", pixel_bytes)
    return out.getvalue() + element, ds.SOPInstanceUID


def stow_stream(head: bytes, pixel_bytes: int, chunk: int = MIB) -> Iterator[bytes]:
    yield b"--%s\r\nContent-Type: application/dicom\r\n\r\n" % BOUNDARY.encode() + head
    block = bytes(chunk)
    for _ in range(pixel_bytes // chunk):
        yield block
    yield b"\r\n--%s--\r\n" % BOUNDARY.encode()


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_API_KEY}", "Content-Type": STOW_TYPE}


async def test_an_allowed_160_mib_upload_keeps_memory_bounded(serve: ServeProcess) -> None:
    pixel_bytes = 300 * 512 * 512 * 2  # 150 MiB of pixels, 300 frames
    head, sop_uid = big_instance(pixel_bytes)
    before = reset_peak(serve.pid)
    answer = await send(
        serve.port, "POST", "/dicom-web/studies", admin_headers(), stow_stream(head, pixel_bytes)
    )
    assert answer.status == 200, answer.body
    referenced = answer.json()["00081199"]["Value"][0]
    assert referenced["00081155"]["Value"] == [sop_uid]
    growth = peak(serve.pid) - before
    assert growth < GROWTH_CAP, f"peak RSS grew by {growth / MIB:.0f} MiB for a 150 MiB upload"


async def test_a_chunked_body_past_the_limit_is_cut_off_in_bounded_memory(
    serve: ServeProcess,
) -> None:
    total = BIG + 64 * MIB  # past the server's limit
    before = reset_peak(serve.pid)
    answer = await send(
        serve.port, "POST", "/dicom-web/studies", admin_headers(), stow_stream(b"", total)
    )
    assert (answer.status, answer.json()["code"]) == (413, "too_large")
    assert answer.sent < total
    growth = peak(serve.pid) - before
    assert growth < GROWTH_CAP, f"peak RSS grew by {growth / MIB:.0f} MiB"
