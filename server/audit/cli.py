"""``huizhen audit``: query, export and verify the audit trail.

Two sources: a running server's admin API (``--server``, the default; works for one node
and for a Redis cluster alike), or ``--offline``: the data directory's ``audit.sqlite3`` read
directly (the server may be down; the keys come from the same settings and secrets file).

- ``huizhen audit list``  — entries, filtered; ``--format table|json|csv``, ``--output FILE``;
- ``huizhen audit reads`` — who read which series (or recording): first, last, count;
- ``huizhen audit verify`` — walk every chain; exit 1 naming the first bad entry.

``huizhen token`` (minting offline) records its tokens on the chain ``cli`` of the data dir.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer
from rich.console import Console
from rich.table import Table

from server.audit import ed25519, query
from server.audit.chain import Body, Check, Sign, derive_key, seal_all
from server.audit.hooks import minted_details
from server.audit.store import ChainConflict, SqliteAudit, SqliteAuditFile
from server.cases.store import StudyStore
from server.settings import Settings, settings_from_env
from server.tokens import KeyRing, minted_claims

T = TypeVar("T")
CLI_CHAIN = "cli"
console = Console()
audit_app = typer.Typer(no_args_is_help=True, help="The audit trail (监管): query, export, verify.")

Room = Annotated[str | None, typer.Option(help="Only this room")]
Person = Annotated[str | None, typer.Option(help="Only entries by or about this identity")]
Study = Annotated[str | None, typer.Option(help="Only this StudyInstanceUID")]
Patient = Annotated[str | None, typer.Option(help="Only this PatientID")]
Action = Annotated[str | None, typer.Option(help="Only this action (or prefix: 'annotation')")]
Since = Annotated[str | None, typer.Option(help="From (epoch seconds or ISO 8601, UTC)")]
Until = Annotated[str | None, typer.Option(help="Until (epoch seconds or ISO 8601, UTC)")]
Format = Annotated[str, typer.Option(help="table, json or csv")]
Output = Annotated[Path | None, typer.Option(help="Write to this file instead of the terminal")]
Server = Annotated[str, typer.Option(help="Server base URL (admin API)")]
ApiKey = Annotated[str | None, typer.Option(help="Admin API key [HUIZHEN_API_KEY]")]
Offline = Annotated[bool, typer.Option(help="Read <data dir>/audit.sqlite3, not a server")]
DataDir = Annotated[Path | None, typer.Option(help="Data directory [HUIZHEN_DATA_DIR]")]


def register(app: typer.Typer) -> None:
    """Add ``audit`` to ``huizhen`` (called once from ``server/cli.py``)."""
    app.add_typer(audit_app, name="audit")


class Source:
    """Where the entries come from: the admin API, or the data dir's file."""

    def __init__(self, server: str, api_key: str | None, offline: bool, data_dir: Path | None):
        self.settings = settings_from_env(data_dir=data_dir).with_secrets()
        self.offline = offline
        self.server = server
        self.api_key = api_key or self.settings.api_key
        self.public: dict[str, Check] = {}  # Ed25519 kids -> checks (--public-key)

    def get(self, path: str, params: httpx.QueryParams) -> Any:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        with httpx.Client(base_url=self.server, headers=headers, timeout=60) as client:
            answer = client.get(path, params=params)
        if answer.status_code != 200:
            console.print(f"[red]{answer.status_code}: {answer.text}[/red]")
            raise typer.Exit(2)
        return answer.json()

    def local(self, work: Callable[[SqliteAudit], Awaitable[T]]) -> T:
        async def run() -> T:
            store = await SqliteAudit(self.settings.data_dir).open()
            try:
                return await work(store)
            finally:
                await store.close()

        return asyncio.run(run())

    def key_for(self, kid: str) -> bytes | Check | None:
        if kid in self.public:
            return self.public[kid]
        secret = KeyRing(self.settings.signing_keys).secret(kid)
        return None if secret is None else derive_key(secret)

    def add_public_keys(self, paths: list[Path]) -> None:
        """``--public-key`` files, and the configured private key's own public half."""
        try:
            for path in paths:
                kid, check = ed25519.load_public(path)
                self.public[kid] = check
            if self.settings.audit_key_file is not None:
                own = ed25519.load_private(self.settings.audit_key_file)
                self.public[own.kid] = own.check()
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(str(exc)) from None


