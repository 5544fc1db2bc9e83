"""`kordon serve` finds the OPA that `make` installed without being told where it is."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.policy import opa_binary
from app.policy.opa_binary import OpaNotFound, find_opa
from tests.support.processes import REPO


def test_finds_the_pinned_opa_with_no_flag_no_variable_and_no_opa_on_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KORDON_OPA_BINARY", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    found = find_opa()
    version = subprocess.run([found, "version"], capture_output=True, text=True, check=True)
    pinned = (REPO / "scripts" / "install-opa.sh").read_text().split("OPA_VERSION=")[1].split()[0]
    assert f"Version: {pinned}" in version.stdout


def test_an_explicit_binary_wins(tmp_path: Path) -> None:
    binary = tmp_path / "opa"
    binary.write_text("")
    assert find_opa(str(binary)) == str(binary)


def test_missing_opa_names_the_command_that_fixes_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KORDON_OPA_BINARY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(opa_binary, "_INSTALLER", tmp_path / "scripts" / "install-opa.sh")
    with pytest.raises(OpaNotFound, match=r"install-opa\.sh"):
        find_opa()
