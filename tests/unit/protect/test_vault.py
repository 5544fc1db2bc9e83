"""Pseudonym vaults: one suite for every store, then what only the Redis store promises."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, Protocol

import orjson
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl.exceptions import UnavailableError
from redis.asyncio import Redis

from app.protect import redis_vault as vault_module
from app.protect.redis_vault import RedisVault
from app.protect.vault import (
    MemoryVault,
    PseudonymVault,
    SessionScope,
    VaultUnavailable,
    VaultUnreadable,
    session_scope,
)
from tests.redis_server import start_redis

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
MAPPING = {"[EMAIL_1]": "ivan.petrov@mail.ru", "[PERSON_NAME_1]": "Иван Петров"}
SCOPE = session_scope("acme-ru", "key_7f3a", "s_42")

Advance = Callable[[float], Awaitable[None]]
Scenario = Callable[[PseudonymVault, Advance], Coroutine[Any, Any, None]]


class Harness(Protocol):
    def run(self, scenario: Scenario) -> None:
        """Run scenario on a fresh vault in its own event loop."""


class MemoryHarness:
    def __init__(self) -> None:
        self.now = 1000.0

    def run(self, scenario: Scenario) -> None:
        async def advance(seconds: float) -> None:
            self.now += seconds

        asyncio.run(scenario(MemoryVault(clock=lambda: self.now), advance))


def run_redis(url: str, scenario: Callable[[Redis], Awaitable[None]]) -> None:
    async def main() -> None:
        client = Redis.from_url(url)
        try:
            await scenario(client)
        finally:
            await client.aclose()

    asyncio.run(main())


class RedisHarness:
    def __init__(self, url: str) -> None:
        self.url = url

    def run(self, scenario: Scenario) -> None:
        async def on_fresh_prefix(client: Redis) -> None:
            # Redis keeps time itself, so advancing the clock means waiting.
            await scenario(
                RedisVault(client, KEY, prefix=f"test:{uuid.uuid4().hex}:"), asyncio.sleep
            )

        run_redis(self.url, on_fresh_prefix)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with start_redis() as url:
        yield url


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> Harness:
    if request.param == "memory":
        return MemoryHarness()
    return RedisHarness(request.getfixturevalue("redis_url"))


def test_an_unknown_scope_loads_empty(store: Harness) -> None:
    async def scenario(vault: PseudonymVault, advance: Advance) -> None:
        assert await vault.load(SCOPE) == {}

    store.run(scenario)


def test_a_saved_mapping_loads_back_and_a_later_save_replaces_it(store: Harness) -> None:
    async def scenario(vault: PseudonymVault, advance: Advance) -> None:
        await vault.save(SCOPE, MAPPING, ttl_s=60)
        loaded = await vault.load(SCOPE)
        assert loaded == MAPPING
        loaded["[EMAIL_2]"] = "changed after loading"
        assert await vault.load(SCOPE) == MAPPING

        await vault.save(SCOPE, {"[EMAIL_1]": "olga@mail.ru"}, ttl_s=60)
        assert await vault.load(SCOPE) == {"[EMAIL_1]": "olga@mail.ru"}

    store.run(scenario)


def test_scopes_of_other_tenants_keys_and_sessions_are_apart(store: Harness) -> None:
    others = [
        session_scope("other-tenant", "key_7f3a", "s_42"),
        session_scope("acme-ru", "other-key", "s_42"),
        session_scope("acme-ru", "key_7f3a", "s_43"),
    ]

    async def scenario(vault: PseudonymVault, advance: Advance) -> None:
        await vault.save(SCOPE, MAPPING, ttl_s=60)
        for other in others:
            assert await vault.load(other) == {}

    store.run(scenario)


def test_a_mapping_expires_after_its_ttl(store: Harness) -> None:
    async def scenario(vault: PseudonymVault, advance: Advance) -> None:
        await vault.save(SCOPE, MAPPING, ttl_s=0.3)
        await advance(0.1)
        assert await vault.load(SCOPE) == MAPPING
        await advance(0.3)
        assert await vault.load(SCOPE) == {}

    store.run(scenario)


def test_saving_again_extends_the_ttl(store: Harness) -> None:
    async def scenario(vault: PseudonymVault, advance: Advance) -> None:
        await vault.save(SCOPE, MAPPING, ttl_s=0.3)
        await advance(0.2)
        await vault.save(SCOPE, MAPPING, ttl_s=0.3)
        await advance(0.2)
        assert await vault.load(SCOPE) == MAPPING

    store.run(scenario)


@pytest.mark.parametrize("ttl_s", [0, -1.0, float("inf"), float("nan")])
def test_a_ttl_that_is_not_positive_and_finite_is_refused(store: Harness, ttl_s: float) -> None:
    async def scenario(vault: PseudonymVault, advance: Advance) -> None:
        with pytest.raises(ValueError, match="ttl_s must be positive and finite"):
            await vault.save(SCOPE, MAPPING, ttl_s=ttl_s)

    store.run(scenario)


def test_a_scope_is_a_deterministic_opaque_digest() -> None:
    assert session_scope("acme-ru", "key_7f3a", "s_42") == SCOPE
    assert session_scope("a", "b:c", "d") != session_scope("a:b", "c", "d")
    assert len(SCOPE) == 64
    assert set(SCOPE) <= set("0123456789abcdef")


def test_the_memory_vault_forgets_abandoned_sessions() -> None:
    now = [0.0]
    vault = MemoryVault(clock=lambda: now[0])

    async def scenario() -> None:
        for session in range(1000):
            await vault.save(session_scope("t", "k", str(session)), MAPPING, ttl_s=1)
            now[0] += 0.1

    asyncio.run(scenario())
    # Only about the last ten seconds' worth can be alive; the sweep keeps the rest bounded.
    assert len(vault._entries) < 200


@pytest.mark.redis
def test_redis_holds_none_of_the_original_values(redis_url: str) -> None:
    async def scenario(client: Redis) -> None:
        await client.flushdb()
        await RedisVault(client, KEY).save(SCOPE, MAPPING, ttl_s=60)
        [name] = await client.keys("*")
        blob = await client.get(name)
        assert isinstance(name, bytes)
        assert isinstance(blob, bytes)
        raw = name + blob
        for value in (*MAPPING.values(), "acme-ru", "key_7f3a", "s_42"):
            assert value.encode() not in raw
        assert 0 < await client.pttl(name) <= 60_000

    run_redis(redis_url, scenario)


@pytest.mark.redis
def test_redis_data_is_unreadable_with_another_key_or_under_another_scope(redis_url: str) -> None:
    other_scope = session_scope("acme-ru", "key_7f3a", "s_43")

    async def scenario(client: Redis) -> None:
        vault = RedisVault(client, KEY, prefix="p:")
        await vault.save(SCOPE, MAPPING, ttl_s=60)
        with pytest.raises(VaultUnreadable, match="failed to decrypt"):
            await RedisVault(client, OTHER_KEY, prefix="p:").load(SCOPE)

        await client.copy(f"p:{SCOPE}", f"p:{other_scope}")
        with pytest.raises(VaultUnreadable, match="failed to decrypt"):
            await vault.load(other_scope)

    run_redis(redis_url, scenario)


@pytest.mark.redis
@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]), "failed to decrypt"),
        (lambda blob: blob[:20] + bytes([blob[20] ^ 1]) + blob[21:], "failed to decrypt"),
        (lambda blob: blob[:5] + bytes([blob[5] ^ 1]) + blob[6:], "failed to decrypt"),
        (lambda blob: b"\x02" + blob[1:], "unknown format"),
        (lambda blob: blob[:28], "truncated"),
    ],
    ids=[
        "flipped-tag-bit",
        "flipped-ciphertext-bit",
        "flipped-nonce-bit",
        "unknown-format",
        "truncated",
    ],
)
def test_redis_data_that_was_altered_is_refused(
    redis_url: str, tamper: Callable[[bytes], bytes], message: str
) -> None:
    scope = SessionScope(uuid.uuid4().hex)

    async def scenario(client: Redis) -> None:
        vault = RedisVault(client, KEY, prefix="p:")
        await vault.save(scope, MAPPING, ttl_s=60)
        blob = await client.get(f"p:{scope}")
        assert isinstance(blob, bytes)
        await client.set(f"p:{scope}", tamper(blob))
        with pytest.raises(VaultUnreadable, match=message):
            await vault.load(scope)

    run_redis(redis_url, scenario)


def test_the_redis_vault_key_stays_out_of_repr_and_errors() -> None:
    client = Redis()  # never connects: nothing here talks to Redis
    assert KEY.hex() not in repr(RedisVault(client, KEY))
    assert repr(KEY) not in repr(RedisVault(client, KEY))
    with pytest.raises(ValueError, match=r"32 bytes \(AES-256\), not 5") as raised:
        RedisVault(client, b"short")
    assert "short" not in str(raised.value)


@pytest.mark.parametrize("length", [16, 24])
def test_an_aes_128_or_192_key_is_refused(length: int) -> None:
    # libsodium has AES-256-GCM only; a shorter key is refused at start-up, never used.
    with pytest.raises(ValueError, match=f"32 bytes \\(AES-256\\), not {length}"):
        RedisVault(Redis(), os.urandom(length))


def test_a_cpu_without_aes_instructions_is_refused_when_the_vault_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unavailable(*args: object) -> bytes:
        raise UnavailableError("Construction requires hardware acceleration")

    monkeypatch.setattr(vault_module, "crypto_aead_aes256gcm_encrypt", unavailable)
    with pytest.raises(RuntimeError, match="needs a CPU with AES instructions"):
        RedisVault(Redis(), KEY)


@pytest.mark.redis
def test_redis_blobs_are_interchangeable_with_those_cryptography_wrote(redis_url: str) -> None:
    # Replicas from before the move to libsodium (cryptography's AESGCM) and after share Redis
    # during a rolling upgrade: each reads what the other wrote.
    old, new = session_scope("t", "k", "old"), session_scope("t", "k", "new")
    aesgcm = AESGCM(KEY)

    async def scenario(client: Redis) -> None:
        vault = RedisVault(client, KEY, prefix="p:")
        nonce = os.urandom(12)
        sealed = aesgcm.encrypt(nonce, orjson.dumps(MAPPING), f"p:{old}".encode())
        await client.set(f"p:{old}", b"\x01" + nonce + sealed)
        assert await vault.load(old) == MAPPING

        await vault.save(new, MAPPING, ttl_s=60)
        blob = await client.get(f"p:{new}")
        assert isinstance(blob, bytes)
        assert blob[:1] == b"\x01"
        plain = aesgcm.decrypt(blob[1:13], blob[13:], f"p:{new}".encode())
        assert orjson.loads(plain) == MAPPING

    run_redis(redis_url, scenario)


def test_an_unreachable_redis_is_reported_as_an_unavailable_vault() -> None:
    """The protect step falls back to the request's own placeholders on VaultUnavailable; a
    Redis error of any other kind would escape it as a 500."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> None:
        client = Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        vault = RedisVault(client, KEY)
        try:
            with pytest.raises(VaultUnavailable, match="ConnectionError"):
                await vault.load(SCOPE)
            with pytest.raises(VaultUnavailable, match="ConnectionError"):
                await vault.save(SCOPE, MAPPING, ttl_s=60)
        finally:
            await client.aclose()

    asyncio.run(main())
