"""The layout's promises, checked: a pure core, no import cycle, a separate sandbox.

Imports are read from the source (every ``import`` statement, those inside functions
included), so a deferred import cannot hide a cycle or a dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = (
    "reconciler.manifest.load",
    "reconciler.live",
    "reconciler.resolve",
    "reconciler.normalize",
    "reconciler.diff",
    "reconciler.plan",
    "reconciler.render.plan_text",
    "reconciler.render.plan_json",
    "reconciler.render.plan_markdown",
    "reconciler.render.diagnostics",
)
"""Loading, resolution, normalisation, the diff and the renderers: no I/O to Dograh."""
HTTP_LIBRARIES = ("httpx", "httpcore", "h11", "requests", "urllib3", "aiohttp")


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(package: str) -> dict[str, set[str]]:
    """Every module of ``package`` and the modules it imports (absolute names).
    ``from package import module`` depends on the module, not on the package's
    ``__init__`` (which Python runs first either way)."""
    paths = sorted((ROOT / package).rglob("*.py"))
    modules = {_module_of(path) for path in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                submodules = {f"{node.module}.{alias.name}" for alias in node.names}
                found.update(submodules & modules or {node.module})
        graph[_module_of(path)] = found
    return graph


def test_the_pure_core_loads_no_http_library() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in PURE)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HTTP_LIBRARIES!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_no_import_cycle_in_the_tool() -> None:
    graph = _imports("reconciler")
    edges = {
        module: {target for target in targets if target in graph and target != module}
        for module, targets in graph.items()
    }
    # A package's __init__ is imported with each of its modules; it imports none here.
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges[module]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize(
    ("package", "other", "allowed"),
    [
        ("dograh_sandbox", "reconciler", set[str]()),
        ("reconciler", "dograh_sandbox", {"reconciler.cli"}),
    ],
)
def test_the_sandbox_and_the_tool_share_no_code(
    package: str, other: str, allowed: set[str]
) -> None:
    """The client and the sandbox are two independent readings of Dograh: a misreading
    in one cannot be hidden by the same misreading in the other. The tool meets the
    sandbox only in the CLI hook that adds `campaigns sandbox`."""
    crossing = {
        module: sorted(t for t in targets if t.split(".")[0] == other)
        for module, targets in _imports(package).items()
    }
    assert {m: t for m, t in crossing.items() if t and m not in allowed} == {}
