"""Fixtures for the study store tests: the generated samples, a fresh store, real test files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
