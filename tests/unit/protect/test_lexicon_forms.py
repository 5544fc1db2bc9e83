"""The built-in lexicons' precomputed Russian forms (``lexicons/forms.json``) are pymorphy3's,
and a detector built with them is the detector built by asking pymorphy3."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pymorphy3
import pytest

from app.protect.detectors import LexiconDetector
from app.protect.detectors import lexicon as lexicon_module
from app.protect.detectors.lexicon import FORMS_FILE, analysed_forms, builtin_entries

# Russian and English entries a bundle may add: in the table, not in it, phrases, participles.
_EXTRA = {
    "health": ["онкология", "лейкемия", "острый лейкоз", "oncology", "chemotherapy"],
    "criminal": ["осуждённый", "условно-досрочное освобождение", "parole"],
    "beliefs": ["старообрядец", "пастафарианство"],
}


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    lexicon_module._lemmas.cache_clear()
    yield
    lexicon_module._lemmas.cache_clear()


def test_forms_file_is_what_stock_pymorphy3_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails after an edit of the lexicon files or a pymorphy3 upgrade until
    ``scripts/build-lexicon-forms.py`` is run again."""
    stock = pymorphy3.MorphAnalyzer()
    monkeypatch.setattr(lexicon_module, "analyzer", lambda: stock)
    stored = json.loads(FORMS_FILE.read_text(encoding="utf-8"))
    assert stored == analysed_forms(builtin_entries())
    assert len(stored["lemmas"]) > 100
    assert len(stored["prefixes"]) > 100


@pytest.mark.usefixtures("fresh_caches")
def test_detector_built_from_the_table_equals_one_built_by_pymorphy3(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from_table = LexiconDetector(extra=_EXTRA)
    lexicon_module._lemmas.cache_clear()
    monkeypatch.setattr(lexicon_module, "_forms", lambda: lexicon_module._Forms({}, {}))
    analysed = LexiconDetector(extra=_EXTRA)
    assert from_table._prefixes == analysed._prefixes
    assert from_table._index == analysed._index
    text = "Осуждённому по УДО назначили химиотерапию; онкологией и острым лейкозом, parole."
    assert list(from_table.find(text)) == list(analysed.find(text))
