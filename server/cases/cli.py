"""``huizhen import PATH... [--room ROOM]``: import studies into the store, with a progress bar.

Exit code 0 when every DICOM input was imported (or already stored), 1 when any input was
rejected (each is listed with its name, code and reason) or an instance was held back from a
de-identified copy, 2 when attaching to the room failed. Non-DICOM files met while walking a
folder (PNGs, READMEs) are skipped and listed as notices, as are instances stored without a
decoder here ("not renderable") and warnings the DICOM library raised — those are rows of the
report, never tracebacks on the terminal, and never a reason to fail.
``--deidentify`` makes a de-identified teaching copy of each imported study (PS3.15 Table
E.1-1, see ``deid.py`` and ``cli_deid.py`` for the options and redaction) and attaches the
copies instead.
With ``--room`` the room becomes an owner of the imported studies (and of their copies), so
its members may attach them (``server.cases.ownership``; without it, new studies stay
unowned: admin-only). With ``--room`` and ``--server`` the imported studies are attached to
that room of a running server through its admin API (``POST /api/rooms/{room}/studies``);
without ``--server`` the studies are only imported (the store is shared through
``--data-dir``).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from server.audit.cli import record_cli_copies
from server.cases.cli_deid import (
    CharacteristicsOption,
    DatesOption,
    RedactOption,
    apply_redactions,
    deidentify_studies,
)
from server.cases.deid_rules import Dates, Options
from server.cases.errors import BadInput, ImportNotice, NoticeCode
from server.cases.store import Access, ImportReport, Limits, StudyStore, Uploader
from server.settings import settings_from_env

STORE_SUBDIR = "studies"  # the same folder the DICOMweb service opens


def store_root(data_dir: Path) -> Path:
    """Where the study store lives inside the server's data directory."""
    return data_dir / STORE_SUBDIR


def register(app: typer.Typer) -> None:
    """Add ``import``, ``deidentify`` and ``studies`` to ``huizhen`` (once, ``server/cli.py``)."""
    from server.cases import cli_owners  # noqa: PLC0415 - it imports store_root from here

    app.command("import")(import_command)
    app.command("deidentify")(deidentify_command)
    cli_owners.register(app)


