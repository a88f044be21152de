"""The web client's modules and folders import each other without cycles.

A cycle (``ui`` <-> ``sync``, ``media/call.ts`` <-> ``media/panel.ts`` once) means neither side can
be read, tested or replaced alone. Two graphs are checked: files, and the top-level folders of
``web_client/src`` (a file at the root is its own node). Type-only imports count: they still tie
the modules' meaning together. Runs from pytest, so CI (scripts/test) runs it.
"""

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "web_client" / "src"
_IMPORT = re.compile(
    r"""^\s*(?:import|export)\b[^;'"]*?(?:\bfrom\s*)?['"](\.[^'"]+)['"]""", re.MULTILINE
)

Graph = dict[str, set[str]]


def _resolve(source: Path, spec: str, root: Path) -> str | None:
    target = (source.parent / spec).resolve()
    for candidate in (target.with_name(target.name + ".ts"), target / "index.ts"):
        if candidate.is_file():
            return candidate.relative_to(root).as_posix()
    return None  # a stylesheet or an asset


def file_graph(root: Path) -> Graph:
    graph: Graph = {}
    for path in sorted(root.rglob("*.ts")):
        text = path.read_text(encoding="utf-8")
        targets = (_resolve(path, spec, root) for spec in _IMPORT.findall(text))
        graph[path.relative_to(root).as_posix()] = {t for t in targets if t is not None}
    return graph


def folder_graph(files: Mapping[str, Iterable[str]]) -> Graph:
    def unit(module: str) -> str:
        return module.split("/", 1)[0]

    graph: Graph = {}
    for module, targets in files.items():
        graph.setdefault(unit(module), set()).update(
            unit(t) for t in targets if unit(t) != unit(module)
        )
    return graph


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle as a path that starts and ends on the same node, or None."""
    done: set[str] = set()
    for start in sorted(graph):
        stack: list[str] = []
        found = _walk(graph, start, stack, set(stack), done)
        if found:
            return found
    return None


def _walk(
    graph: Mapping[str, Iterable[str]], node: str, stack: list[str], on: set[str], done: set[str]
) -> list[str] | None:
    if node in on:
        return [*stack[stack.index(node) :], node]
    if node in done:
        return None
    stack.append(node)
    on.add(node)
    for nxt in sorted(graph.get(node, ())):
        found = _walk(graph, nxt, stack, on, done)
        if found:
            return found
    stack.pop()
    on.discard(node)
    done.add(node)
    return None


def test_the_parser_sees_every_kind_of_import(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.ts").write_text(
        "import './x.css';\nimport type {\n  B,\n} from '../b/y';\nexport * from '../c';\n"
    )
    (tmp_path / "b" / "y.ts").write_text("import { X } from '../a/x';\n// import '../c'\n")
    (tmp_path / "c.ts").write_text("export const c = 1;\n")
    files = file_graph(tmp_path)
    assert files == {"a/x.ts": {"b/y.ts", "c.ts"}, "b/y.ts": {"a/x.ts"}, "c.ts": set()}
    assert find_cycle(files) == ["a/x.ts", "b/y.ts", "a/x.ts"]
    assert find_cycle(folder_graph(files)) == ["a", "b", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_file_imports_itself_back() -> None:
    files = file_graph(SRC)
    assert len(files) > 30  # the parser found the client
    assert find_cycle(files) is None


def test_no_folder_imports_itself_back() -> None:
    cycle = find_cycle(folder_graph(file_graph(SRC)))
    assert cycle is None, " -> ".join(cycle or [])
