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
from hypothesis import HealthCheck, settings

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


# Hypothesis's per-example deadline is a wall-clock assertion: under coverage tracing on a
# loaded 2-core machine one example took 550 ms against the default 200 ms. Speed is for bench/.
settings.register_profile("huizhen", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("huizhen")
