"""Signed bundles with the real OPA: RS256 and ES256, and every kind of tampering refused."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from app.policy.bundle import build_bundle
from app.policy.signing import (
    BundleSignatureError,
    SigningKey,
    key_algorithm,
    sign_bundle,
    verify_bundle,
)
from tests.support.policy_repo import (
    bundle_members,
    rewrite_bundle,
    write_key_pair,
    write_source,
)
from tests.support.processes import opa_binary

ALGORITHMS = ("RS256", "ES256")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    directory = tmp_path_factory.mktemp("keys")
    pairs = {alg: write_key_pair(directory / "a", alg) for alg in ALGORITHMS}
    # A second key of each kind: same algorithm, wrong key.
    pairs |= {f"other-{alg}": write_key_pair(directory / "b", alg) for alg in ALGORITHMS}
    return pairs


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_source(tmp_path_factory.mktemp("source"))
    out = root / "unsigned.tar.gz"
    build_bundle(opa_binary(), root, out, revision="r1")
    return out


def _signed(unsigned: Path, private: Path, tmp_path: Path, key_id: str | None = None) -> Path:
    out = tmp_path / "signed.tar.gz"
    sign_bundle(opa_binary(), unsigned, SigningKey(private, key_id=key_id), out)
    return out


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_signed_bundle_verifies_with_its_public_key(
    alg: str, keys: dict[str, tuple[Path, Path]], unsigned: Path, tmp_path: Path
) -> None:
    private, public = keys[alg]
    signed = _signed(unsigned, private, tmp_path)
    verify_bundle(opa_binary(), signed, SigningKey(public))
    # The raw OPA check a sidecar configuration relies on, with the algorithm spelled out.
    command = [opa_binary(), "build", "--bundle", str(signed), "--verification-key", str(public)]
    done = subprocess.run(
        [*command, "--signing-alg", alg, "-o", str(tmp_path / "v.tar.gz")], check=False
    )
    assert done.returncode == 0
    manifest = json.loads(bundle_members(signed)["/.manifest"])
    assert manifest["revision"] == "r1"  # signing keeps the revision


def _edit_data(members: dict[str, bytes]) -> dict[str, bytes]:
    data = json.loads(members["/data.json"])
    data["team"]["admins"].append("mallory")
    return {**members, "/data.json": json.dumps(data).encode()}


def _edit_rego(members: dict[str, bytes]) -> dict[str, bytes]:
    name = next(n for n in members if n.endswith(".rego"))
    return {**members, name: members[name].replace(b"default allow := false", b"allow := true")}


def _drop_signatures(members: dict[str, bytes]) -> dict[str, bytes]:
    return {n: c for n, c in members.items() if n != "/.signatures.json"}


def _add_file(members: dict[str, bytes]) -> dict[str, bytes]:
    return {**members, "/extra/data.json": b'{"backdoor": true}'}


@pytest.mark.parametrize("alg", ALGORITHMS)
@pytest.mark.parametrize("tamper", [_edit_data, _edit_rego, _drop_signatures, _add_file])
def test_tampered_bundle_is_refused(
    alg: str,
    tamper: Callable[[dict[str, bytes]], dict[str, bytes]],
    keys: dict[str, tuple[Path, Path]],
    unsigned: Path,
    tmp_path: Path,
) -> None:
    private, public = keys[alg]
    signed = _signed(unsigned, private, tmp_path)
    tampered = rewrite_bundle(signed, tmp_path / "tampered.tar.gz", tamper)
    untouched = rewrite_bundle(signed, tmp_path / "untouched.tar.gz", lambda m: m)
    verify_bundle(opa_binary(), untouched, SigningKey(public))  # repacking alone is fine
    with pytest.raises(BundleSignatureError):
        verify_bundle(opa_binary(), tampered, SigningKey(public))


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_wrong_key_is_refused(
    alg: str, keys: dict[str, tuple[Path, Path]], unsigned: Path, tmp_path: Path
) -> None:
    signed = _signed(unsigned, keys[alg][0], tmp_path)
    other_alg = next(a for a in ALGORITHMS if a != alg)
    for wrong in (keys[f"other-{alg}"][1], keys[other_alg][1]):
        with pytest.raises(BundleSignatureError, match="verif"):
            verify_bundle(opa_binary(), signed, SigningKey(wrong))


def test_unsigned_bundle_is_refused(keys: dict[str, tuple[Path, Path]], unsigned: Path) -> None:
    with pytest.raises(BundleSignatureError, match=r"\.signatures\.json"):
        verify_bundle(opa_binary(), unsigned, SigningKey(keys["RS256"][1]))


def test_key_id_is_carried_as_claim(
    keys: dict[str, tuple[Path, Path]], unsigned: Path, tmp_path: Path
) -> None:
    private, public = keys["ES256"]
    signed = _signed(unsigned, private, tmp_path, key_id="compliance-2026")
    token = json.loads(bundle_members(signed)["/.signatures.json"])["signatures"][0]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["keyid"] == "compliance-2026"
    verify_bundle(opa_binary(), signed, SigningKey(public, key_id="compliance-2026"))


def test_an_already_signed_bundle_is_not_signed_again(
    keys: dict[str, tuple[Path, Path]], unsigned: Path, tmp_path: Path
) -> None:
    signed = _signed(unsigned, keys["RS256"][0], tmp_path)
    with pytest.raises(BundleSignatureError, match="already signed"):
        sign_bundle(opa_binary(), signed, SigningKey(keys["ES256"][0]), tmp_path / "again.tar.gz")


def test_a_bundle_directory_is_signed_into_a_tarball(
    keys: dict[str, tuple[Path, Path]], unsigned: Path, tmp_path: Path
) -> None:
    directory = tmp_path / "dir"
    directory.mkdir()
    subprocess.run(["tar", "xzf", str(unsigned), "-C", str(directory)], check=True)
    out = tmp_path / "from-dir.tar.gz"
    sign_bundle(opa_binary(), directory, SigningKey(keys["ES256"][0]), out)
    verify_bundle(opa_binary(), out, SigningKey(keys["ES256"][1]))


def test_key_errors_name_the_file_never_the_key(
    keys: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    private, public = keys["RS256"]
    assert key_algorithm(private, private=True) == "RS256"
    assert key_algorithm(keys["ES256"][1], private=False) == "ES256"
    with pytest.raises(BundleSignatureError) as used_as_private:
        key_algorithm(public, private=True)
    assert str(public) in str(used_as_private.value)
    assert public.read_text().splitlines()[1] not in str(used_as_private.value)

    ed = tmp_path / "ed25519.pem"
    ed.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(BundleSignatureError, match="only RSA"):
        key_algorithm(ed, private=True)
    with pytest.raises(BundleSignatureError, match="cannot read key file"):
        key_algorithm(tmp_path / "missing.pem", private=True)
    with pytest.raises(BundleSignatureError, match="is a key for RS256, not ES256"):
        sign_bundle(
            opa_binary(),
            tmp_path,
            SigningKey(private, algorithm="ES256"),
            tmp_path / "x.tar.gz",
        )
