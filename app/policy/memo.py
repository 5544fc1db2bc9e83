"""The decision memo: one bundle revision gives one decision per input document, so a repeat
of a document under the revision that decided it is answered from memory instead of OPA.

Key: a digest of the input document without `request.id` (the only per-request id; every
other field, `context.time` included, may be read by a compliance team's policy and stays in).
An entry belongs to the revision that decided it and the memo only ever holds entries of the
revision it knows as active. That knowledge comes from OPA itself:

- `activated(revision)`: OPA's status plugin reported an activation
  (`opa_status.py`). Every entry is dropped; `revision` is then the active one (None when the
  report names no bundle, e.g. a `--bundle` file: the next decision tells, see below).
- `forget()`: the OPA child exited (supervisor): every entry is dropped, revision unknown.
- a decision whose provenance names another revision than the active one: OPA activated
  something the memo has not been told about yet; every entry is dropped, revision unknown.

While the revision is unknown, the first decision asked after the last drop names it: OPA
evaluated it after the drop, so its revision is the active one or a newer one (whose report,
when it comes, drops again). Each drop starts a new generation, and a decision is stored only
when no drop happened while it was being asked: an answer evaluated under the old revision
that returns after a drop is never stored.

Entries also carry an epoch, the document's `context.time`. It is part of the key, so an entry
of an earlier second can never be hit again: the first lookup of a new second clears them
(memory holds one second's distinct documents, ~4.5 KB each, not `size` dead ones).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Generic, TypeVar

import orjson

from app.schemas.contract import InputDocument

__all__ = ["DecisionMemo", "memo_key"]

T = TypeVar("T")


def memo_key(document: InputDocument) -> bytes:
    """Digest of the canonical JSON (sorted keys) of `document` without `request.id`."""
    request = dict(document["request"])
    del request["id"]
    canonical = orjson.dumps({**document, "request": request}, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(canonical, digest_size=32).digest()


class DecisionMemo(Generic[T]):
    """A bounded LRU of decisions of the active revision; `T` is what a decision is (the
    client stores its validated `PolicyResult`). Runs on the event loop: no locks."""

    def __init__(self, size: int) -> None:
        if size <= 0:
            raise ValueError("a decision memo needs room for at least one entry")
        self._size = size
        self._entries: OrderedDict[bytes, T] = OrderedDict()
        self._revision: str | None = None
        self._generation = 0
        self._epoch = ""
        self.hits = 0
        self.misses = 0
        self.drops = 0

    @property
    def revision(self) -> str | None:
        """The revision the memo knows as active (None: unknown, nothing is served)."""
        return self._revision

    @property
    def generation(self) -> int:
        """Take it before asking OPA, hand it to `store` with the answer."""
        return self._generation

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes, *, epoch: str = "") -> T | None:
        if epoch != self._epoch:
            self._entries.clear()
            self._epoch = epoch
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def store(
        self, key: bytes, generation: int, revision: str, decision: T, *, epoch: str = ""
    ) -> None:
        """Keep `decision`, evaluated under `revision`, if it was asked in this generation
        and `revision` is the active one (or the first one seen since the last drop)."""
        if generation != self._generation or revision == "unknown" or epoch != self._epoch:
            return
        if self._revision is None:
            self._revision = revision
        elif revision != self._revision:
            self._drop(None)
            return
        self._entries[key] = decision
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def activated(self, revision: str | None) -> None:
        """OPA reported an activation: `revision` is active (None: it named none)."""
        self._drop(revision)

    def forget(self) -> None:
        """The OPA process is gone: nothing it decided is served again."""
        self._drop(None)

    def _drop(self, revision: str | None) -> None:
        self._entries.clear()
        self._revision = revision
        self._generation += 1
        self.drops += 1