def _params(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


def _query(params: dict[str, str]) -> query.Query:
    texts = {k: params.get(k) for k in ("room", "person", "study", "patient", "action")}
    try:
        since = query.parse_time("since", params.get("since"))
        until = query.parse_time("until", params.get("until"))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return query.Query(**texts, since=since, until=until)


def _entries(source: Source, params: dict[str, str]) -> list[query.Row]:
    if source.offline:
        return source.local(lambda store: query.select(store, _query(params)))
    rows: list[query.Row] = source.get("/api/audit", httpx.QueryParams(params))["entries"]
    return rows


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"written to {output}")


@audit_app.command("list")
def list_command(  # noqa: PLR0917 - typer maps parameters to options
    room: Room = None,
    person: Person = None,
    study: Study = None,
    patient: Patient = None,
    action: Action = None,
    since: Since = None,
    until: Until = None,
    format: Format = "table",
    output: Output = None,
    server: Server = "http://127.0.0.1:8000",
    api_key: ApiKey = None,
    offline: Offline = False,
    data_dir: DataDir = None,
) -> None:
    """List (or export) audit entries, oldest first."""
    params = _params(
        room=room,
        person=person,
        study=study,
        patient=patient,
        action=action,
        since=since,
        until=until,
    )
    rows = _entries(Source(server, api_key, offline, data_dir), params)
    if format == "json":
        _emit(json.dumps({"entries": rows}, ensure_ascii=False, indent=1) + "\n", output)
    elif format == "csv":
        _emit(query.to_csv(rows), output)
    else:
        table = Table("time (UTC)", "room", "actor", "role", "action", "subject", "details")
        for row in rows:
            subject = " ".join(f"{k}={v}" for k, v in sorted(row["subject"].items()))
            table.add_row(
                query.iso(row["at"]),
                row.get("room") or "",
                row["actor"],
                row.get("role") or "",
                row["action"],
                subject,
                json.dumps(row["details"], ensure_ascii=False),
            )
        console.print(table)


@audit_app.command("reads")
def reads_command(  # noqa: PLR0917 - typer maps parameters to options
    room: Room = None,
    person: Person = None,
    study: Study = None,
    patient: Patient = None,
    since: Since = None,
    until: Until = None,
    format: Format = "table",
    output: Output = None,
    server: Server = "http://127.0.0.1:8000",
    api_key: ApiKey = None,
    offline: Offline = False,
    data_dir: DataDir = None,
) -> None:
    """Who read which series (or recording): first and last read, how many reads."""
    params = _params(
        room=room, person=person, study=study, patient=patient, since=since, until=until
    )
    reads = query.reads(_entries(Source(server, api_key, offline, data_dir), params))
    if format == "json":
        _emit(json.dumps({"reads": reads}, ensure_ascii=False, indent=1) + "\n", output)
        return
    table = Table(
        "actor", "role", "room", "patient", "study", "series / recording", "first", "last", "count"
    )
    for r in reads:
        s = r["subject"]
        table.add_row(
            r["actor"],
            r.get("role") or "",
            r.get("room") or "",
            s.get("patient", ""),
            s.get("study", ""),
            s.get("series") or s.get("recording", ""),
            query.iso(r["first"]),
            query.iso(r["last"]),
            str(r["count"]),
        )
    console.print(table)


