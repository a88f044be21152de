"""Server settings: one frozen value built once from the environment (``HUIZHEN_*``) and the CLI.

Secrets (token signing keys, admin API key) come from ``HUIZHEN_SECRET_KEYS`` /
``HUIZHEN_API_KEY``; when unset they are generated on first start into
``<data dir>/secrets.json`` (mode 0600) and reused. Secrets never appear in ``repr`` or logs.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SECRETS_FILE = "secrets.json"


class SettingsError(ValueError):
    """A setting has an unusable value (the message names the variable)."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class IceServer:
    """One STUN/TURN server for the SFU and the browsers (RTCIceServer)."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Limits:
    """Edge limits. Rates are per connection, in commands per second."""

    max_frame_bytes: int = 64 * 1024
    hello_timeout_s: float = 10.0
    send_queue_messages: int = 512  # frames queued for one connection
    send_queue_bytes: int = 1024 * 1024
    # A resume whose missed events exceed this gets a snapshot instead (usually smaller).
    resume_max_bytes: int = 512 * 1024
    pointer_rate: float = 30.0
    pointer_burst: float = 30.0
    view_rate: float = 60.0
    view_burst: float = 60.0
    other_rate: float = 10.0
    other_burst: float = 20.0
    flood_count: int = 100  # this many rate-limited commands ...
    flood_window_s: float = 10.0  # ... within this window close the connection (4008)
    max_rooms: int = 1000


def default_web_dist() -> Path:
    """The built web client, wherever the server runs from: shipped in the package
    (``server/web``, in a wheel), else the repository's ``web_client/dist`` beside the
    ``server`` package (a source checkout or an editable install)."""
    package = Path(__file__).resolve().parent
    shipped = package / "web"
    if (shipped / "index.html").is_file():
        return shipped
    return package.parent / "web_client" / "dist"


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None  # e.g. https://huizhen.example.org; default http://host:port
    data_dir: Path = Path("var")
    web_dist: Path = field(default_factory=default_web_dist)
    signing_keys: tuple[SigningKey, ...] = ()  # first = active
    api_key: str = field(default="", repr=False)
    token_ttl_s: float = 8 * 3600.0  # invites (the refresh credential of a link)
    # What the socket and HTTP routes accept from a link: bought at POST /api/token with the
    # invite and refreshed by the client before it ends, so a leaked one dies within this.
    access_token_ttl_s: float = 600.0
    max_token_ttl_s: float = 7 * 24 * 3600.0
    # Extra wait before a fan-out flush. 0: flush once the inbox is empty — inputs that
    # arrive together (a drag's VOI + pointer) or while a flush runs still share a frame,
    # and nobody waits for a tick (docs/benchmarks.md, fan-out: 2 ms cost ~2 ms p50).
    coalesce_s: float = 0.0
    offline_grace_s: float = 60.0
    room_log_size: int = 4096
    limits: Limits = field(default_factory=Limits)
    redis_url: str | None = None
    # Without Redis: rooms live in <data_dir>/rooms.sqlite3 and survive a restart (or kill -9).
    # "memory": rooms are lost with the process (a throw-away demo, some tests).
    room_store: str = "sqlite"
    # SQLite's synchronous mode for it: FULL fsyncs the WAL at every commit (survives a power
    # cut); NORMAL only at checkpoints (survives kill -9 and crashes of the process, not of the
    # machine) and cuts the latency an ack waits for (docs/benchmarks.md, "Durable rooms").
    room_store_sync: str = "FULL"
    ice_servers: tuple[IceServer, ...] = ()
    # The SFU's host candidates (the addresses browsers send media to). Empty: every
    # interface but loopback (aioice's choice). Pin it on a multi-homed node, or to
    # 127.0.0.1 for a loopback-only test cluster.
    media_addresses: tuple[str, ...] = ()
    # coturn's static-auth-secret: browsers get time-limited TURN credentials (server/sfu/turn)
    turn_secret: str = field(default="", repr=False)
    # A deleted recording's bytes stay this long (a mistaken delete can be undone by an
    # operator), then the periodic purge removes them; the admin API may purge at once.
    recording_retention_s: float = 7 * 24 * 3600.0
    ws_per_message_deflate: bool = False  # small msgpack frames: costs CPU, saves little
    # The audit trail signs with this Ed25519 private key (PEM) instead of an HMAC derived
    # from the token key: verifiers then need only its public key (docs/security/audit.md).
    audit_key_file: Path | None = None
    # One upload (a STOW-RS body), streamed to <data_dir>/uploads, never held in memory.
    max_upload_bytes: int = 1 << 30
    # Bytes of the studies attached to one room that its members' uploads may bring it to
    # (0: no quota). The admin API key is not held to it.
    room_quota_bytes: int = 20 << 30
    # "host:port": /metrics is served there, unauthenticated, and not on the main port;
    # unset: /metrics on the main port needs the admin API key.
    metrics_bind: str | None = None
    # TLS (uvicorn's ssl_certfile/ssl_keyfile): HTTPS + WSS, and HSTS on every answer.
    certfile: Path | None = None
    keyfile: Path | None = None
    log_level: str = "info"

    @property
    def public_base(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.certfile else "http"
        return f"{scheme}://{host}:{self.port}"

    def with_secrets(self) -> Settings:
        """Fill missing signing keys / API key from (or into) ``<data_dir>/secrets.json``."""
        if self.signing_keys and self.api_key:
            return self
        stored = _load_or_create_secrets(self.data_dir)
        keys = self.signing_keys or parse_signing_keys(stored["secret_keys"])
        return replace(self, signing_keys=keys, api_key=self.api_key or stored["api_key"])


def parse_signing_keys(text: str) -> tuple[SigningKey, ...]:
    """``"kid1:secret1,kid2:secret2"`` → keys, the first one active."""
    keys: list[SigningKey] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        kid, sep, secret = item.partition(":")
        if not sep or not kid or len(secret) < 32:
            raise SettingsError("HUIZHEN_SECRET_KEYS: want kid:secret pairs, secrets >= 32 chars")
        keys.append(SigningKey(kid, secret))
    if len({key.kid for key in keys}) != len(keys):
        raise SettingsError("HUIZHEN_SECRET_KEYS: duplicate kid")
    return tuple(keys)


def parse_ice_servers(text: str) -> tuple[IceServer, ...]:
    """A JSON list of RTCIceServer objects, or comma-separated ``stun:``/``turn:`` URLs."""
    text = text.strip()
    if not text:
        return ()
    if text.startswith("["):
        return tuple(_ice_from_json(item) for item in json.loads(text))
    return tuple(IceServer((url.strip(),)) for url in text.split(",") if url.strip())


def parse_addresses(text: str) -> tuple[str, ...]:
    """``"10.0.0.5,192.0.2.7"`` → each one checked to be an IP address."""
    return tuple(
        str(ipaddress.ip_address(part.strip())) for part in text.split(",") if part.strip()
    )


def _ice_from_json(item: Any) -> IceServer:
    urls = item["urls"]
    return IceServer(
        urls=(urls,) if isinstance(urls, str) else tuple(urls),
        username=item.get("username"),
        credential=item.get("credential"),
    )


def _load_or_create_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / SECRETS_FILE
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text())
        return loaded
    data_dir.mkdir(parents=True, exist_ok=True)
    kid = "k" + secrets.token_hex(4)
    fresh = {
        "secret_keys": f"{kid}:{secrets.token_urlsafe(32)}",
        "api_key": secrets.token_urlsafe(32),
    }
    # Create with 0600 from the start: the secret must never be world-readable, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(fresh, out)
    return fresh


def parse_bind(value: str) -> tuple[str, int]:
    """``"127.0.0.1:9100"`` or ``"[::1]:9100"`` → (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"want host:port, got {value!r}")
    return host.strip("[]"), int(port)


