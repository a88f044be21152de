"""``huizhen studies rooms|own|share|unshare``: who may reach a stored study, for operators.

Works on the store in ``--data-dir`` directly (SQLite, safe beside a running server), like
``huizhen import``. ``own`` names an owner room (for a study imported without ``--room``, or
stored before ownership existed); ``share`` lets another room attach and read it; ``unshare``
takes that back (a room that has it attached keeps it until detached). See
``server.cases.ownership`` and docs/dicomweb.md, "Ownership and sharing".
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from server.cases.store import Access, StudyStore
from server.settings import settings_from_env

studies_app = typer.Typer(no_args_is_help=True, help="Who owns and shares stored studies.")
StudyUid = Annotated[str, typer.Argument(help="Study Instance UID in the store")]
Room = Annotated[str, typer.Argument(help="Room id")]
DataDir = Annotated[Path | None, typer.Option(help="Data directory [HUIZHEN_DATA_DIR]")]


def register(app: typer.Typer) -> None:
    app.add_typer(studies_app, name="studies")


@studies_app.command("rooms")
def rooms_command(study_uid: StudyUid, data_dir: DataDir = None) -> None:
    """List the rooms that own the study and those it is shared with."""
    store = _store_with(study_uid, data_dir)
    rooms = store.rooms_of(study_uid)
    if not rooms:
        typer.echo(f"{study_uid}: unowned (only the API key reaches it)")
    for room, access in rooms.items():
        typer.echo(f"{room}\t{access.value}")  # one line a room, tab-separated: for scripts


@studies_app.command("own")
def own_command(study_uid: StudyUid, room: Room, data_dir: DataDir = None) -> None:
    """Make ROOM an owner of the study: it may attach it, upload into it and share it."""
    _store_with(study_uid, data_dir).grant(study_uid, room, Access.OWNER)
    typer.echo(f"{room} owns {study_uid}")


@studies_app.command("share")
def share_command(study_uid: StudyUid, room: Room, data_dir: DataDir = None) -> None:
    """Share the study with ROOM: it may attach and read it, not upload into it."""
    _store_with(study_uid, data_dir).grant(study_uid, room, Access.SHARED)
    typer.echo(f"{study_uid} is shared with {room}")


@studies_app.command("unshare")
def unshare_command(study_uid: StudyUid, room: Room, data_dir: DataDir = None) -> None:
    """Take a share back (exit 1 if there was none; an owner stays an owner)."""
    if not _store_with(study_uid, data_dir).unshare(study_uid, room):
        typer.echo(f"{study_uid} is not shared with {room}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{study_uid} is no longer shared with {room}")


def _store_with(study_uid: str, data_dir: Path | None) -> StudyStore:
    """The store, if it holds the study; else exit 1."""
    from server.cases.cli import store_root  # noqa: PLC0415 - cli imports this module

    store = StudyStore(store_root(settings_from_env(data_dir=data_dir).data_dir))
    if store.study(study_uid) is None:
        typer.echo(f"{study_uid}: not in the store", err=True)
        raise typer.Exit(1)
    return store
