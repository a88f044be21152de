"""Smoke tests of the harness itself (real servers, real clients, tiny N; no speed asserted).

.venv/bin/python -m pytest bench/fanout -q   (python -m: puts the repo root on sys.path)
"""

import math
from pathlib import Path

import msgpack
import pytest

from bench.fanout import measure, report, servers
from bench.fanout.dialects import Dialect, driver_messages, event_bytes
from bench.fanout.payload import Kind, fast_send_times, peer_frame, send_times


@pytest.mark.parametrize("kind", list(Kind))
def test_peer_frame_carries_its_send_time(kind: Kind) -> None:
    frame = peer_frame(kind, 7, 12.345678)
    assert send_times(frame) == [(kind, 12.345678)]
    assert fast_send_times(frame) == [(kind, 12.345678)]
    assert 110 <= len(frame) <= 140  # the issue's ~125-byte event


def test_other_messages_are_told_apart() -> None:
    frame = msgpack.packb(
        [{"type": "participant_joined"}, {"type": "pointer_moved", "position": None}]
    )
    assert send_times(frame) == [(None, 0.0), (None, 0.0)]


@pytest.mark.parametrize("dialect", list(Dialect))
def test_driver_bytes_reach_listener_reader(dialect: Dialect) -> None:
    """What a peer server forwards unchanged decodes to the driver's send time."""
    if dialect is Dialect.HUIZHEN:
        (command,) = driver_messages(dialect, Kind.VOI, 3, 1.5)
        assert isinstance(command, bytes)
        assert msgpack.unpackb(command)["voi"]["center"] == 1.5
        return
    *header, body = driver_messages(dialect, Kind.POINTER, 3, 1.5)
    assert isinstance(body, bytes)
    payload = event_bytes(dialect, False, body)
    assert payload is not None and fast_send_times(payload) == [(Kind.POINTER, 1.5)]
    assert all(event_bytes(dialect, True, h.encode()) is None for h in header if isinstance(h, str))


PEERS = [
    "huizhen",
    "websockets-broadcast",
    "prebuilt-frame-write",
    "starlette-send-loop",
    "python-socketio-msgpack",
    "node-socketio",
]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("server", PEERS)
async def test_small_run_delivers_everything(server: str, tmp_path: Path) -> None:
    if server.startswith("node") and not (servers.NODE_PEER / "node_modules").exists():
        pytest.skip("npm ci in bench/peers/socketio-node first")
    plan = measure.Plan(server, 4, warmup_s=0.5, duration_s=1.0, drain_s=1.0)
    summary = report.summarize(await measure.run(plan, tmp_path))
    assert summary["connected"] == 4
    sent = summary["sent"]
    assert isinstance(sent, dict) and sent["voi"] > 0 and sent["pointer"] > 0
    assert summary["loss"] == {"voi": 0, "pointer": 0}
    latency = summary["latency_ms"]
    assert isinstance(latency, dict) and math.isfinite(latency["max"])
    assert summary["server_exit"] is None  # still running when measured: it is our process