def import_command(  # noqa: PLR0917 - typer maps parameters to options
    paths: Annotated[list[Path], typer.Argument(help="Files, folders, zip archives, DICOMDIRs")],
    room: Annotated[
        str | None, typer.Option(help="Owner room of the studies; attached with --server")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data directory [HUIZHEN_DATA_DIR]")] = None,
    server: Annotated[str | None, typer.Option(help="Running server for --room")] = None,
    api_key: Annotated[str | None, typer.Option(help="Admin API key [HUIZHEN_API_KEY]")] = None,
    max_file_size: Annotated[int | None, typer.Option(help="Reject bigger files (bytes)")] = None,
    verify_pixels: Annotated[
        bool,
        typer.Option(help="Also decode frame 1 of every image; flag (not refuse) failures"),
    ] = False,
    deidentify: Annotated[
        bool, typer.Option(help="Also make de-identified teaching copies (attached instead)")
    ] = False,
    dates: DatesOption = Dates.SHIFTED,
    patient_characteristics: CharacteristicsOption = False,
    redact: RedactOption = None,
) -> None:
    """Import DICOM studies into the store (each valid instance is kept)."""
    console = Console()
    settings = settings_from_env(data_dir=data_dir)
    limits = Limits(decode_first_frame=verify_pixels)
    if max_file_size is not None:
        limits = replace(limits, max_file_size=max_file_size)
    store = StudyStore(store_root(settings.data_dir), limits)
    owner = Uploader(room, enforce=False) if room is not None else None
    report = _import_with_progress(store, paths, console, owner)
    _print_report(store, report, console)
    studies = report.studies
    if deidentify:
        apply_redactions(store, redact)
        options = Options(dates=dates, patient_characteristics=patient_characteristics)
        studies, refused = deidentify_studies(store, studies, options, console)
        record_cli_copies(settings, store, studies)  # the audit trail's "cli" chain
        report = replace(report, errors=report.errors + refused)
        if room is not None:
            for copy in studies:
                store.grant(copy, room, Access.OWNER)
    attach_failed = False
    if room is not None and studies:
        if server is None:
            console.print(f"no --server given: studies imported, not attached to room {room!r}")
        else:
            key = api_key or settings.with_secrets().api_key
            attach_failed = not _attach(server, key, room, studies, console)
    if report.errors:
        raise typer.Exit(1)
    if attach_failed:
        raise typer.Exit(2)


def deidentify_command(
    study_uids: Annotated[list[str], typer.Argument(help="Study Instance UIDs in the store")],
    data_dir: Annotated[Path | None, typer.Option(help="Data directory [HUIZHEN_DATA_DIR]")] = None,
    dates: DatesOption = Dates.SHIFTED,
    patient_characteristics: CharacteristicsOption = False,
    redact: RedactOption = None,
) -> None:
    """Store de-identified teaching copies of stored studies and print their UIDs."""
    console = Console()
    settings = settings_from_env(data_dir=data_dir)
    store = StudyStore(store_root(settings.data_dir))
    missing = [uid for uid in study_uids if store.study(uid) is None]
    for uid in missing:
        console.print(f"[red]{uid}: not in the store[/red]")
    found = tuple(uid for uid in study_uids if uid not in missing)
    apply_redactions(store, redact)
    options = Options(dates=dates, patient_characteristics=patient_characteristics)
    copies, refused = deidentify_studies(store, found, options, console)
    record_cli_copies(settings, store, copies)  # the audit trail's "cli" chain
    if missing or refused:
        raise typer.Exit(1)


def _import_with_progress(
    store: StudyStore, paths: list[Path], console: Console, owner: Uploader | None
) -> ImportReport:
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("import", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report = store.import_paths(paths, progress=advance, owner=owner)
    rows = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    notes = [ImportNotice("(import)", NoticeCode.LIBRARY_WARNING, row) for row in rows]
    return replace(report, notices=report.notices + tuple(notes))


def _print_report(store: StudyStore, report: ImportReport, console: Console) -> None:
    summary = Table(title="Imported studies")
    for column in ("study", "patient", "date", "modalities", "series", "instances"):
        summary.add_column(column, overflow="fold")
    for uid in report.studies:
        study = store.study(uid)
        if study is not None:
            summary.add_row(
                uid,
                study.patient_name,
                study.study_date,
                ",".join(study.modalities),
                str(study.series_count),
                str(study.instance_count),
            )
    console.print(summary)
    skipped = sum(1 for n in report.notices if n.code is NoticeCode.SKIPPED)
    console.print(
        f"new instances: {len(report.imported)}  already stored: {len(report.duplicates)}"
        f"  rejected: {len(report.errors)}  skipped (not DICOM): {skipped}"
    )
    if report.notices:
        console.print(_rows_table("Notices (stored or skipped, not refused)", report.notices, ""))
    if report.errors:
        console.print(_rows_table("Rejected inputs", report.errors, "bold red"))


def _rows_table(
    title: str, rows: tuple[ImportNotice, ...] | tuple[BadInput, ...], style: str
) -> Table:
    table = Table(title=title, title_style=style)
    for column in ("name", "code", "reason"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.name, row.code.value, row.reason)
    return table


def _attach(server: str, key: str, room: str, studies: tuple[str, ...], console: Console) -> bool:
    headers = {"Authorization": f"Bearer {key}"}
    ok = True
    with httpx.Client(base_url=server, headers=headers, timeout=10) as client:
        for uid in studies:
            try:
                response = client.post(f"/api/rooms/{room}/studies", json={"uid": uid})
            except httpx.HTTPError as exc:
                console.print(f"[red]attaching {uid} to {room}: {exc}[/red]")
                return False
            if response.status_code == 409 and response.json().get("code") == "conflict":
                console.print(f"{uid} was already attached to room [bold]{room}[/bold]")
            elif response.status_code >= 400:
                console.print(f"[red]attaching {uid} to {room}: {response.text}[/red]")
                ok = False
            else:
                console.print(f"attached {uid} to room [bold]{room}[/bold]")
    return ok
