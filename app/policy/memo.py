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

The premise "same input + same revision => same decision" is checked per activation: once the
revision is known, `on_revision` asks for an analysis of its policies (`policy_analysis.py`,
run off the request path by `revision_analysis.py`), and until `analysed` brings it for the
current generation and revision the memo serves and stores nothing (`keying` is None). A
revision calling a non-deterministic built-in is never memoized. A revision that may read
`input.context.time` keeps the time (per second) in the key: an entry then carries it as its
epoch and the first lookup of a new second clears the entries of the earlier one (memory holds
one second's distinct documents, ~4.5 KB each, not `size` dead ones). A revision that never
reads it leaves it out: an entry lives until evicted or the revision changes.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

import orjson

from app.policy.policy_analysis import PolicyAnalysis
from app.schemas.contract import InputDocument

__all__ = ["DecisionMemo", "memo_key"]

log = logging.getLogger("kordon.policy")

T = TypeVar("T")


def memo_key(document: InputDocument, *, with_time: bool = True) -> bytes:
    """Digest of the canonical JSON (sorted keys) of `document` without `request.id` (and
    without `context.time` unless `with_time`)."""
    request = dict(document["request"])
    del request["id"]
    keyed: dict[str, object] = {**document, "request": request}
    if not with_time:
        context = dict(document["context"])
        del context["time"]
        keyed["context"] = context
    canonical = orjson.dumps(keyed, option=orjson.OPT_SORT_KEYS)
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
        self._analysis: PolicyAnalysis | None = None
        self._generation = 0
        self._epoch = ""
        self.hits = 0
        self.misses = 0
        self.drops = 0
        # Called with (generation, revision) when a revision becomes known: analyse it and
        # hand the result to `analysed`.
        self.on_revision: Callable[[int, str], None] | None = None

    @property
    def revision(self) -> str | None:
        """The revision the memo knows as active (None: unknown, nothing is served)."""
        return self._revision

    @property
    def analysis(self) -> PolicyAnalysis | None:
        """The active revision's analysis (None: not analysed yet)."""
        return self._analysis

    @property
    def keying(self) -> bool | None:
        """None: serve nothing (revision not analysed yet, or non-deterministic); else
        whether `context.time` is part of the key."""
        analysis = self._analysis
        if analysis is None or not analysis.memoizable:
            return None
        return analysis.reads_time

    @property
    def generation(self) -> int:
        """Take it before asking OPA, hand it to `store` with the answer."""
        return self._generation

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes, *, epoch: str = "") -> T | None:
        if self.keying is None:
            return None
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
        """Keep `decision`, evaluated under `revision`, if it was asked in this generation,
        `revision` is the active one and its analysis allows it."""
        if not self.learn(generation, revision) or epoch != self._epoch or self.keying is None:
            return
        self._entries[key] = decision
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def learn(self, generation: int, revision: str) -> bool:
        """A decision asked in `generation` was evaluated under `revision`: whether that is
        the active revision. The first one seen since a drop that named none becomes it."""
        if generation != self._generation or revision == "unknown":
            return False
        if self._revision is None:
            self._revision = revision
            self._analyse()
        elif revision != self._revision:
            self._drop(None)
            return False
        return True

    def analysed(self, generation: int, revision: str, analysis: PolicyAnalysis) -> None:
        """The analysis of `revision` asked for in `generation`; kept while both are current."""
        if generation != self._generation or revision != self._revision:
            return
        self._analysis = analysis
        log.info("decision memo for revision %s: %s", revision, analysis.summary)

    def activated(self, revision: str | None) -> None:
        """OPA reported an activation: `revision` is active (None: it named none)."""
        self._drop(revision)

    def forget(self) -> None:
        """The OPA process is gone: nothing it decided is served again."""
        self._drop(None)

    def _drop(self, revision: str | None) -> None:
        self._entries.clear()
        self._revision = revision
        self._analysis = None
        self._generation += 1
        self.drops += 1
        self._analyse()

    def _analyse(self) -> None:
        if self.on_revision is not None and self._revision is not None:
            self.on_revision(self._generation, self._revision)
