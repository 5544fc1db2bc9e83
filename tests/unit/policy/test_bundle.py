from __future__ import annotations

import shutil
from pathlib import Path

from app.policy.bundle import content_revision

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
