"""``huizhen tokens``: the revocation list of a running server (admin API, API key).

``revoke --jti J`` ends one invite (and the access tokens bought with it) or one token;
``--room R`` every token of a room issued until now; ``--identity I [--room R]`` one person's
tokens (in one room, or everywhere). ``revoked`` lists the live entries, ``unrevoke ID`` lifts
one. Registered on the ``huizhen`` app by ``server.cli`` (one line).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from server.settings import settings_from_env

console = Console()
tokens_app = typer.Typer(no_args_is_help=True, help="Token revocation on a running server.")

ServerUrl = Annotated[str, typer.Option(help="Server base URL")]
ApiKey = Annotated[str | None, typer.Option(help="Admin API key [HUIZHEN_API_KEY]")]
DataDir = Annotated[Path | None, typer.Option(help="Data directory [env HUIZHEN_DATA_DIR]")]
DEFAULT_SERVER = "http://127.0.0.1:8000"


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")


def _admin(server: str, api_key: str | None, data_dir: Path | None) -> httpx.Client:
    key = api_key or settings_from_env(data_dir=data_dir).with_secrets().api_key
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def _checked(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        console.print(f"[red]{response.json().get('message', response.text)}[/red]")
        raise typer.Exit(1)
    return response.json() if response.content else None


@tokens_app.command("revoke")
def revoke(  # noqa: PLR0917 - typer maps parameters to options
    jti: Annotated[str | None, typer.Option(help="One token or invite (its jti)")] = None,
    room: Annotated[str | None, typer.Option(help="Every token of this room")] = None,
    identity: Annotated[str | None, typer.Option(help="Every token of this person")] = None,
    reason: Annotated[str, typer.Option(help="Why (kept with the entry)")] = "",
    server: ServerUrl = DEFAULT_SERVER,
    api_key: ApiKey = None,
    data_dir: DataDir = None,
) -> None:
    """Revoke tokens by jti, by room, or by identity (in --room, or everywhere)."""
    named = {"jti": jti, "room": room, "identity": identity}
    body = {k: v for k, v in named.items() if v is not None} | {"reason": reason}
    with _admin(server, api_key, data_dir) as client:
        entry = _checked(client.post("/api/revocations", json=body))
    console.print(f"revoked: [bold]{entry['id']}[/bold] ({entry['scope']})")


@tokens_app.command("revoked")
def revoked(
    server: ServerUrl = DEFAULT_SERVER, api_key: ApiKey = None, data_dir: DataDir = None
) -> None:
    """List the revocations in force."""
    with _admin(server, api_key, data_dir) as client:
        entries = _checked(client.get("/api/revocations"))["revocations"]
    table = Table("id", "scope", "jti", "room", "identity", "revoked at", "until", "reason")
    for e in entries:
        cells = (e["jti"], e["room"], e["identity"])
        table.add_row(e["id"], e["scope"], *(c or "" for c in cells), *_times(e), e["reason"])
    console.print(table)


@tokens_app.command("unrevoke")
def unrevoke(
    entry_id: Annotated[str, typer.Argument(help="The revocation's id (see `revoked`)")],
    server: ServerUrl = DEFAULT_SERVER,
    api_key: ApiKey = None,
    data_dir: DataDir = None,
) -> None:
    """Lift one revocation."""
    with _admin(server, api_key, data_dir) as client:
        _checked(client.delete(f"/api/revocations/{entry_id}"))
    console.print(f"lifted: [bold]{entry_id}[/bold]")


def _times(entry: dict[str, Any]) -> tuple[str, str]:
    def utc(t: float) -> str:
        return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d %H:%M:%SZ")

    return utc(entry["revoked_at"]), utc(entry["expires_at"])
