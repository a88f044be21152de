"""Shared fixtures; the helpers behind them are in ``tests/livetools.py``.

``livetools`` (and with it the whole server) is imported only when a fixture needs it, so
``pytest tests/session`` runs the pure core's tests without starlette, aiortc or Redis.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from livetools import LiveServer


@pytest.fixture
def port() -> int:
    from livetools import free_port  # late: see the module docstring

    return free_port()


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """``factory(hooks=..., demo=..., **settings_overrides) -> LiveServer`` (stopped after)."""
    from livetools import make_settings, run_live_server  # late: see the module docstring

    with contextlib.ExitStack() as stack:

        def factory(*, hooks: Any = None, demo: bool = False, **overrides: Any) -> LiveServer:
            settings = make_settings(tmp_path, **overrides)
            return stack.enter_context(run_live_server(settings, hooks=hooks, demo=demo))

        yield factory


@pytest.fixture
def live_server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    return live_server_factory()
