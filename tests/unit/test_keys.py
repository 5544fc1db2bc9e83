from __future__ import annotations

from pathlib import Path

import orjson

from app.keys import KEY_PREFIX, KeyStore


def test_created_key_authenticates_to_its_principal(tmp_path: Path) -> None:
    store = KeyStore.load(tmp_path / "keys.json")
    key, record = store.create("acme-ru", "planner", ("analyst",))
    assert key.startswith(KEY_PREFIX)
    principal = KeyStore.load(tmp_path / "keys.json").authenticate(key)
    assert principal is not None
    assert (principal.tenant, principal.key_id, principal.agent, principal.roles) == (
        "acme-ru",
        record.key_id,
        "planner",
        ("analyst",),
    )


def test_the_key_file_holds_hashes_never_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key, _ = KeyStore.load(path).create("eu-bank", "agent")
    raw = path.read_bytes()
    assert key.encode() not in raw
    assert key[len(KEY_PREFIX) :].encode() not in raw
    assert orjson.loads(raw)["keys"][0]["sha256"]
    assert path.stat().st_mode & 0o077 == 0


def test_unknown_or_altered_keys_are_refused(tmp_path: Path) -> None:
    store = KeyStore.load(tmp_path / "keys.json")
    key, _ = store.create("acme-ru", "a")
    assert store.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert store.authenticate("") is None


def test_ephemeral_keys_are_not_written(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    store = KeyStore.load(path)
    key, _ = store.create("acme-ru", "demo", persist=False)
    assert store.authenticate(key) is not None
    assert not path.exists()
