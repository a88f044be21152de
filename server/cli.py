"""``huizhen`` command line: serve, mint tokens, manage rooms of a running server.

Feature CLIs register themselves with one line at the bottom (``register(app)``).
"""

from __future__ import annotations

import gc
import logging
import re
from pathlib import Path
from typing import Annotated

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from starlette.applications import Starlette

from server.app import DEMO_ROOM, create_app
from server.audit.cli import record_cli_mint
from server.durable.restart import RestartingServer
from server.settings import Settings, settings_from_env
from server.tokens import KeyRing, TokenKind, mint_room_token
from session.grants import Role
from session.ids import ParticipantId, RoomId

app = typer.Typer(no_args_is_help=True, help="huizhen 会诊: real-time imaging teleconsultation.")
rooms_app = typer.Typer(no_args_is_help=True, help="Rooms of a running server (admin API).")
app.add_typer(rooms_app, name="rooms")
console = Console()

DataDir = Annotated[Path | None, typer.Option(help="Data directory [env HUIZHEN_DATA_DIR]")]
DEMO_PEOPLE = (
    ("host", "Lead expert", Role.HOST),
    ("county-doctor", "County doctor", Role.PARTICIPANT),
    ("trainee", "Trainee", Role.OBSERVER),
)


class RedactTokens(logging.Filter):
    """Belt and braces: tokens never travel in URLs, but if one does, keep it out of logs."""

    _TOKEN = re.compile(r"(token=)[^&\s\"']+", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self._TOKEN.sub(r"\1<redacted>", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


def uvicorn_config(settings: Settings, app: Starlette) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        ws_per_message_deflate=settings.ws_per_message_deflate,
        # The library's hard cap; the app enforces the protocol limit itself (close 1009).
        ws_max_size=4 * settings.limits.max_frame_bytes,
        lifespan="on",
        log_level=settings.log_level,
        server_header=False,
        # TLS: HTTPS and WSS on the same port; server.hardening adds HSTS to every answer.
        ssl_certfile=str(settings.certfile) if settings.certfile else None,
        ssl_keyfile=str(settings.keyfile) if settings.keyfile else None,
    )


def invite_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base}/join#token={token}"


@app.command()
def serve(  # noqa: PLR0917 - typer maps parameters to options
    host: Annotated[str | None, typer.Option(help="Bind address [HUIZHEN_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [HUIZHEN_PORT]")] = None,
    data_dir: DataDir = None,
    public_url: Annotated[str | None, typer.Option(help="Public base URL for links")] = None,
    demo: Annotated[bool, typer.Option(help="Create room 'demo' and print invite links")] = False,
    redis: Annotated[
        str | None, typer.Option(help="Run as one of several nodes over Redis [HUIZHEN_REDIS_URL]")
    ] = None,
    certfile: Annotated[
        Path | None,
        typer.Option(help="TLS certificate chain (PEM): serve HTTPS [HUIZHEN_CERTFILE]"),
    ] = None,
    keyfile: Annotated[
        Path | None, typer.Option(help="TLS private key (PEM) [HUIZHEN_KEYFILE]")
    ] = None,
) -> None:
    """Run the server."""
    settings = settings_from_env(
        host=host,
        port=port,
        data_dir=data_dir,
        public_url=public_url,
        redis_url=redis,
        certfile=certfile,
        keyfile=keyfile,
    ).with_secrets()
    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(RedactTokens())
    if demo:
        _print_demo_links(settings)
    console.print(f"huizhen on [bold]{settings.public_base}[/bold]  (data: {settings.data_dir})")
    web_app = create_app(settings, demo=demo)
    config = uvicorn_config(settings, web_app)
    # Everything imported so far (pydicom, numpy, aiortc, ...) lives as long as the process:
    # out of the collector's sight, each full collection scans ~3x fewer objects (a 120 ms
    # pause at 1000 listeners became ~35 ms; docs/benchmarks.md, fan-out, round 2).
    gc.collect()
    gc.freeze()
    RestartingServer(config, web_app).run()  # SIGTERM: clients get 1012 + resume_from


def _print_demo_links(settings: Settings) -> None:
    keys = KeyRing(settings.signing_keys)
    console.rule("Demo consultation: open each link in its own browser window")
    for identity, name, role in DEMO_PEOPLE:
        token = mint_room_token(
            keys,
            room=DEMO_ROOM,
            identity=ParticipantId(identity),
            name=name,
            role=role,
            ttl_s=settings.token_ttl_s,
            kind=TokenKind.INVITE,
        )
        console.print(f"[bold]{name}[/bold] ({role.value})")
        # Never wrapped or folded: the link must survive copy and paste.
        console.print(invite_url(settings, token), soft_wrap=True, highlight=False, markup=False)
    console.rule()


