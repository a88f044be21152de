"""Shared fixtures; the helpers behind them are in ``tests/livetools.py``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from livetools import LiveServer, free_port, make_settings, run_live_server

__all__ = ["LiveServer", "free_port", "make_settings", "run_live_server"]


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """``factory(hooks=..., demo=..., **settings_overrides) -> LiveServer`` (stopped after)."""
    with contextlib.ExitStack() as stack:

        def factory(*, hooks: Any = None, demo: bool = False, **overrides: Any) -> LiveServer:
            settings = make_settings(tmp_path, **overrides)
            return stack.enter_context(run_live_server(settings, hooks=hooks, demo=demo))

        yield factory


@pytest.fixture
def live_server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    return live_server_factory()
