"""`kordon policy test`: the checks a policy source must pass before it is built, with real OPA.

`opa fmt --fail --list`, `opa check --strict`, `opa test`, then `opa test --coverage` against
a threshold. The same loading rules as the build (app/policy/bundle.py): `rego/`, `rego_tests/`
and `data/` where the source has that layout, else the whole directory; hidden files and
`schemas/` are never loaded.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from app.policy.bundle import SOURCE_IGNORES, bundle_sources

__all__ = ["PolicyCheckFailed", "check_source", "checked_sources"]

_TESTS = "rego_tests"
_IGNORE = [flag for name in SOURCE_IGNORES for flag in ("--ignore", name)]


class PolicyCheckFailed(RuntimeError):
    """A check failed; the message says which and how to fix it."""


def checked_sources(root: Path) -> list[str]:
    """What the checks load: the bundle's sources plus `rego_tests/` in the repository layout."""
    sources = list(bundle_sources(root))
    if sources != ["."] and (root / _TESTS).is_dir():
        sources.insert(1, _TESTS)
    return sources


def _run(opa: str, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([opa, *args], cwd=root, capture_output=True, text=True, timeout=300)


def check_source(
    opa: str, root: Path, threshold: float, report: Callable[[str], None] = print
) -> float:
    """Run every check in order, `report` each result; return the coverage in percent.

    Raises PolicyCheckFailed at the first failing check.
    """
    sources = checked_sources(root)
    rego = [s for s in sources if s != "data"]
    fmt = _run(opa, root, "fmt", "--fail", "--list", *rego)
    if fmt.returncode != 0 or fmt.stdout.strip():
        files = fmt.stdout.strip() or fmt.stderr.strip()
        raise PolicyCheckFailed(f"not formatted (run `opa fmt -w {' '.join(rego)}`):\n{files}")
    report("ok: opa fmt")
    check = _run(opa, root, "check", "--strict", *_IGNORE, *sources)
    if check.returncode != 0:
        raise PolicyCheckFailed(f"opa check --strict failed:\n{check.stderr.strip()}")
    report("ok: opa check --strict")
    tests = _run(opa, root, "test", *_IGNORE, *sources)
    summary = tests.stdout.strip().splitlines()
    if tests.returncode != 0 or not summary:
        failed = (tests.stdout + tests.stderr).strip()
        raise PolicyCheckFailed(f"opa test failed:\n{failed}")
    report(f"ok: opa test ({summary[-1]})")
    coverage = _coverage(opa, root, sources)
    if coverage < threshold:
        raise PolicyCheckFailed(f"coverage {coverage:.2f}% is below the threshold {threshold}%")
    report(f"ok: coverage {coverage:.2f}% (threshold {threshold}%)")
    return coverage


def _coverage(opa: str, root: Path, sources: list[str]) -> float:
    # No --threshold here: OPA would then fail without saying by how much.
    done = _run(opa, root, "test", "--coverage", "--format", "json", *_IGNORE, *sources)
    try:
        report = json.loads(done.stdout)
        return float(report["coverage"])
    except (ValueError, KeyError, TypeError) as exc:
        detail = done.stderr.strip() or done.stdout.strip()[:500]
        raise PolicyCheckFailed(f"opa test --coverage gave no coverage report:\n{detail}") from exc
