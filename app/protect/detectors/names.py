"""Person names: an optional NER layer on top of the pattern detectors, off by default.

Names have no shape a regex can trust, so they need a model. The seam is here; the model is
not a dependency: the detector imports ``natasha`` (Russian news NER, PER spans) the first
time it runs and raises :class:`DetectorUnavailableError` if it is not installed. Call
:meth:`NatashaNameDetector.load` at start-up to fail there instead of on the first request.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from app.protect.detectors.base import DetectorUnavailableError
from app.protect.findings import Finding

__all__ = ["NatashaNameDetector"]


class NatashaNameDetector:
    """Finds person names with natasha's NER tagger (loaded lazily, once)."""

    categories: frozenset[str] = frozenset({"person_name"})

    def __init__(self) -> None:
        """Create the detector without loading the model."""
        self._pipeline: tuple[Any, Any, Any] | None = None

    def load(self) -> None:
        """Load the segmenter and NER model; raise DetectorUnavailableError without natasha."""
        self._loaded()

    def _loaded(self) -> tuple[Any, Any, Any]:
        if self._pipeline is not None:
            return self._pipeline
        try:
            natasha = importlib.import_module("natasha")
        except ImportError as exc:
            raise DetectorUnavailableError(
                "person_name detection needs the optional 'natasha' package (pip install natasha)"
            ) from exc
        embedding = natasha.NewsEmbedding()
        self._pipeline = (natasha.Segmenter(), natasha.NewsNERTagger(embedding), natasha.Doc)
        return self._pipeline

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each PER span the tagger finds."""
        segmenter, tagger, make_doc = self._loaded()
        doc = make_doc(text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        for span in doc.spans:
            if span.type == "PER":
                yield Finding("person_name", span.start, span.stop)
