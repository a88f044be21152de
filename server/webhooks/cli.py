"""``huizhen webhooks add/list/remove/log``: the webhook admin API of a running server."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from server.settings import settings_from_env
from server.webhooks.events import WebhookEvent
from server.webhooks.store import DeliveryStatus

webhooks_app = typer.Typer(no_args_is_help=True, help="Webhooks of a running server (admin API).")
console = Console()

ServerUrl = Annotated[str, typer.Option(help="Server base URL")]
ApiKey = Annotated[str | None, typer.Option(help="Admin API key [HUIZHEN_API_KEY]")]
DataDir = Annotated[Path | None, typer.Option(help="Data directory [env HUIZHEN_DATA_DIR]")]
DEFAULT_SERVER = "http://127.0.0.1:8000"


def register(app: typer.Typer) -> None:
    """Add ``webhooks`` to ``huizhen`` (called once from ``server/cli.py``)."""
    app.add_typer(webhooks_app, name="webhooks")


def _call(
    method: str, path: str, server: str, api_key: str | None, data_dir: Path | None, **kw: Any
) -> httpx.Response:
    key = api_key or settings_from_env(data_dir=data_dir).with_secrets().api_key
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server, headers=headers, timeout=10) as client:
        response = client.request(method, path, **kw)
    if response.status_code >= 400:
        console.print(f"[red]{response.json().get('message', response.text)}[/red]")
        raise typer.Exit(1)
    return response


def _when(at: float | None) -> str:
    if at is None:
        return ""
    return datetime.datetime.fromtimestamp(at, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


@webhooks_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Where to POST (http or https)")],
    event: Annotated[
        list[WebhookEvent] | None, typer.Option(help="Only these events (repeat; default: all)")
    ] = None,
    server: ServerUrl = DEFAULT_SERVER,
    api_key: ApiKey = None,
    data_dir: DataDir = None,
) -> None:
    """Register an endpoint; prints its signing secret (shown once)."""
    body = {"url": url, "events": [e.value for e in event or []]}
    made = _call("POST", "/api/webhooks", server, api_key, data_dir, json=body).json()
    console.print(f"endpoint [bold]{made['id']}[/bold] → {made['url']}")
    console.print("signing secret (store it now, it is not shown again):")
    console.print(made["secret"], soft_wrap=True, highlight=False, markup=False)


@webhooks_app.command("list")
def list_endpoints(
    server: ServerUrl = DEFAULT_SERVER, api_key: ApiKey = None, data_dir: DataDir = None
) -> None:
    """List the registered endpoints."""
    listed = _call("GET", "/api/webhooks", server, api_key, data_dir).json()["endpoints"]
    table = Table("id", "url", "events", "created (UTC)")
    for e in listed:
        events = ", ".join(e["events"]) or "all"
        table.add_row(e["id"], e["url"], events, _when(e["created_at"]))
    console.print(table)


@webhooks_app.command("remove")
def remove(
    endpoint_id: Annotated[str, typer.Argument(help="Endpoint id (from `webhooks list`)")],
    server: ServerUrl = DEFAULT_SERVER,
    api_key: ApiKey = None,
    data_dir: DataDir = None,
) -> None:
    """Remove an endpoint; its pending deliveries are cancelled."""
    _call("DELETE", f"/api/webhooks/{endpoint_id}", server, api_key, data_dir)
    console.print(f"removed {endpoint_id}")


@webhooks_app.command("log")
def delivery_log(  # noqa: PLR0917 - typer maps parameters to options
    endpoint: Annotated[str | None, typer.Option(help="Only this endpoint")] = None,
    status: Annotated[DeliveryStatus | None, typer.Option(help="Only this status")] = None,
    limit: Annotated[int, typer.Option(help="Newest N deliveries")] = 50,
    server: ServerUrl = DEFAULT_SERVER,
    api_key: ApiKey = None,
    data_dir: DataDir = None,
) -> None:
    """The delivery log, newest first: status, attempts, last answer or error."""
    params: dict[str, str | int] = {"limit": limit}
    if endpoint:
        params["endpoint"] = endpoint
    if status:
        params["status"] = status.value
    rows = _call("GET", "/api/webhooks/deliveries", server, api_key, data_dir, params=params)
    table = Table("id", "endpoint", "event", "event id", "status", "attempts", "last", "updated")
    for d in rows.json()["deliveries"]:
        last = str(d["last_status"] or "") + (f" {d['last_error']}" if d["last_error"] else "")
        table.add_row(
            str(d["id"]),
            d["endpoint"],
            d["event"],
            d["event_id"],
            d["status"],
            str(d["attempts"]),
            last.strip(),
            _when(d["updated_at"]),
        )
    console.print(table)
