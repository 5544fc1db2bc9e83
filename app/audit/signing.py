"""Ed25519 keys and segment seals: the signature that closes each segment of the trail.

A seal names a segment's first and last record and the last record's hash; signing it
signs, through the chain, every record up to there. Verifying needs only the public key.
Ed25519 comes from libsodium (PyNaCl), not OpenSSL, so the gateway does not load `cryptography`;
the key files keep their PEM formats (`app.audit.keyfile`).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from app.audit.chain import canonical
from app.audit.keyfile import private_pem, public_pem, read_private_seed, read_public_key

__all__ = [
    "Seal",
    "Signer",
    "generate_keypair",
    "key_id",
    "load_public_key",
    "seal_valid",
]


@dataclass(frozen=True, slots=True)
class Seal:
    segment: int
    first_seq: int
    last_seq: int
    last_hash: str
    key_id: str | None
    signature: str | None

    def signed_bytes(self) -> bytes:
        return canonical(
            {
                "segment": self.segment,
                "first_seq": self.first_seq,
                "last_seq": self.last_seq,
                "last_hash": self.last_hash,
            }
        )

    def to_json(self) -> dict[str, object]:
        return {
            "segment": self.segment,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, document: dict[str, object]) -> Seal:
        return cls(
            segment=int(str(document["segment"])),
            first_seq=int(str(document["first_seq"])),
            last_seq=int(str(document["last_seq"])),
            last_hash=str(document["last_hash"]),
            key_id=None if document.get("key_id") is None else str(document["key_id"]),
            signature=None if document.get("signature") is None else str(document["signature"]),
        )


def key_id(public: VerifyKey) -> str:
    """A short fingerprint naming the key that signed a seal (not a secret)."""
    return "ed25519:" + hashlib.sha256(bytes(public)).hexdigest()[:16]


class Signer:
    def __init__(self, private: SigningKey) -> None:
        self._private = private
        self.key_id = key_id(private.verify_key)

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        return cls(SigningKey(read_private_seed(path)))

    def seal(self, segment: int, first_seq: int, last_seq: int, last_hash: str) -> Seal:
        unsigned = Seal(segment, first_seq, last_seq, last_hash, self.key_id, None)
        signed = self._private.sign(unsigned.signed_bytes())
        signature = base64.b64encode(signed.signature).decode()
        return Seal(segment, first_seq, last_seq, last_hash, self.key_id, signature)


def seal_valid(seal: Seal, public: VerifyKey) -> bool:
    if seal.signature is None:
        return False
    try:
        public.verify(seal.signed_bytes(), base64.b64decode(seal.signature, validate=True))
    except (BadSignatureError, ValueError):
        # ValueError: not base64 (binascii.Error) or not 64 bytes long (nacl's ValueError).
        return False
    return True


def load_public_key(path: Path) -> VerifyKey:
    return VerifyKey(read_public_key(path))


def generate_keypair(private_path: Path, public_path: Path) -> str:
    """Write a new private key (mode 0600, never overwritten) and its public key; return its id."""
    private = SigningKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private_pem(bytes(private)))
    public_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.write_bytes(public_pem(bytes(private.verify_key)))
    return key_id(private.verify_key)
