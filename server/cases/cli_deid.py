"""The de-identification half of ``huizhen import --deidentify`` and ``huizhen deidentify``.

Options: ``--dates shifted|full|removed`` (Retain Longitudinal Temporal Information with a
per-study date shift — the default —, full dates, or the basic profile's removal),
``--patient-characteristics`` (Retain Patient Characteristics: age, sex, size, weight...),
``--redact SERIES=x,y,w,h[;x,y,w,h...]`` (set a series' burned-in text rectangles before
copying; repeatable). The report lists every redacted and every held-back instance; a held-back
instance is reported as a rejected input (code ``burned_in_annotation``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from server.cases.deid_copy import DeidOutcome
from server.cases.deid_rules import Dates, Options
from server.cases.errors import BadInput, DeidentificationRefused, InputCode
from server.cases.redact import RedactionError, RedactionPlan, check_rectangles
from server.cases.store import StudyStore

DatesOption = Annotated[
    Dates, typer.Option(help="Dates: shifted per study (default), full, or removed")
]
CharacteristicsOption = Annotated[
    bool, typer.Option(help="Retain patient characteristics (age, sex, size, weight...)")
]
RedactOption = Annotated[
    list[str] | None,
    typer.Option(help="SERIES_UID=x,y,w,h[;x,y,w,h]: blank these pixels of a series"),
]


def apply_redactions(store: StudyStore, specs: list[str] | None) -> None:
    """Store the ``--redact`` rectangles (a bad spec is a usage error, exit 2)."""
    plan = RedactionPlan(store.root)
    for spec in specs or []:
        series, _, boxes = spec.partition("=")
        try:
            rects = check_rectangles(
                [[int(n) for n in box.split(",")] for box in boxes.split(";") if box]
            )
        except (ValueError, RedactionError) as exc:
            raise typer.BadParameter(f"--redact {spec!r}: {exc}") from None
        if not series or not rects:
            raise typer.BadParameter(f"--redact {spec!r}: expected SERIES_UID=x,y,w,h")
        plan.set(series, rects)


def deidentify_studies(
    store: StudyStore, studies: tuple[str, ...], options: Options, console: Console
) -> tuple[tuple[str, ...], tuple[BadInput, ...]]:
    """De-identified copies of ``studies``: (their UIDs, held-back instances as errors)."""
    copies: list[str] = []
    refused: list[BadInput] = []
    for uid in studies:
        try:
            outcome = store.deidentify(uid, options)
        except DeidentificationRefused as exc:
            refused += [_held(sop, str(exc)) for sop in exc.sop_uids]
            console.print(f"[red]{uid}: {exc.code.value}: {exc}[/red]")
            continue
        _print_outcome(outcome, console)
        refused += [_held(h.sop_uid, h.reason) for h in outcome.held_back]
        copies.append(outcome.study.study_uid)
    return tuple(copies), tuple(refused)


def _held(sop: str, reason: str) -> BadInput:
    return BadInput(sop, InputCode.BURNED_IN_ANNOTATION, f"held back: {reason}")


def _print_outcome(outcome: DeidOutcome, console: Console) -> None:
    for red in outcome.redacted:
        console.print(f"redacted {red.sop_uid} -> {red.copy_uid}: {list(red.rectangles)}")
    for held in outcome.held_back:
        console.print(f"[yellow]held back {held.sop_uid}: {held.reason}[/yellow]")
    source = outcome.study.deidentified_from
    console.print(f"de-identified copy of {source}: [bold]{outcome.study.study_uid}[/bold]")
