"""Publishing to a bundle directory: atomic replacement, every revision kept, history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.policy.bundle import build_bundle
from app.policy.publish import (
    PublishError,
    bundle_revision,
    bundle_url,
    check_name,
    publish_to_directory,
)
from tests.support.policy_repo import write_source
from tests.support.processes import opa_binary


def _bundle(tmp_path: Path, revision: str, admins: tuple[str, ...]) -> bytes:
    root = write_source(tmp_path / revision, admins=admins)
    out = root / "b.tar.gz"
    build_bundle(opa_binary(), root, out, revision=revision)
    return out.read_bytes()


def test_publish_replaces_atomically_and_keeps_every_revision(tmp_path: Path) -> None:
    first, second = _bundle(tmp_path, "r1", ("alice",)), _bundle(tmp_path, "r2", ("bob",))
    target = tmp_path / "bundles"
    published = publish_to_directory(first, target, "kordon")
    live = target / "kordon.tar.gz"
    assert (published.revision, live.read_bytes()) == ("r1", first)

    with live.open("rb") as reader:  # a sidecar reading while the next revision lands
        publish_to_directory(second, target, "kordon")
        assert reader.read() == first  # it still reads the whole old file: a rename, no rewrite
    assert live.read_bytes() == second
    assert bundle_revision(live.read_bytes()) == "r2"

    kept = sorted((target / "revisions" / "kordon").iterdir())
    assert [p.read_bytes() for p in kept] == [first, second]
    history = [
        json.loads(line) for line in (target / "kordon.history.jsonl").read_text().splitlines()
    ]
    assert [h["revision"] for h in history] == ["r1", "r2"]
    assert not [p for p in target.rglob(".*")]  # no temporary file left behind


def test_what_is_not_a_bundle_is_never_published(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="not an OPA bundle"):
        publish_to_directory(b"not a tarball", tmp_path, "kordon")
    assert not (tmp_path / "kordon.tar.gz").exists()


@pytest.mark.parametrize("name", ["../etc", "a/b", "", ".hidden", "x" * 200])
def test_bundle_names_are_one_safe_path_segment(name: str) -> None:
    with pytest.raises(PublishError):
        check_name(name)


def test_bundle_url() -> None:
    assert bundle_url("http://h:1/", "team") == "http://h:1/bundles/team.tar.gz"
    assert bundle_url("http://h:1/x/b.tar.gz", "team") == "http://h:1/x/b.tar.gz"
