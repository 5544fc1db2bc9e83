"""Data flows one way: api -> policy -> executor steps -> providers. Lower layers never import
upper ones; shared types live in the lower layer (``app.protect.scan.ScanResult``, ``app.sse``).

Every ``import`` and ``from … import`` in ``app/`` is read with ``ast`` (function-level imports
included), so a lazy import cannot hide an upward edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"

# A package and the packages above it, which it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "app.protect": ("app.policy", "app.providers", "app.api", "app.executor", "app.gateway"),
    "app.quota": ("app.policy", "app.providers", "app.api", "app.executor", "app.gateway"),
    "app.providers": ("app.api", "app.gateway", "app.executor"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The absolute names of the modules ``path`` imports (relative imports resolved)."""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def upward_imports(layer: str) -> list[str]:
    """``module -> imported`` for every import of ``layer`` that reaches a forbidden package."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        module = _module_name(path)
        if not _inside(module, layer):
            continue
        for name in sorted(_imports(path)):
            if any(_inside(name, upper) for upper in FORBIDDEN[layer]):
                found.append(f"{module} -> {name}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_never_imports_upward(layer: str) -> None:
    assert upward_imports(layer) == []


def test_the_walk_sees_imports() -> None:
    # Guards the guard: the walk must find the executor's real imports of lower layers.
    executor = _imports(APP / "executor.py")
    assert "app.protect.step" in executor
    assert "app.quota.step" in executor
