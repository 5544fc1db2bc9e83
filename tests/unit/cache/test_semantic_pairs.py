"""Precision and recall of the semantic hit decision on the labelled Russian/English set
(``semantic_pairs.py``), through the real model, index and guards. A wrong hit is a wrong
answer served, so precision must stay at or above 0.99; recall is printed and held to a floor
so a broken model or an over-eager guard shows."""

from __future__ import annotations

import asyncio

import pytest

from app.cache.embedder import UseEmbedder
from app.cache.keys import Scope
from app.cache.semantic import SemanticCache
from app.cache.semantic_index import SemanticIndex
from tests.unit.cache.decisions import decision
from tests.unit.cache.semantic_pairs import HELD_OUT, ROWS, pairs

# The similarity the test tier asks for (tests/integration/test_cache_semantic.py), the
# default of the decision's `min_similarity`.
THRESHOLD = 0.9


async def _decide(labelled: list[tuple[str, str, bool]]) -> list[tuple[bool, bool]]:
    """(expected, served) per pair: the first prompt cached, the second looked up."""
    semantic = SemanticCache(UseEmbedder(), SemanticIndex(max_entries=len(labelled)))
    results = []
    for n, (cached, asked, same) in enumerate(labelled):
        scope = Scope.of(f"pair-{n}", "chat.completions", decision())
        kept = await semantic.probe(scope, _payload(cached))
        probe = await semantic.probe(scope, _payload(asked))
        assert kept is not None
        assert probe is not None
        semantic.remember(kept, f"key-{n}", 60)
        results.append((same, bool(semantic.matches(probe, THRESHOLD))))
    return results


def _payload(text: str) -> dict[str, object]:
    return {"model": "auto", "messages": [{"role": "user", "content": text}], "temperature": 0}


@pytest.mark.parametrize(
    ("name", "rows", "min_recall"),
    [("written with the guards", ROWS, 0.6), ("held out", HELD_OUT, 0.5)],
)
def test_semantic_hits_are_precise(
    name: str, rows: list[tuple[str, str, str]], min_recall: float
) -> None:
    results = asyncio.run(_decide(pairs(rows)))
    hits = [expected for expected, served in results if served]
    positives = sum(1 for expected, _ in results if expected)
    precision = sum(hits) / len(hits) if hits else 0.0
    recall = sum(hits) / positives
    print(
        f"\nsemantic cache, {name} set: {len(results)} pairs ({positives} paraphrases), "
        f"min_similarity {THRESHOLD}: precision {precision:.3f}, recall {recall:.3f}, "
        f"wrong hits {len(hits) - sum(hits)}"
    )
    assert precision >= 0.99
    assert recall >= min_recall
