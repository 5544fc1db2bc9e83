"""Settings from KORDON_* variables: typed, bounded, secrets masked, bad values named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import Secret, SettingsError, load_settings


def test_variables_are_converted_to_the_field_types_in_any_case() -> None:
    settings = load_settings(
        {
            "KORDON_PORT": "9000",
            "kordon_opa_timeout_s": "0.5",
            "KORDON_KEYS_FILE": "etc/keys.json",
            "KORDON_AUDIT_FSYNC": "off",
            "KORDON_AUDIT_ENABLED": "TRUE",
            "KORDON_BUNDLE_LONG_POLLING_TIMEOUT_S": "30",
            "KORDON_NOT_A_SETTING": "ignored",
            "PORT": "1",
        }
    )
    assert settings.port == 9000
    assert settings.opa_timeout_s == 0.5
    assert settings.keys_file == Path("etc/keys.json")
    assert settings.audit_fsync is False
    assert settings.audit_enabled is True
    assert settings.bundle_long_polling_timeout_s == 30
    assert settings.redis_url is None


def test_defaults_without_variables() -> None:
    settings = load_settings({})
    assert (settings.host, settings.port, settings.decision_memo_size) == ("127.0.0.1", 8080, 4096)
    assert settings.audit_dir == Path("var/audit")
    assert settings.admin_key is None


def test_flags_win_over_variables() -> None:
    settings = load_settings({"KORDON_PORT": "9000"}, port=9100, audit_dir=Path("x"))
    assert (settings.port, settings.audit_dir) == (9100, Path("x"))


def test_the_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KORDON_MAX_BODY_BYTES", "1024")
    assert load_settings().max_body_bytes == 1024


@pytest.mark.parametrize(
    ("value", "expected"),
    [(v, True) for v in ("true", "TRUE", "1", "yes", "On", "y", "t")]
    + [(v, False) for v in ("false", "0", "no", "OFF", "n", "F")],
)
def test_booleans_are_read_in_the_words_pydantic_settings_read(value: str, expected: bool) -> None:
    assert load_settings({"KORDON_AUDIT_FSYNC": value}).audit_fsync is expected


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("KORDON_PORT", "eighty", "KORDON_PORT: Expected `int`, got `str`"),
        ("KORDON_OPA_TIMEOUT_S", "0", "KORDON_OPA_TIMEOUT_S: Expected `float` > 0.0"),
        ("KORDON_BREAKER_FAILURES", "0", "KORDON_BREAKER_FAILURES: Expected `int` >= 1"),
        ("KORDON_DECISION_MEMO_SIZE", "-1", "KORDON_DECISION_MEMO_SIZE: Expected `int` >= 0"),
        ("KORDON_AUDIT_FSYNC", "sometimes", "KORDON_AUDIT_FSYNC: Expected `bool`, got `str`"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable_not_the_value(
    variable: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert str(caught.value) == expected


def test_secrets_are_masked_in_reprs() -> None:
    settings = load_settings(
        {"KORDON_ADMIN_KEY": "adm-7f3a9", "KORDON_AUDIT_DSN": "postgres://u:pw@h/db"}
    )
    assert settings.admin_key == Secret("adm-7f3a9")
    assert settings.admin_key is not None
    assert settings.admin_key.get_secret_value() == "adm-7f3a9"
    assert "adm-7f3a9" not in repr(settings)
    assert "pw@h" not in repr(settings)


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_kordon_refuses_to_start_with_a_bad_variable_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--no-sidecar"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KORDON_SCAN_BUDGET_MS": "-5", "KORDON_AUDIT_DIR": str(tmp_path)},
    )
    assert done.returncode == 1
    assert done.stderr == "kordon: KORDON_SCAN_BUDGET_MS: Expected `float` > 0.0\n"
