from __future__ import annotations

import json
import shutil
from pathlib import Path

from app.policy.bundle import build_bundle, bundle_sources, content_revision
from tests.support.policy_repo import POLICY, TESTS, bundle_members
from tests.support.processes import opa_binary

REPO = Path(__file__).resolve().parents[3]


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in ("rego", "data"):
        shutil.copytree(REPO / name, root / name)
    return root


def test_revision_follows_policy_and_data_content(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    first = content_revision(root)
    assert content_revision(root) == first
    tiers = root / "data" / "tiers" / "data.yaml"
    tiers.write_text(tiers.read_text() + "\n# changed\n")
    assert content_revision(root) != first


def test_revision_ignores_schemas(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    first = content_revision(root)
    for schema in (root / "data" / "schemas").glob("*.json"):
        schema.write_text(schema.read_text() + " ")
    assert content_revision(root) == first


def _team_directory(tmp_path: Path) -> Path:
    """A team's repository without Kordon's layout: policy next to CI files and tests."""
    root = tmp_path / "team"
    (root / "policies").mkdir(parents=True)
    (root / ".github").mkdir()
    (root / "policies" / "gate.rego").write_text(POLICY)
    (root / "policies" / "gate_test.rego").write_text(TESTS)
    (root / "team").mkdir()
    (root / "team" / "data.json").write_text('{"admins": ["alice"]}')
    (root / ".github" / "ci.yml").write_text("on: push\n")
    return root


def test_any_policy_directory_builds_without_ci_files_or_tests(tmp_path: Path) -> None:
    root = _team_directory(tmp_path)
    assert bundle_sources(root) == (".",)
    out = tmp_path / "b.tar.gz"
    assert build_bundle(opa_binary(), root, out, revision="team-1") == "team-1"
    members = bundle_members(out)
    assert sorted(members) == ["/.manifest", "/data.json", "/policies/gate.rego"]  # no CI, tests
    assert json.loads(members["/.manifest"])["revision"] == "team-1"
    assert json.loads(members["/data.json"]) == {"team": {"admins": ["alice"]}}


def test_revision_of_a_policy_directory_follows_only_what_is_shipped(tmp_path: Path) -> None:
    root = _team_directory(tmp_path)
    first = content_revision(root)
    (root / ".github" / "ci.yml").write_text("on: pull_request\n")
    (root / "policies" / "gate_test.rego").write_text(TESTS + "\n")
    assert content_revision(root) == first
    (root / "team" / "data.json").write_text('{"admins": ["alice", "bob"]}')
    assert content_revision(root) != first
