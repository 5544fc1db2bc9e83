"""Signed policy bundles built with the real `opa build --signing-key`, and tampered copies.

The policy is the repository's own, with every quota limit raised so load tests are never
refused for quota; each build carries the revision it is given.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.support.policy_repo import write_key_pair
from tests.support.processes import REPO, opa_binary

__all__ = ["BundleFactory", "drop_signatures", "edit_data", "edit_rego", "publish"]

Tamper = Callable[[dict[str, bytes]], None]


class BundleFactory:
    def __init__(self, root: Path) -> None:
        self.root = root
        for name in ("rego", "data"):
            shutil.copytree(REPO / name, root / name)
        tiers = root / "data" / "tiers" / "data.yaml"
        data = yaml.safe_load(tiers.read_text())
        for tier in data.values():
            for limit in tier.get("limits", []):
                limit["limit"] = 10**8
        tiers.write_text(yaml.safe_dump(data))
        self.key, self.public_key = write_key_pair(root / "keys", "RS256")
        self.other_key, _ = write_key_pair(root / "other-keys", "RS256")

    def build(
        self,
        revision: str,
        *,
        key: Path | None = None,
        tamper: Tamper | None = None,
        edit: Callable[[str, dict[str, object]], None] | None = None,
    ) -> Path:
        """A bundle signed with `key` (default: the key tests verify with), then tampered;
        `edit(revision, data)` changes the data (for this build and the ones after) first."""
        if edit is not None:
            data_file = self._tree() / "data.json"
            data = json.loads(data_file.read_text())
            edit(revision, data)
            data_file.write_text(json.dumps(data))
        out = self.root / f"{revision}-{tamper.__name__ if tamper else 'signed'}.tar.gz"
        command = [
            opa_binary(), "build", "-b", ".", "-o", str(out), "--revision", revision,
            "--signing-key", str(key or self.key), "--signing-alg", "RS256",
        ]  # fmt: skip
        subprocess.run(command, cwd=self._tree(), check=True, timeout=60)
        if tamper is not None:
            _rewrite(out, tamper)
        return out

    def _tree(self) -> Path:
        """The policy laid out as `kordon policy build` lays it out (data.json at the root),
        built once: signing in bundle mode needs one bundle root."""
        tree = self.root / "tree"
        if not tree.exists():
            plain = self.root / "plain.tar.gz"
            build = [opa_binary(), "build", "-o", str(plain), "--ignore", "schemas", "rego", "data"]
            subprocess.run(build, cwd=self.root, check=True, timeout=60)
            with tarfile.open(plain, "r:gz") as tar:
                tar.extractall(tree, filter="data")
        return tree


def _rewrite(path: Path, tamper: Tamper) -> None:
    with tarfile.open(path, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    tamper(members)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())


def edit_data(members: dict[str, bytes]) -> None:
    """Give every tenant the most permissive tier: the kind of edit a signature must catch."""
    name = next(n for n in members if n.endswith("data.json"))
    data = json.loads(members[name])
    for tenant in data["tenants"].values():
        tenant["tier"] = "enterprise"
    data["tenants"]["intruder"] = dict(next(iter(data["tenants"].values())))
    members[name] = json.dumps(data).encode()


def edit_rego(members: dict[str, bytes]) -> None:
    name = next(n for n in members if n.endswith(".rego"))
    members[name] += b"\n# an edit after signing\n"


def drop_signatures(members: dict[str, bytes]) -> None:
    for name in [n for n in members if n.endswith(".signatures.json")]:
        del members[name]


def publish(bundle: Path, directory: Path, name: str = "kordon") -> None:
    """Replace the live bundle atomically, as `kordon policy push --to <dir>` does."""
    staged = directory / f".{name}.staged"
    shutil.copyfile(bundle, staged)
    staged.replace(directory / f"{name}.tar.gz")
