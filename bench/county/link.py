"""An emulated county link between two network namespaces (needs root and ``ip netns``).

    with county_link(rate_kbit=2000, rtt_ms=150, loss=0.01) as link:
        sock = link.server_socket()            # bound to link.server_addr inside the server side
        chromium = link.chromium_wrapper(path) # Playwright's executable_path: runs in the county
        link.stats()                           # bytes/packets per direction, on the wire

Topology: namespace ``…-srv`` holds TUN ``hzs…`` (10.77.0.1), namespace ``…-cli`` holds TUN
``hzc…`` (10.77.0.2); ``bench.county.forwarder`` moves every packet between the two TUN fds
with the link's delay, rate and loss. tc netem does not exist on these machines and tbf on
``lo`` would slow every other loopback user (docs: /work/shared/NOTES.md), hence userspace.
The server stays in this process: a thread enters the server namespace only to create the
listening socket (a network namespace is per thread; a socket keeps the one it was made in),
so live-server hooks and tokens work as in the other tests. Everything is removed on exit,
processes by PID first, then the namespaces.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
SERVER_ADDR = "10.77.0.1"
CLIENT_ADDR = "10.77.0.2"
ROOT = Path(__file__).resolve().parents[2]


def unavailable() -> str | None:
    """Why a county link cannot be made here, or None when it can."""
    if os.geteuid() != 0:
        return "the emulated link needs root (network namespaces and TUN devices)"
    if shutil.which("ip") is None:
        return "iproute2's ip is not installed"
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, check=False)
    return None if probe.returncode == 0 else "ip netns is unavailable"


def in_namespace(name: str, work: Callable[[], T]) -> T:
    """Run ``work`` on a fresh thread that has entered network namespace ``name``."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        with open(f"/run/netns/{name}") as ns:
            if libc.setns(ns.fileno(), CLONE_NEWNET) != 0:
                failure.append(OSError(ctypes.get_errno(), f"setns {name}"))
                return
        try:
            result.append(work())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


def open_tun(ifname: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@dataclass
class CountyLink:
    server_ns: str
    client_ns: str
    workdir: Path
    rate_kbit: float
    rtt_ms: float
    loss: float
    server_addr: str = SERVER_ADDR
    client_addr: str = CLIENT_ADDR

    def server_socket(self, port: int = 0) -> socket.socket:
        """A TCP socket bound on the server side of the link (listening is the server's job)."""

        def bind() -> socket.socket:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.server_addr, port))
            return sock

        return in_namespace(self.server_ns, bind)

    def chromium_wrapper(self, chromium: str, *, side: str = "county") -> str:
        """A script that execs ``chromium`` inside the county namespace (or, ``side="server"``,
        next to the server: the expert at the hospital), for Playwright."""
        ns = self.client_ns if side == "county" else self.server_ns
        script = self.workdir / f"chromium-in-{side}"
        script.write_text(f'#!/bin/sh\nexec ip netns exec {ns} {chromium} "$@"\n')
        script.chmod(0o755)
        return str(script)

    def stats(self) -> dict[str, dict[str, int]]:
        """Counters per direction (``down`` = server to county) since the link came up."""
        path = self.workdir / "stats.json"
        try:
            counters: dict[str, dict[str, int]] = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return {"down": {"bytes": 0, "packets": 0}, "up": {"bytes": 0, "packets": 0}}
        return counters

    def describe(self) -> str:
        return f"{self.rate_kbit / 1000:g} Mbit/s, {self.rtt_ms:g} ms RTT, {self.loss:.0%} loss"


def _kill_namespace_processes(ns: str) -> None:
    found = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, check=False)
    for pid in (int(p) for p in found.stdout.split()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _setup_side(ns: str, ifname: str, local: str, peer: str) -> int:
    ip("netns", "add", ns)
    fd = in_namespace(ns, lambda: open_tun(ifname))
    ip("-n", ns, "link", "set", "lo", "up")
    ip("-n", ns, "addr", "add", local, "peer", peer, "dev", ifname)
    ip("-n", ns, "link", "set", ifname, "up", "mtu", "1500")
    return fd


@contextlib.contextmanager
def county_link(
    rate_kbit: float, rtt_ms: float, loss: float = 0.0, *, queue_bytes: int = 60_000
) -> Iterator[CountyLink]:
    tag = f"{os.getpid() % 100000}"
    workdir = Path(tempfile.mkdtemp(prefix="huizhen-county-"))
    link = CountyLink(f"hzc{tag}-srv", f"hzc{tag}-cli", workdir, rate_kbit, rtt_ms, loss)
    fds: list[int] = []
    forwarder: subprocess.Popen[bytes] | None = None
    try:
        fds.append(_setup_side(link.server_ns, f"hzs{tag}", SERVER_ADDR, CLIENT_ADDR))
        fds.append(_setup_side(link.client_ns, f"hzc{tag}", CLIENT_ADDR, SERVER_ADDR))
        forwarder = subprocess.Popen(
            [sys.executable, "-m", "bench.county.forwarder", "--tun-a", str(fds[0]),
             "--tun-b", str(fds[1]), "--rate-kbit", str(rate_kbit), "--rtt-ms", str(rtt_ms),
             "--loss", str(loss), "--queue-bytes", str(queue_bytes),
             "--stats", str(workdir / "stats.json")],
            cwd=ROOT, pass_fds=fds,
        )  # fmt: skip
        yield link
    finally:
        if forwarder is not None:
            forwarder.terminate()
            try:
                forwarder.wait(timeout=5)
            except subprocess.TimeoutExpired:
                forwarder.kill()
                forwarder.wait()
        for fd in fds:
            os.close(fd)
        for ns in (link.client_ns, link.server_ns):
            _kill_namespace_processes(ns)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        shutil.rmtree(workdir, ignore_errors=True)
