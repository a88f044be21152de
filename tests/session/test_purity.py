"""Guard: the room core stays sans-I/O (no event loop, sockets, clocks, logging, media)."""

import ast
from pathlib import Path

import pytest

BANNED = {
    "asyncio",
    "socket",
    "logging",
    "time",
    "datetime",
    "aiortc",
    "av",
    "redis",
    "starlette",
    "uvicorn",
    "websockets",
    "threading",
}
SOURCES = sorted((Path(__file__).resolve().parents[2] / "session").glob("*.py"))


def imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def clock_calls(tree: ast.AST) -> list[int]:
    """Lines calling ``time.time()`` (or any ``*.time()`` / ``*.monotonic()`` attribute call)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"time", "monotonic", "perf_counter", "now", "utcnow"}
    ]


def test_the_package_has_modules():
    assert len(SOURCES) > 5


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_banned_imports_or_clock_reads(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert imported_roots(tree) & BANNED == set()
    assert clock_calls(tree) == []


def test_the_guard_catches_offenders():
    tree = ast.parse("import asyncio\nfrom time import time\nimport os.path\nx = time.time()\n")
    assert imported_roots(tree) & BANNED == {"asyncio", "time"}
    assert clock_calls(tree) == [4]
