"""The hash chain: canonical record bytes and the link from each record to the one before.

A record's `hash` is the SHA-256 of its canonical JSON without the `hash` key (its `seq` and
`prev` included); `prev` is the previous record's `hash`, 64 zeros for the first. Canonical
JSON is orjson with sorted keys: one byte string per record, whichever process writes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import orjson

__all__ = ["GENESIS", "canonical", "link", "record_hash"]

GENESIS = "0" * 64


def canonical(document: Mapping[str, object]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def record_hash(record: Mapping[str, object]) -> str:
    """SHA-256 of the record's canonical bytes without its own `hash`."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def link(body: dict[str, object], seq: int, prev: str) -> tuple[bytes, str]:
    """Put `body` at `seq` after `prev`; return its stored line (no newline) and its hash."""
    body["seq"] = seq
    body["prev"] = prev
    digest = hashlib.sha256(canonical(body)).hexdigest()
    body["hash"] = digest
    return canonical(body), digest
