"""The emulated county link end to end: TCP crosses it, and nothing of it outlives the block.

Needs root for network namespaces and TUN devices (CI runs as root); skipped otherwise.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time

import pytest

from bench.county.link import county_link, in_namespace, unavailable

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))

PAYLOAD = bytes(range(256)) * 400  # 100 kB


def namespaces() -> str:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    return listed.stdout


def test_tcp_crosses_the_link_and_everything_is_removed_after() -> None:
    with county_link(rate_kbit=10_000, rtt_ms=20, loss=0.01) as link:
        server = link.server_socket()
        server.listen()
        port = server.getsockname()[1]

        def send_one() -> None:
            conn, _ = server.accept()
            with conn:
                conn.sendall(PAYLOAD)

        sender = threading.Thread(target=send_one)
        sender.start()

        def fetch() -> bytes:
            with socket.create_connection((link.server_addr, port), timeout=30) as sock:
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
                return b"".join(chunks)

        assert in_namespace(link.client_ns, fetch) == PAYLOAD
        sender.join(timeout=30)
        server.close()
        # The forwarder writes its counters every 100 ms: poll, no fixed sleep.
        deadline = time.monotonic() + 15
        while link.stats()["down"]["bytes"] < len(PAYLOAD) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert link.stats()["down"]["bytes"] >= len(PAYLOAD)
        names = (link.server_ns, link.client_ns)
        assert all(name in namespaces() for name in names)
    assert not any(name in namespaces() for name in names)
    assert not link.workdir.exists()