@app.command()
def token(  # noqa: PLR0917 - typer maps parameters to options
    room: Annotated[str, typer.Option(help="Room id")],
    name: Annotated[str, typer.Option(help="Display name")],
    role: Annotated[Role, typer.Option(help="Role")] = Role.PARTICIPANT,
    identity: Annotated[str | None, typer.Option(help="Identity (default: from name)")] = None,
    ttl: Annotated[float | None, typer.Option(help="Lifetime in seconds")] = None,
    data_dir: DataDir = None,
    public_url: Annotated[str | None, typer.Option(help="Public base URL for links")] = None,
) -> None:
    """Mint an invite with this server's keys and print it with its link (the browser buys
    short access tokens with it; ``huizhen tokens revoke --jti`` ends it)."""
    settings = settings_from_env(data_dir=data_dir, public_url=public_url).with_secrets()
    who = identity or re.sub(r"[^\x21-\x7e]+", "-", name.strip()).strip("-")[:64] or "guest"
    minted = mint_room_token(
        KeyRing(settings.signing_keys),
        room=RoomId(room),
        identity=ParticipantId(who),
        name=name,
        role=role,
        ttl_s=ttl or settings.token_ttl_s,
        kind=TokenKind.INVITE,
    )
    record_cli_mint(settings, minted)  # the audit trail's "cli" chain in the data dir
    console.print(minted, soft_wrap=True, highlight=False)
    console.print(invite_url(settings, minted), soft_wrap=True, highlight=False)


ServerUrl = Annotated[str, typer.Option(help="Server base URL")]
ApiKey = Annotated[str | None, typer.Option(help="Admin API key [HUIZHEN_API_KEY]")]


def _admin(server: str, api_key: str | None, data_dir: Path | None) -> httpx.Client:
    key = api_key or settings_from_env(data_dir=data_dir).with_secrets().api_key
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {key}"}, timeout=10)


@rooms_app.command("list")
def rooms_list(
    server: ServerUrl = "http://127.0.0.1:8000", api_key: ApiKey = None, data_dir: DataDir = None
) -> None:
    """List rooms."""
    with _admin(server, api_key, data_dir) as client:
        response = client.get("/api/rooms")
    response.raise_for_status()
    table = Table("id", "title", "closed", "online", "seq")
    for room in response.json()["rooms"]:
        online = sum(1 for p in room["participants"] if p["online"])
        table.add_row(room["id"], room["title"], str(room["closed"]), str(online), str(room["seq"]))
    console.print(table)


@rooms_app.command("create")
def rooms_create(
    room_id: Annotated[str | None, typer.Argument(help="Room id (default: random)")] = None,
    title: Annotated[str, typer.Option(help="Title")] = "",
    server: ServerUrl = "http://127.0.0.1:8000",
    api_key: ApiKey = None,
    data_dir: DataDir = None,
) -> None:
    """Create a room."""
    body = {"title": title} | ({"id": room_id} if room_id else {})
    with _admin(server, api_key, data_dir) as client:
        response = client.post("/api/rooms", json=body)
    if response.status_code >= 400:
        console.print(f"[red]{response.json().get('message', response.text)}[/red]")
        raise typer.Exit(1)
    console.print(f"created room [bold]{response.json()['id']}[/bold]")


@rooms_app.command("watermark")
def rooms_watermark(
    room_id: Annotated[str, typer.Argument(help="Room id")],
    state: Annotated[str, typer.Argument(help="on or off")],
    server: ServerUrl = "http://127.0.0.1:8000",
    api_key: ApiKey = None,
    data_dir: DataDir = None,
) -> None:
    """Switch a room's identity watermark on or off (docs/security/watermark.md)."""
    if state not in ("on", "off"):
        console.print("[red]the state is on or off[/red]")
        raise typer.Exit(2)
    with _admin(server, api_key, data_dir) as client:
        response = client.put(f"/api/rooms/{room_id}/watermark", json={"watermark": state == "on"})
    if response.status_code >= 400:
        console.print(f"[red]{response.json().get('message', response.text)}[/red]")
        raise typer.Exit(1)
    console.print(f"room [bold]{room_id}[/bold]: watermark {state}")


# --- feature CLIs: one line each ---------------------------------------------------------------
from server.cases.cli import register as register_cases  # noqa: E402

register_cases(app)

from server.webhooks.cli import register as register_webhooks  # noqa: E402

register_webhooks(app)
from server.audit.cli import register as register_audit  # noqa: E402

register_audit(app)
from server.tokens_cli import register as register_tokens  # noqa: E402

register_tokens(app)
