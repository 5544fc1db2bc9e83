"""Make the repo importable and collect bench_*.py (pytest's default pattern is test_*.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Module | None:
    # pytest collects a file named on the command line itself; `pytest bench` needs this hook.
    name = file_path.name
    if (
        name.startswith("bench_")
        and name.endswith(".py")
        and not parent.session.isinitpath(file_path)
    ):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
