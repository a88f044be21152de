"""A real Orthanc (Debian ``orthanc`` + ``orthanc-dicomweb``) on a free loopback port.

Use from a test module with ``from fixtures_orthanc import orthanc  # noqa: F401``.
The fixture writes a private config (temp storage, no DICOM port, no remote access, no
authentication — tests only), starts ``Orthanc CONFIG.json``, waits for ``/system``, and
stops it by PID afterwards. ``OrthancServer.upload(path)`` loads a file through the REST API.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ORTHANC = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")


@dataclass(frozen=True)
class OrthancServer:
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    def upload(self, path: Path) -> dict[str, str]:
        """Store one DICOM file (POST /instances); returns Orthanc's answer."""
        response = httpx.post(f"{self.url}/instances", content=path.read_bytes(), timeout=30)
        response.raise_for_status()
        answer: dict[str, str] = response.json()
        return answer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config(root: Path, port: int) -> dict[str, object]:
    return {
        "Name": "huizhen-test-pacs",
        "StorageDirectory": str(root / "storage"),
        "IndexDirectory": str(root / "index"),
        "HttpPort": port,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomServerEnabled": False,
        "HttpsVerifyPeers": False,
        "Plugins": [str(DICOMWEB_PLUGIN)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": True},
    }


def _wait_ready(server: OrthancServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Orthanc exited with {process.returncode}")
        try:
            if httpx.get(f"{server.url}/system", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("Orthanc did not start within 30 s")


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancServer]:
    if not Path(ORTHANC).exists() or not DICOMWEB_PLUGIN.exists():
        pytest.skip("Orthanc with the DICOMweb plugin is not installed")
    root = tmp_path_factory.mktemp("orthanc")
    port = _free_port()
    config = root / "orthanc.json"
    config.write_text(json.dumps(_config(root, port)))
    log = (root / "orthanc.log").open("wb")
    process = subprocess.Popen([ORTHANC, str(config)], stdout=log, stderr=subprocess.STDOUT)
    server = OrthancServer(port)
    try:
        _wait_ready(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
