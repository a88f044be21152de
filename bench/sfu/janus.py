"""Janus 1.1.2 VideoRoom as the C peer: a private config, started by hand, driven over HTTP.

libnice ignores ``lo``, so ICE runs on the host interface (traffic still stays on this host);
aiortc clients therefore gather normally here (no loopback pinning). Sessions are destroyed on
exit, or the publisher slot stays taken for ~60 s.
"""

import asyncio
import contextlib
import secrets
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

LIB = Path("/usr/lib/x86_64-linux-gnu/janus")
PLUGINS_OFF = [p.name for p in (LIB / "plugins").glob("*.so") if p.name != "libjanus_videoroom.so"]
TRANSPORTS_OFF = [p.name for p in (LIB / "transports").glob("*.so") if p.name != "libjanus_http.so"]


def write_config(folder: Path, port: int, event_loops: int) -> None:
    loops = f"event_loops = {event_loops}" if event_loops else ""
    (folder / "janus.jcfg").write_text(f"""
general: {{
  configs_folder = "{folder}"
  plugins_folder = "{LIB}/plugins"
  transports_folder = "{LIB}/transports"
  events_folder = "{LIB}/events"
  loggers_folder = "{LIB}/loggers"
  debug_level = 2
  {loops}
}}
media: {{ }}
nat: {{ full_trickle = false
  ice_tcp = false
  ice_ignore_list = "vmnet" }}
plugins: {{ disable = "{",".join(PLUGINS_OFF)}" }}
transports: {{ disable = "{",".join(TRANSPORTS_OFF)}" }}
loggers: {{ disable = "libjanus_jsonlog.so" }}
events: {{ broadcast = false }}
""")
    (folder / "janus.transport.http.jcfg").write_text(f"""
general: {{ json = "plain"
  base_path = "/janus"
  http = true
  port = {port}
  ip = "127.0.0.1"
  https = false }}
admin: {{ admin_http = false }}
""")
    (folder / "janus.plugin.videoroom.jcfg").write_text("general: { }\n")


def start(port: int, event_loops: int = 0) -> tuple[subprocess.Popen[bytes], Path]:
    folder = Path(tempfile.mkdtemp(prefix="janus-"))
    write_config(folder, port, event_loops)
    proc = subprocess.Popen(
        ["janus", "-F", str(folder), "-C", str(folder / "janus.jcfg")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, folder


class JanusSession:
    """One Janus session + one VideoRoom handle, with its event long-poll."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.AsyncClient(timeout=30)
        self.session = 0
        self.handle = 0
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._poll: asyncio.Task[None] | None = None

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "transaction": secrets.token_hex(6)}
        reply: dict[str, Any] = (await self.http.post(self.base + path, json=body)).json()
        if reply.get("janus") == "error":
            raise RuntimeError(reply)
        return reply

    async def open(self) -> None:
        self.session = (await self._post("", {"janus": "create"}))["data"]["id"]
        path = f"/{self.session}"
        reply = await self._post(path, {"janus": "attach", "plugin": "janus.plugin.videoroom"})
        self.handle = reply["data"]["id"]
        self._poll = asyncio.ensure_future(self._long_poll())

    async def _long_poll(self) -> None:
        while True:
            reply = await self.http.get(f"{self.base}/{self.session}?maxev=5")
            data = reply.json()
            for event in data if isinstance(data, list) else [data]:
                if event.get("janus") == "event":
                    self.events.put_nowait(event)

    async def request(self, body: dict[str, Any], jsep: dict[str, Any] | None = None) -> Any:
        message: dict[str, Any] = {"janus": "message", "body": body}
        if jsep is not None:
            message["jsep"] = jsep
        return await self._post(f"/{self.session}/{self.handle}", message)

    async def event(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.events.get(), 30)

    async def close(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
        if self.session:
            with contextlib.suppress(httpx.HTTPError, RuntimeError):
                await self._post(f"/{self.session}", {"janus": "destroy"})
        await self.http.aclose()
