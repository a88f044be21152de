"""DICOMweb on a county link: import throughput, and a late joiner over 10 Mbit/s, 50 ms RTT.

    .venv/bin/python -m bench.dicomweb.run [--rate-mbit 10 --rtt-ms 50 --in-flight 6]

1. Import throughput: the synthetic CT (``samples.ensure_samples()``) into a fresh store.
2. ``huizhen serve`` (one subprocess) with that store; the study attached to a room.
3. A throttling proxy (``proxy.py``) between the clients and the server. Clients, each with
   an empty cache, one after the other, all in this run:
   - ``huizhen first joiner``: what the web client does (series metadata + the presenter's
     current frame at once, Cornerstone3D's Accept ``transfer-syntax=*``, then the other
     frames nearest-first, N in flight). Cold server cache: frames are transcoded on demand.
   - ``huizhen late joiner``: the same, after the server has the JPEG-LS frames cached.
   - ``huizhen, uncompressed + gzip``: same order, but explicit VR little endian frames and
     HTTP gzip (a client that cannot decode JPEG-LS).
   - ``OHIF-style peer``: metadata, then uncompressed frames one request at a time (current
     first), no HTTP compression.
Reported: seconds until the current slice (its pixels and the metadata) is there, seconds until
the whole series is, bytes on the wire from server to client, and that over the raw pixel bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.dicomweb.proxy import ThrottlingProxy
from samples import ensure_samples
from server.cases.store import InstanceRecord, StudyStore
from server.settings import SigningKey
from server.tokens import KeyRing, mint_room_token
from session.grants import Role
from session.ids import ParticipantId, RoomId

API_KEY = "bench-api-key-0123456789abcdef0123"
KEYS = "b1:bench-secret-0123456789abcdef-0123456789"
ROOM = "county"
CORNERSTONE_ACCEPT = "multipart/related; type=application/octet-stream; transfer-syntax=*"
UNCOMPRESSED_ACCEPT = (
    "multipart/related; type=application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"
)


Runner = Callable[[httpx.AsyncClient], Awaitable[tuple[float, float]]]


@dataclass(frozen=True)
class Result:
    client: str
    current_s: float
    series_s: float
    wire_bytes: int
    raw_bytes: int

    def row(self) -> str:
        ratio = self.wire_bytes / self.raw_bytes
        return (
            f"| {self.client} | {self.current_s:.2f} | {self.series_s:.2f} | "
            f"{self.wire_bytes / 1e6:.2f} | {ratio:.2f} |"
        )


def import_throughput(data_dir: Path) -> tuple[float, int, str]:
    samples = ensure_samples()
    store = StudyStore(data_dir / "studies")
    started = time.perf_counter()
    report = store.import_paths([samples.ct_dir])
    elapsed = time.perf_counter() - started
    assert report.ok, report.errors
    return len(report.imported) / elapsed, len(report.imported), report.studies[0]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "HUIZHEN_API_KEY": API_KEY,
        "HUIZHEN_SECRET_KEYS": KEYS,
        "HUIZHEN_LOG_LEVEL": "warning",
    }
    command = [
        sys.executable,
        "-m",
        "server",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def prepare_room(port: int, study_uid: str) -> str:
    admin = {"Authorization": f"Bearer {API_KEY}"}
    base = f"http://127.0.0.1:{port}"
    httpx.post(
        f"{base}/api/rooms", json={"id": ROOM, "title": "bench"}, headers=admin
    ).raise_for_status()
    attached = httpx.post(
        f"{base}/api/rooms/{ROOM}/studies", json={"uid": study_uid}, headers=admin
    )
    attached.raise_for_status()
    kid, _, secret = KEYS.partition(":")
    return mint_room_token(
        KeyRing((SigningKey(kid, secret),)),
        room=RoomId(ROOM),
        identity=ParticipantId("county-doctor"),
        name="County doctor",
        role=Role.PARTICIPANT,
        ttl_s=3600,
    )


def frame_url(record: InstanceRecord) -> str:
    return (
        f"/dicom-web/studies/{record.study_uid}/series/{record.series_uid}"
        f"/instances/{record.sop_uid}/frames/1"
    )


def nearest_first(records: list[InstanceRecord], current: int) -> list[InstanceRecord]:
    return sorted(records, key=lambda r: (abs(records.index(r) - current), records.index(r)))


async def smart_client(
    client: httpx.AsyncClient,
    records: list[InstanceRecord],
    current: int,
    accept: str,
    in_flight: int,
) -> tuple[float, float]:
    """Metadata and the current frame together, then the rest nearest-first."""
    started = time.perf_counter()
    first = records[current]
    series = f"/dicom-web/studies/{first.study_uid}/series/{first.series_uid}/metadata"
    meta, frame = await asyncio.gather(
        client.get(series), client.get(frame_url(first), headers={"Accept": accept})
    )
    for response in (meta, frame):
        response.raise_for_status()
    current_s = time.perf_counter() - started
    rest = [r for r in nearest_first(records, current) if r is not first]
    gate = asyncio.Semaphore(in_flight)

    async def fetch(record: InstanceRecord) -> None:
        async with gate:
            (await client.get(frame_url(record), headers={"Accept": accept})).raise_for_status()

    await asyncio.gather(*(fetch(r) for r in rest))
    return current_s, time.perf_counter() - started


async def ohif_peer(
    client: httpx.AsyncClient, records: list[InstanceRecord], current: int
) -> tuple[float, float]:
    """Metadata, then uncompressed frames one request at a time (the current one first)."""
    started = time.perf_counter()
    first = records[current]
    series = f"/dicom-web/studies/{first.study_uid}/series/{first.series_uid}/metadata"
    (await client.get(series)).raise_for_status()
    current_s = 0.0
    for record in [first, *(r for r in records if r is not first)]:
        (
            await client.get(frame_url(record), headers={"Accept": UNCOMPRESSED_ACCEPT})
        ).raise_for_status()
        current_s = current_s or time.perf_counter() - started
    return current_s, time.perf_counter() - started


async def measure(
    name: str,
    proxy: ThrottlingProxy,
    token: str,
    run: Runner,
    raw: int,
    *,
    gzip: bool,
    in_flight: int,
) -> Result:
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept-Encoding": "gzip" if gzip else "identity",
    }
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    proxy.reset_counters()
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{proxy.port}", headers=headers, limits=limits, timeout=120
    ) as client:
        current_s, series_s = await run(client)
    return Result(name, current_s, series_s, proxy.down.bytes, raw)


async def link_runs(
    port: int, token: str, records: list[InstanceRecord], args: argparse.Namespace
) -> list[Result]:
    proxy = ThrottlingProxy(port, args.rate_mbit * 1e6, args.rtt_ms / 1000)
    await proxy.start()
    raw = sum((r.rows or 0) * (r.columns or 0) * 2 for r in records)
    current = len(records) // 2
    n = args.in_flight

    def smart(accept: str) -> Runner:
        return lambda c: smart_client(c, records, current, accept, n)

    scenarios: list[tuple[str, Runner, bool, int]] = [
        ("huizhen first joiner (cold cache, JPEG-LS)", smart(CORNERSTONE_ACCEPT), True, n),
        ("huizhen late joiner (JPEG-LS)", smart(CORNERSTONE_ACCEPT), True, n),
        ("huizhen, uncompressed + gzip", smart(UNCOMPRESSED_ACCEPT), True, n),
        (
            "OHIF-style peer (uncompressed, 1 at a time)",
            lambda c: ohif_peer(c, records, current),
            False,
            1,
        ),
    ]
    try:
        return [
            await measure(name, proxy, token, run, raw, gzip=gzip, in_flight=k)
            for name, run, gzip, k in scenarios
        ]
    finally:
        await proxy.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate-mbit", type=float, default=10.0)
    parser.add_argument("--rtt-ms", type=float, default=50.0)
    parser.add_argument("--in-flight", type=int, default=6)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="huizhen-bench-dicomweb-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        rate, count, study_uid = import_throughput(data_dir)
        print(f"import: {count} instances at {rate:.0f} instances/s")
        port = free_port()
        process = start_server(data_dir, port)
        token = prepare_room(port, study_uid)
        records = StudyStore(data_dir / "studies").instances(study_uid)
        records.sort(key=lambda r: r.instance_number or 0)
        results = asyncio.run(link_runs(port, token, records, args))
        shape = f"{records[0].rows}x{records[0].columns}"
        print(
            f"\nlink: {args.rate_mbit:g} Mbit/s, {args.rtt_ms:g} ms RTT; "
            f"{len(records)} slices {shape}"
        )
        print(f"current slice = #{len(records) // 2 + 1}\n")
        print("| client | current slice (s) | whole series (s) | wire MB | wire / raw |")
        print("|---|---|---|---|---|")
        for result in results:
            print(result.row())
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
