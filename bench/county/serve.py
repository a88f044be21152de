"""A live huizhen server on the server side of a county link, and a room showing a CT slice.

Shared by ``bench/county/run.py`` and the browser test of the emulated link. The server runs in
this process (as ``tests/livetools.run_live_server`` does) on a socket made inside the link's
server namespace; the room's view is set to one slice, the "presenter's slice" a county doctor
must see first.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import uvicorn

from bench.county.link import CountyLink
from server import dicomweb
from server.app import create_app
from server.appstate import AppState
from server.cli import uvicorn_config
from server.settings import Settings
from session.commands import AttachStudy, SetImage
from session.grants import Role
from session.ids import RoomId, Uid
from session.model import ImageRef

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from livetools import LiveServer  # noqa: E402

ROOM = "county"


@dataclass(frozen=True)
class Case:
    """The files of one series and which of them the presenter shows."""

    files: list[Path]
    study: str
    series: str
    sops: list[str]  # in slice order
    current: int


def read_case(files: list[Path], current: int | None = None) -> Case:
    import pydicom

    headers = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
    headers.sort(key=lambda ds: int(ds.InstanceNumber))
    first = headers[0]
    index = len(headers) // 2 if current is None else current
    return Case(
        files, str(first.StudyInstanceUID), str(first.SeriesInstanceUID),
        [str(ds.SOPInstanceUID) for ds in headers], index,
    )  # fmt: skip


def room_hooks(case: Case) -> list[Callable[[AppState], Any]]:
    @contextlib.asynccontextmanager
    async def attach(state: AppState) -> AsyncIterator[None]:
        store = state.studies
        report = await asyncio.to_thread(store.import_paths, list(case.files))
        if report.errors:
            raise RuntimeError(f"import failed: {report.errors[:3]}")
        host = await state.rooms.create(RoomId(ROOM), "County consultation")
        await host.system(AttachStudy(uid=Uid(case.study), description="County CT"))
        shown = ImageRef(Uid(case.study), Uid(case.series), Uid(case.sops[case.current]))
        await host.system(SetImage(viewport=0, image=shown))
        yield

    return [dicomweb.dicomweb_lifespan, attach]


@dataclass
class LinkServer:
    live: LiveServer
    base_url: str
    chromium_flags: list[str]  # what Chromium needs to use this server as a secure origin

    def invite(self, identity: str, role: Role = Role.PARTICIPANT) -> str:
        token = self.live.mint(ROOM, identity, role, name=identity)
        return f"{self.base_url}/join#token={token}"


def self_signed(link: CountyLink) -> tuple[Path, Path]:
    """A one-day certificate for the server address (Chromium is told to ignore its issuer)."""
    cert, key = link.workdir / "cert.pem", link.workdir / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", f"/CN={link.server_addr}",
         "-addext", f"subjectAltName=IP:{link.server_addr}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def spki_hash(cert: Path) -> str:
    """For Chromium's ``--ignore-certificate-errors-spki-list``: the certificate is then valid
    (with a certificate error Chromium would neither cache nor keep a service worker)."""
    der = subprocess.run(
        f"openssl x509 -pubkey -noout -in {cert} | openssl pkey -pubin -outform der"
        " | openssl dgst -sha256 -binary | base64",
        shell=True, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return der.stdout.strip()


@contextlib.contextmanager
def serve_on_link(
    link: CountyLink, settings: Settings, case: Case, *, tls: bool = False
) -> Iterator[LinkServer]:
    """``tls``: HTTPS with a self-signed certificate, as a deployment would be (Chromium offers
    brotli only over HTTPS)."""
    sock = link.server_socket()
    port = sock.getsockname()[1]
    settings = replace(settings, host=link.server_addr, port=port)
    app = create_app(settings, hooks=room_hooks(case))
    config = uvicorn_config(settings, app)
    config.log_level = "warning"
    config.access_log = False  # thousands of frame requests would drown the results
    scheme = "https" if tls else "http"
    flags = [f"--unsafely-treat-insecure-origin-as-secure=http://{link.server_addr}:{port}"]
    if tls:
        cert, key = self_signed(link)
        config.ssl_certfile, config.ssl_keyfile = str(cert), str(key)
        flags = [f"--ignore-certificate-errors-spki-list={spki_hash(cert)}"]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # the hook imports the series first
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server on the link did not start")
        time.sleep(0.05)
    try:
        live = LiveServer(settings, app, port, server)
        yield LinkServer(live, f"{scheme}://{link.server_addr}:{port}", flags)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
