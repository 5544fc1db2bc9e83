"""A tenant pattern RE2 cannot run is refused when the bundle is built, with the real OPA."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.policy.bundle_checks import BundleCheckError, pattern_errors
from tests.support.bundles import patched_bundle
from tests.support.processes import REPO, opa_binary

# Catastrophic under backtracking, and a backreference, which RE2 (linear time) cannot express.
REDOS = r"(a+)+\1$"
KORDON = [sys.executable, "-m", "app.cli"]


def _tenant(regex: str) -> dict[str, dict[str, object]]:
    patterns = [{"category": "contract", "regex": regex}]
    return {"redos-co": {"base": "acme-ru", "detection": {"patterns": patterns}}}


def test_pattern_errors_name_tenant_and_pattern() -> None:
    tenants = {
        "good": {"detection": {"patterns": [{"category": "c", "regex": r"(a+)+$"}]}},
        "bad": {"detection": {"patterns": [{"category": "c", "regex": r"x(?=y)"}]}},
        "none": {},
    }
    (error,) = pattern_errors(tenants)
    assert error.startswith("tenant bad: pattern 0 (c) 'x(?=y)': not a linear-time (RE2) regex")


def test_build_refuses_a_backtracking_pattern_and_leaves_no_bundle(tmp_path: Path) -> None:
    with pytest.raises(BundleCheckError, match=r"tenant redos-co: pattern 0 \(contract\)") as info:
        patched_bundle(tmp_path, tenants=_tenant(REDOS))
    assert repr(REDOS) in str(info.value)
    assert not (tmp_path / "bundle.tar.gz").exists()


def test_kordon_policy_build_exits_with_the_error(tmp_path: Path) -> None:
    with pytest.raises(BundleCheckError):
        patched_bundle(tmp_path, tenants=_tenant(REDOS))  # lays out rego/ and data/ to build
    done = subprocess.run(
        [*KORDON, "policy", "build", "--out", "b.tar.gz", "--opa-binary", opa_binary()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1
    assert "kordon policy build: refused" in done.stderr
    assert "tenant redos-co: pattern 0 (contract)" in done.stderr
    assert not (tmp_path / "b.tar.gz").exists()


def test_ci_check_refuses_a_bundle_built_around_it(tmp_path: Path) -> None:
    """`scripts/check-policy.sh` runs the module on what plain `opa build` made."""
    with pytest.raises(BundleCheckError):
        patched_bundle(tmp_path, tenants=_tenant(REDOS))
    bundle = tmp_path / "plain.tar.gz"
    subprocess.run(
        [opa_binary(), "build", "--ignore", "schemas", "-o", str(bundle), "rego", "data"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    check = [sys.executable, "-m", "app.policy.bundle_checks", opa_binary()]
    refused = subprocess.run(
        [*check, str(bundle)], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert refused.returncode == 1
    assert "tenant redos-co: pattern 0 (contract)" in refused.stderr
    shipped = patched_bundle(tmp_path / "shipped")
    accepted = subprocess.run(
        [*check, str(shipped)], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert accepted.returncode == 0, accepted.stderr
