"""The shape of the package: stages as folders, imports pointing down, heavy imports in one place.

The import graph is read from the source (every ``import`` and ``from ... import``, including
those inside functions and under ``TYPE_CHECKING``), so a deferred import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("backtest", "strategies", "universes")

LAYERS: dict[str, int] = {
    "backtest.errors": 0,
    "backtest.constants": 0,
    "backtest.atomic": 0,
    "backtest.parsing": 0,
    "backtest.config": 0,
    "backtest.context": 0,
    "backtest.metrics": 0,
    "backtest.testing": 0,
    "universes": 1,
    "strategies": 2,
    "backtest.data": 2,
    "backtest.engine": 2,
    "backtest.report": 2,
    "backtest.inputs": 3,
    "backtest.pipeline": 4,
    "backtest.gate": 5,
    "backtest.sweep": 5,
    "backtest.cli": 6,
}
"""Stage -> layer: a module may import its own stage and stages of lower layers only (the
shared bottom layer's modules may import each other, without a cycle)."""

HEAVY = {
    "vectorbt": "backtest.engine",
    "matplotlib": "backtest.report",
    "yfinance": "backtest.data.yahoo",
}
"""A heavy or unreliable dependency -> the one stage (or module) allowed to import it."""


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(path: Path, name: str) -> Iterator[str]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for target in _imports(path, name):
            # importing a.b.c runs a, a.b and a.b.c: every one that is ours is an edge
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                prefix = ".".join(parts[:i])
                if prefix in modules and prefix != name and not name.startswith(prefix + "."):
                    edges.add(prefix)
        graph[name] = edges
    return graph


def _stage(module: str) -> str | None:
    matches = [s for s in LAYERS if module == s or module.startswith(s + ".")]
    return max(matches, key=len) if matches else None


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_every_import_points_down_the_pipeline() -> None:
    wrong = []
    for module, targets in _graph().items():
        stage = _stage(module)
        if stage is None:  # the `backtest` package itself: the lazy public API
            continue
        for target in targets:
            other = _stage(target)
            if other is None or other == stage:
                continue
            bottom = LAYERS[stage] == LAYERS[other] == 0
            if not bottom and LAYERS[other] >= LAYERS[stage]:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports that do not point down the pipeline: " + ", ".join(sorted(wrong))


def test_every_module_is_in_a_stage() -> None:
    assert [m for m in _modules() if _stage(m) is None] == ["backtest", "backtest.__main__"]


@pytest.mark.parametrize("dependency", sorted(HEAVY))
def test_a_heavy_dependency_is_imported_in_one_place(dependency: str) -> None:
    allowed = HEAVY[dependency]
    sites = sorted(
        name
        for name, path in _modules().items()
        for target in _imports(path, name)
        if target == dependency or target.startswith(dependency + ".")
    )
    assert sites, f"nothing imports {dependency}"
    assert all(s == allowed or s.startswith(allowed + ".") for s in sites), sites


def test_the_top_level_holds_only_what_every_stage_shares() -> None:
    top = sorted(p.stem for p in (REPO / "backtest").glob("*.py"))
    shared = [m for m in top if m not in ("__init__", "__main__")]
    assert len(shared) <= 8, shared
    assert {f"backtest.{m}" for m in shared} <= {s for s, layer in LAYERS.items() if layer == 0}