def _bind(value: str) -> str:
    parse_bind(value)
    return value


def _room_store(value: str) -> str:
    if value not in ("sqlite", "memory"):
        raise ValueError(f"want sqlite or memory, got {value!r}")
    return value


def _room_store_sync(value: str) -> str:
    if value.upper() not in ("FULL", "NORMAL"):
        raise ValueError(f"want FULL or NORMAL, got {value!r}")
    return value.upper()


_ENV_FIELDS: dict[str, tuple[str, Any]] = {
    "HUIZHEN_HOST": ("host", str),
    "HUIZHEN_PORT": ("port", int),
    "HUIZHEN_PUBLIC_URL": ("public_url", str),
    "HUIZHEN_DATA_DIR": ("data_dir", Path),
    "HUIZHEN_WEB_DIST": ("web_dist", Path),
    "HUIZHEN_SECRET_KEYS": ("signing_keys", parse_signing_keys),
    "HUIZHEN_API_KEY": ("api_key", str),
    "HUIZHEN_TOKEN_TTL": ("token_ttl_s", float),
    "HUIZHEN_ACCESS_TOKEN_TTL": ("access_token_ttl_s", float),
    "HUIZHEN_COALESCE_MS": ("coalesce_s", lambda v: float(v) / 1000.0),
    "HUIZHEN_OFFLINE_GRACE": ("offline_grace_s", float),
    "HUIZHEN_REDIS_URL": ("redis_url", str),
    "HUIZHEN_ROOM_STORE": ("room_store", _room_store),
    "HUIZHEN_ROOM_STORE_SYNC": ("room_store_sync", _room_store_sync),
    "HUIZHEN_ICE_SERVERS": ("ice_servers", parse_ice_servers),
    "HUIZHEN_MEDIA_ADDRESSES": ("media_addresses", parse_addresses),
    "HUIZHEN_TURN_SECRET": ("turn_secret", str),
    "HUIZHEN_LOG_LEVEL": ("log_level", str),
    "HUIZHEN_AUDIT_KEY_FILE": ("audit_key_file", Path),
    "HUIZHEN_RECORDING_RETENTION": ("recording_retention_s", float),
    "HUIZHEN_MAX_UPLOAD_BYTES": ("max_upload_bytes", int),
    "HUIZHEN_ROOM_QUOTA_BYTES": ("room_quota_bytes", int),
    "HUIZHEN_METRICS_BIND": ("metrics_bind", _bind),
    "HUIZHEN_CERTFILE": ("certfile", Path),
    "HUIZHEN_KEYFILE": ("keyfile", Path),
}


def settings_from_env(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults ← ``HUIZHEN_*`` variables ← explicit overrides (CLI options); None means unset."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for name, (attr, convert) in _ENV_FIELDS.items():
        raw = env.get(name)
        if raw:
            try:
                values[attr] = convert(raw)
            except (ValueError, KeyError, TypeError) as exc:
                raise SettingsError(f"{name}: {exc}") from None
    values.update({key: value for key, value in overrides.items() if value is not None})
    if values.get("keyfile") and not values.get("certfile"):
        raise SettingsError("HUIZHEN_KEYFILE (--keyfile) needs HUIZHEN_CERTFILE (--certfile)")
    return Settings(**values)
