"""The servers under test: how to start each one as ONE process on a free loopback port.

Each server is a separate OS process so its CPU can be read from /proc/PID/stat alone.
huizhen is started exactly as an operator would (``huizhen serve``), with known secrets in
the environment; the room and the tokens come from its admin HTTP API.
"""

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.fanout.dialects import Dialect

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
NODE_PEER = ROOT / "bench" / "peers" / "socketio-node"
GC_PROBE = Path(__file__).resolve().parent / "gcprobe"
ROOM = "bench"


@dataclass(frozen=True, slots=True)
class ServerSpec:
    name: str  # as reported
    dialect: Dialect
    env: tuple[tuple[str, str], ...] = ()  # extra environment, e.g. huizhen settings

    def command(self, port: int, data_dir: Path) -> list[str]:
        if self.dialect is Dialect.HUIZHEN:
            huizhen = str(VENV_BIN / "huizhen")
            return [huizhen, "serve", "--host", "127.0.0.1", "--port", str(port),
                    "--data-dir", str(data_dir)]  # fmt: skip
        program, *extra = PEER_COMMANDS[self.name]
        if program == "node":
            return ["node", str(NODE_PEER / "server.js"), str(port), *extra]
        return [sys.executable, "-m", program, str(port), *extra]


PEER_COMMANDS = {  # name -> (python module | "node", extra arguments after the port)
    "websockets-broadcast": ["bench.fanout.bare_server"],
    "prebuilt-frame-write": ["bench.fanout.bare_server", "prebuilt"],
    "starlette-send-loop": ["bench.fanout.starlette_server"],
    "python-socketio": ["bench.fanout.sio_server"],
    "python-socketio-msgpack": ["bench.fanout.sio_server", "msgpack"],
    "node-socketio": ["node"],
    "node-socketio-msgpack": ["node", "msgpack"],
}

SERVERS = {
    spec.name: spec
    for spec in (
        ServerSpec("huizhen", Dialect.HUIZHEN),
        ServerSpec("websockets-broadcast", Dialect.BARE),
        ServerSpec("prebuilt-frame-write", Dialect.BARE),
        ServerSpec("starlette-send-loop", Dialect.BARE),
        ServerSpec("python-socketio", Dialect.SIO),
        ServerSpec("python-socketio-msgpack", Dialect.SIO_MSGPACK),
        ServerSpec("node-socketio", Dialect.SIO),
        ServerSpec("node-socketio-msgpack", Dialect.SIO_MSGPACK),
    )
}


VARIANTS = {  # not in the default set; named on the command line
    "huizhen+gcfreeze": ServerSpec(
        "huizhen+gcfreeze", Dialect.HUIZHEN, (("FANOUT_GC_FREEZE_AFTER", "4"),)
    ),
}


def spec_for(name: str) -> ServerSpec:
    """A known server, or ``huizhen:VAR=VALUE,...`` — huizhen with ``HUIZHEN_VAR=VALUE`` set
    (e.g. ``huizhen:COALESCE_MS=10`` to compare fan-out ticks)."""
    if name in SERVERS or name in VARIANTS:
        return SERVERS.get(name) or VARIANTS[name]
    base, _, settings = name.partition(":")
    if base != "huizhen" or not settings:
        raise ValueError(f"unknown server {name!r}; known: {', '.join(SERVERS)}")
    pairs = (item.partition("=") for item in settings.split(","))
    env = tuple((f"HUIZHEN_{key.upper()}", value) for key, _, value in pairs)
    return ServerSpec(name, Dialect.HUIZHEN, env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    api_key: str


def start(spec: ServerSpec, data_dir: Path, log: Path, gc_log: Path) -> Running:
    """Start one server. huizhen processes carry the GC probe (``gcprobe/sitecustomize.py``:
    a ``gc.callbacks`` counter, ~1 µs per collection) so every run reports its collections."""
    port = free_port()
    probe = {}
    if spec.dialect is Dialect.HUIZHEN:
        probe = {"PYTHONPATH": f"{GC_PROBE}{os.pathsep}{ROOT}", "FANOUT_GC_LOG": str(gc_log)}
    api_key = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HUIZHEN_SECRET_KEYS": f"bench:{secrets.token_urlsafe(32)}",
        "HUIZHEN_API_KEY": api_key,
        "HUIZHEN_LOG_LEVEL": "warning",
        **probe,
        **dict(spec.env),
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            spec.command(port, data_dir), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    running = Running(spec, port, process, api_key)
    wait_listening(running)
    return running


def wait_listening(running: Running, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"{running.spec.name} exited with {running.process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", running.port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{running.spec.name} did not listen within {timeout} s")


def stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM, wait, then SIGKILL: every process this bench starts ends here."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- huizhen: room and tokens through the admin API -----------------------------------------
async def create_room_here(client: httpx.AsyncClient, room_id: str, title: str = "") -> None:
    """Create the room on the node ``client`` talks to (pinned: with several nodes,
    placement would pick the least loaded one)."""
    node = (await client.get("/healthz")).json()["node"]
    body = {"id": room_id, "title": title, "node": node}
    (await client.post("/api/rooms", json=body)).raise_for_status()


async def huizhen_tokens(running: Running, listeners: int) -> tuple[str, list[str]]:
    """Create the room; return (host token for the driver, one observer token per listener)."""
    base = f"http://127.0.0.1:{running.port}"
    headers = {"Authorization": f"Bearer {running.api_key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        await create_room_here(client, ROOM, "Fan-out bench")
        gate = asyncio.Semaphore(16)

        async def invite(role: str, identity: str) -> str:
            body = {"role": role, "name": identity, "identity": identity}
            async with gate:
                reply = await client.post(f"/api/rooms/{ROOM}/invites", json=body)
            reply.raise_for_status()
            return str(reply.json()["access_token"])  # an invite buys; the socket takes these

        host = await invite("host", "driver")
        observers = await asyncio.gather(*(invite("observer", f"l{i}") for i in range(listeners)))
    return host, list(observers)