@audit_app.command("verify")
def verify_command(  # noqa: PLR0917 - typer maps parameters to options
    anchor: Annotated[
        list[str] | None, typer.Option(help="A head recorded earlier: chain:seq:hash")
    ] = None,
    public_key: Annotated[
        list[Path] | None, typer.Option(help="Ed25519 public key (PEM) of signed entries")
    ] = None,
    server: Server = "http://127.0.0.1:8000",
    api_key: ApiKey = None,
    offline: Offline = False,
    data_dir: DataDir = None,
) -> None:
    """Walk every chain: hashes, links, signatures. Exit 1 naming the first bad entry."""
    source = Source(server, api_key, offline, data_dir)
    source.add_public_keys(public_key or [])
    try:
        anchors = [query.Anchor.parse(a) for a in anchor or []]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if offline:
        reports = source.local(lambda store: query.verify(store, source.key_for, anchors))
        chains = [query.report_json(r) for r in reports]
    else:
        params = {"anchor": [f"{a.chain}:{a.seq}:{a.hash}" for a in anchors]}
        chains = source.get("/api/audit/verify", httpx.QueryParams(params))["chains"]
    for chain in chains:
        head = chain["head"]
        line = f"chain {chain['chain']}: {chain['entries']} entries verified"
        console.print(f"{line}, head #{head['seq']} {head['hash'][:16]}", highlight=False)
        if chain["problem"] is not None:
            problem = chain["problem"]
            console.print(
                f"[red]FAILED at {chain['chain']} #{problem['seq']}: {problem['reason']}[/red]"
            )
    if not all(c["problem"] is None for c in chains):
        raise typer.Exit(1)
    console.print("[green]audit trail intact[/green]")


@audit_app.command("keygen")
def keygen_command(
    path: Annotated[Path, typer.Argument(help="Where to write the private key (PEM, 0600)")],
) -> None:
    """Make an Ed25519 audit signing key; set HUIZHEN_AUDIT_KEY_FILE to it and give auditors
    the public key printed here (huizhen audit verify --public-key)."""
    try:
        key = ed25519.generate(path)
    except FileExistsError:
        console.print(f"[red]{path} exists: not overwritten[/red]")
        raise typer.Exit(1) from None
    sys.stdout.write(key.public_pem())
    console.print(f"kid {key.kid}; private key in {path}", highlight=False)


def record_cli_mint(settings: Settings, token: str, actor: str = "cli") -> None:
    """``huizhen token``: the minted token on the data dir's ``cli`` chain (offline)."""
    claims = minted_claims(token)  # just minted here: an invite since revocation landed
    subject = {"jti": claims.jti, "participant": claims.sub}
    body = Body(
        time.time(),
        CLI_CHAIN,
        "token.minted",
        actor,
        "admin",
        str(claims.room),
        subject,
        minted_details(claims),
    )
    record_offline(settings, [body])


def record_cli_copies(settings: Settings, store: StudyStore, copies: Iterable[str]) -> None:
    """``huizhen deidentify`` / ``import --deidentify``: each de-identified copy made."""
    bodies = []
    for copy in copies:
        made = store.study(copy)
        source = made.deidentified_from if made is not None else None
        subject = {"study": copy} | ({"source_study": source} if source else {})
        patient = {"patient": made.patient_id} if made is not None else {}
        bodies.append(
            Body(
                time.time(),
                CLI_CHAIN,
                "export.deidentified_copy",
                "cli",
                "admin",
                None,
                subject | patient,
            )
        )
    if bodies:
        record_offline(settings.with_secrets(), bodies)


def record_offline(settings: Settings, bodies: list[Body]) -> None:
    """Append to the data dir's ``cli`` chain without a server (another CLI run at the same
    moment is caught by the store: re-read the head, seal again)."""
    keys = KeyRing(settings.with_secrets().signing_keys)
    kid = keys.active.kid
    key: bytes | Sign = derive_key(keys.active.secret)
    if settings.audit_key_file is not None:
        signer = ed25519.load_private(settings.audit_key_file)
        kid, key = signer.kid, signer.sign
    store = SqliteAuditFile(settings.data_dir)
    try:
        for _ in range(5):
            try:
                store.append(seal_all(bodies, CLI_CHAIN, store.head(CLI_CHAIN), kid, key))
                return
            except ChainConflict:
                continue
        raise ChainConflict(CLI_CHAIN)
    finally:
        store.close()
