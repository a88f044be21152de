"""Helpers shared by the study store tests (imported by name: tests/cases is on sys.path)."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset

from server.cases.store import StudyStore


def real_file(name: str) -> Path:
    path = get_testdata_file(name)
    assert path is not None, f"{name} is not available offline"
    return Path(path)


def encode(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def snapshot(store: StudyStore) -> tuple[object, ...]:
    """Everything observable about a store: its files and its index rows."""
    files = sorted(
        (str(p.relative_to(store.root)), p.read_bytes())
        for p in (store.root / "dicom").rglob("*")
        if p.is_file()
    )
    with store.index.connect() as conn:
        rows = tuple(
            tuple(conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall())
            for t in ("studies", "series", "instances")
        )
    return (tuple(files), rows)


def read(path: Path) -> Dataset:
    return pydicom.dcmread(path)
