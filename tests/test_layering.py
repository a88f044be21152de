"""Guard: every module imports only what docs/architecture.md's table allows.

The table ("What may import what") is the one source of truth: this test parses it, then
parses the imports of every module of ``session``, ``recorder``, ``samples`` and ``server``
(type-only imports too: a type is a dependency) and fails on any import the table forbids.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
FIRST_PARTY = ("session", "recorder", "samples", "server")


@dataclass(frozen=True)
class Rule:
    allowed: tuple[str, ...]
    banned: tuple[str, ...]


def _names(cell: str) -> tuple[str, ...]:
    return tuple(re.findall(r"`([a-z_.]+)`", cell))


def parse_table(doc: str) -> dict[str, Rule]:
    section = doc.split("## What may import what", 1)[1].split("\n## ", 1)[0]
    rules: dict[str, Rule] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            (module,) = _names(cells[0])
            rules[module] = Rule(_names(cells[1]), _names(cells[2]))
    return rules


RULES = parse_table(DOC)


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def rule_for(module: str) -> Rule:
    matching = [prefix for prefix in RULES if under(module, prefix)]
    assert matching, f"docs/architecture.md has no row for {module}"
    return RULES[max(matching, key=len)]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.AST) -> set[str]:
    """First-party modules imported; ``from pkg import mod`` counts as ``pkg.mod``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in FIRST_PARTY and _exists(name)}


def _exists(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def violations(module: str, imported: set[str]) -> list[str]:
    rule = rule_for(module)
    return sorted(
        name
        for name in imported
        if not any(under(name, p) for p in rule.allowed)
        or any(under(name, p) and not under(module, p) for p in rule.banned)
    )


SOURCES = sorted(
    path
    for package in FIRST_PARTY
    for path in (ROOT / package).rglob("*.py")
    if "generated" not in path.parts
)


def test_the_table_is_there() -> None:
    assert {"session", "recorder", "server", "server.app"} <= set(RULES)
    assert len(SOURCES) > 100


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_table(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module_name(path)
    assert violations(module, imports(tree)) == [], f"{module} imports across layers"


def test_the_guard_catches_offenders() -> None:
    assert violations("recorder.writer", {"server.appstate", "session.room"}) == ["server.appstate"]
    assert violations("server.ws", {"server.redis.node", "server.rooms"}) == ["server.redis.node"]
    assert violations("server.redis.node", {"server.redis.bridge"}) == []
    assert violations("session.room", {"recorder.format"}) == ["recorder.format"]
