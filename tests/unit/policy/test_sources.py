"""OPA's configuration for a polled bundle: services, bundles, polling, keys, signing, the token
by path only, and a private file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.policy.sources import (
    BUNDLE_NAME,
    Polling,
    Verification,
    embedded_args,
    opa_config,
    polled_args,
    private_directory,
)

PEM = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
SECRET = "s3cr3t-bundle-token"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "bundle.pub.pem"
    path.write_text(PEM)
    return path


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(SECRET)
    return path


def _bundle(config: dict[str, object]) -> dict[str, object]:
    bundles = config["bundles"]
    assert isinstance(bundles, dict)
    bundle: dict[str, object] = bundles[BUNDLE_NAME]
    return bundle


def test_a_service_and_a_bundle_resource_from_the_url(tmp_path: Path) -> None:
    config = opa_config(
        "https://bundles.internal:8443/v1/bundles/kordon.tar.gz?team=risk",
        tmp_path / "persist",
        polling=Polling(5, 10),
    )
    assert config["services"] == {"bundles": {"url": "https://bundles.internal:8443"}}
    assert _bundle(config) == {
        "service": "bundles",
        "resource": "v1/bundles/kordon.tar.gz?team=risk",
        "persist": True,
        "polling": {"min_delay_seconds": 5, "max_delay_seconds": 10},
    }
    assert config["persistence_directory"] == str(tmp_path / "persist")
    assert "keys" not in config


def test_polling_never_has_a_max_below_its_min_and_long_polling_is_passed_on(
    tmp_path: Path,
) -> None:
    config = opa_config("http://127.0.0.1:9000/b.tar.gz", tmp_path, polling=Polling(30, 10, 120))
    assert _bundle(config)["polling"] == {
        "min_delay_seconds": 30,
        "max_delay_seconds": 30,
        "long_polling_timeout_seconds": 120,
    }


@pytest.mark.parametrize(
    "url", ["ftp://host/b.tar.gz", "file:///srv/b.tar.gz", "bundles.internal/b.tar.gz", "http://"]
)
def test_a_url_that_is_not_http_is_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="http"):
        opa_config(url, tmp_path, polling=Polling(1, 1))


def test_the_token_is_named_by_its_path_never_by_value(tmp_path: Path, token_file: Path) -> None:
    config = opa_config(
        "http://127.0.0.1:9000/b.tar.gz", tmp_path, polling=Polling(1, 1), token_file=token_file
    )
    services = config["services"]
    assert isinstance(services, dict)
    assert services["bundles"]["credentials"] == {
        "bearer": {"token_path": str(token_file.resolve())}
    }
    assert SECRET not in json.dumps(config)


def test_a_verification_key_makes_a_signature_required(tmp_path: Path, key_file: Path) -> None:
    verification = Verification(key_file, "team-key", "ES256", scope="write")
    config = opa_config(
        "http://127.0.0.1:9000/b.tar.gz", tmp_path, polling=Polling(1, 1), verification=verification
    )
    # OPA requires a signature only when the bundle has a `signing` block; keys alone would
    # verify a signature that happens to be present and accept an unsigned bundle.
    assert _bundle(config)["signing"] == {"keyid": "team-key", "scope": "write"}
    assert config["keys"] == {"team-key": {"algorithm": "ES256", "key": PEM}}


def test_the_default_verification_is_rs256_under_key_id_kordon(
    tmp_path: Path, key_file: Path
) -> None:
    config = opa_config(
        "http://127.0.0.1:9000/b.tar.gz",
        tmp_path,
        polling=Polling(1, 1),
        verification=Verification(key_file),
    )
    assert _bundle(config)["signing"] == {"keyid": "kordon"}
    assert config["keys"] == {"kordon": {"algorithm": "RS256", "key": PEM}}


def test_the_configuration_is_a_private_file_in_a_private_directory(
    token_file: Path, key_file: Path
) -> None:
    directory = private_directory()
    try:
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        args = polled_args(
            "http://127.0.0.1:9000/b.tar.gz",
            directory,
            polling=Polling(1, 2),
            token_file=token_file,
            verification=Verification(key_file),
        )
        assert args == ["--config-file", str(directory / "opa-config.json")]
        written = directory / "opa-config.json"
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
        config = json.loads(written.read_text())
        assert config["persistence_directory"] == str(directory / "persist")
        assert config["bundles"][BUNDLE_NAME]["signing"] == {"keyid": "kordon"}
        assert SECRET not in written.read_text()
        assert not any(SECRET in arg for arg in args)
    finally:
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()


def test_a_configuration_file_left_readable_is_made_private_again(
    tmp_path: Path, token_file: Path
) -> None:
    stale = tmp_path / "opa-config.json"
    stale.write_text("{}")
    stale.chmod(0o644)
    polled_args(
        "http://127.0.0.1:9000/b.tar.gz", tmp_path, polling=Polling(1, 1), token_file=token_file
    )
    assert stat.S_IMODE(stale.stat().st_mode) == 0o600
    assert json.loads(stale.read_text())["bundles"][BUNDLE_NAME]["resource"] == "b.tar.gz"


def test_an_unreadable_verification_key_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        polled_args(
            "http://127.0.0.1:9000/b.tar.gz",
            tmp_path,
            polling=Polling(1, 1),
            verification=Verification(tmp_path / "missing.pem"),
        )


def test_the_embedded_bundle_is_passed_as_a_path(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.tar.gz"
    assert embedded_args(bundle) == ["--bundle", str(bundle)]
