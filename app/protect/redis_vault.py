"""The pseudonym vault of a fleet: one Redis string per session scope, AES-256-GCM encrypted
under a short TTL, so a dump of Redis holds no personal data.

The cipher is libsodium's (PyNaCl), not OpenSSL's, so the gateway does not load `cryptography`;
the stored format is the one the `cryptography` version wrote (a format byte, a 12-byte nonce,
ciphertext and tag), so replicas of either version read each other's mappings. libsodium's
AES-GCM needs the CPU's AES instructions (AES-NI, ARMv8 Crypto Extensions) and a 32-byte key;
the vault checks both when it is made. Only deployments that name a Redis import this module
(app/stores.py).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import orjson
from nacl.bindings import (
    crypto_aead_aes256gcm_ABYTES,
    crypto_aead_aes256gcm_decrypt,
    crypto_aead_aes256gcm_encrypt,
    crypto_aead_aes256gcm_KEYBYTES,
    crypto_aead_aes256gcm_NPUBBYTES,
)
from nacl.exceptions import CryptoError, UnavailableError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.protect.vault import SessionScope, VaultUnavailable, VaultUnreadable, check_ttl

__all__ = ["RedisVault"]

# Leading byte of every stored blob, so a change of format or cipher is detected, not misread.
_FORMAT = b"\x01"
_NONCE_BYTES = crypto_aead_aes256gcm_NPUBBYTES
_SHORTEST = len(_FORMAT) + _NONCE_BYTES + crypto_aead_aes256gcm_ABYTES


class RedisVault:
    """A vault shared by gateway replicas: one Redis string per scope, AES-256-GCM encrypted.

    The scope's Redis key name is the associated data, so a blob copied under another scope
    fails to decrypt instead of leaking into the wrong session. The client belongs to the caller,
    who also closes it, and must return bytes (no ``decode_responses``).
    """

    def __init__(self, client: Redis, key: bytes, *, prefix: str = "kordon:pseudonyms:") -> None:
        if len(key) != crypto_aead_aes256gcm_KEYBYTES:
            # The length only: the key itself never reaches a message, a log or a repr.
            raise ValueError(f"the vault key must be 32 bytes (AES-256), not {len(key)}")
        try:
            crypto_aead_aes256gcm_encrypt(b"", None, bytes(_NONCE_BYTES), key)
        except UnavailableError:
            # Refused at start-up, not at a session's first request.
            raise RuntimeError(
                "the Redis pseudonym vault needs a CPU with AES instructions (AES-NI or ARMv8 "
                "Crypto Extensions) for libsodium's AES-256-GCM"
            ) from None
        self._client = client
        self._key = key
        self._prefix = prefix

    def __repr__(self) -> str:
        return f"RedisVault(prefix={self._prefix!r})"

    async def load(self, scope: SessionScope) -> dict[str, str]:
        name = self._prefix + scope
        try:
            blob = await self._client.get(name)
        except RedisError as exc:
            raise VaultUnavailable(type(exc).__name__) from exc
        if blob is None:
            return {}
        if not isinstance(blob, bytes) or not blob.startswith(_FORMAT):
            raise VaultUnreadable("a stored pseudonym mapping has an unknown format")
        if len(blob) < _SHORTEST:
            raise VaultUnreadable("a stored pseudonym mapping is truncated")
        nonce = blob[1 : 1 + _NONCE_BYTES]
        try:
            plain = crypto_aead_aes256gcm_decrypt(
                blob[1 + _NONCE_BYTES :], name.encode(), nonce, self._key
            )
        except CryptoError:
            raise VaultUnreadable("a stored pseudonym mapping failed to decrypt") from None
        return _parse(plain)

    async def save(self, scope: SessionScope, mapping: Mapping[str, str], ttl_s: float) -> None:
        check_ttl(ttl_s)
        name = self._prefix + scope
        nonce = os.urandom(_NONCE_BYTES)
        sealed = crypto_aead_aes256gcm_encrypt(
            orjson.dumps(dict(mapping)), name.encode(), nonce, self._key
        )
        try:
            # Milliseconds, rounded up, so a sub-second TTL never becomes "no expiry".
            await self._client.set(name, _FORMAT + nonce + sealed, px=math.ceil(ttl_s * 1000))
        except RedisError as exc:
            raise VaultUnavailable(type(exc).__name__) from exc


def _parse(plain: bytes) -> dict[str, str]:
    # Authenticated plaintext can still be from another version of this code; check its shape.
    data: Any = orjson.loads(plain)
    if not isinstance(data, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in data.items()
    ):
        raise VaultUnreadable("a stored pseudonym mapping is not a string mapping")
    return data
