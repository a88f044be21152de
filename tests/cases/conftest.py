"""Fixtures for the study store tests: the generated samples, a fresh store, real test files."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset

from samples import SamplePaths, ensure_samples
from server.cases.store import Limits, StudyStore


@pytest.fixture(scope="session")
def samples() -> SamplePaths:
    return ensure_samples()


@pytest.fixture
def store(tmp_path: Path) -> StudyStore:
    return StudyStore(tmp_path / "store")


@pytest.fixture
def make_store(tmp_path: Path) -> Callable[..., StudyStore]:
    def make(**limits: int | float) -> StudyStore:
        return StudyStore(tmp_path / "limited", Limits(**limits))  # type: ignore[arg-type]

    return make


def testdata(name: str) -> Path:
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
