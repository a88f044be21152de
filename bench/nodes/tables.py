"""Markdown tables for ``docs/benchmarks.md`` (one helper for every table of ``bench/nodes``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def joined(values: object) -> str:
    """A list cell: ``[7.6, 4.0]`` → ``7.6, 4.0``."""
    assert isinstance(values, Iterable)
    return ", ".join(str(x) for x in values)


def markdown_table(header: Sequence[str], align: str, rows: Iterable[Sequence[object]]) -> str:
    """``align``: one character per column, ``r`` right-aligned (numbers) or ``l``."""
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [_row(header), _row(rule)]
    lines += [_row([str(cell) for cell in row]) for row in rows]
    return "\n".join(lines)


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"
