"""The word lists of the person-name detector, read once from ``app/protect/lexicons``.

Curated, lower-case lists shipped with the package (never fetched): Latin-script given
names (``names_given_latin.txt``), given names that are also words or places
(``names_ambiguous_latin.txt``), common surnames (``names_surnames_latin.txt``), capitalised
words that are never a name (``names_not_names_latin.txt``) and the context words before a
name, a place or a company (``names_context.txt``). Russian names need no list: pymorphy3's
dictionary tags given names, surnames and patronymics (``name_words.py``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

__all__ = ["NameLists", "name_lists"]

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"


class NameLists(NamedTuple):
    given: frozenset[str]
    ambiguous: frozenset[str]
    surnames: frozenset[str]
    not_names: frozenset[str]
    titles: frozenset[str]
    places: frozenset[str]
    orgs: frozenset[str]


def _words(path: Path) -> list[str]:
    """Whitespace-separated words, ``#`` comments dropped."""
    text = path.read_text(encoding="utf-8")
    return [word for line in text.splitlines() for word in line.split("#", 1)[0].split()]


def _sections(path: Path) -> dict[str, frozenset[str]]:
    """``[section]`` headers, each followed by its words."""
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    for word in _words(path):
        if word.startswith("[") and word.endswith("]"):
            current = sections.setdefault(word[1:-1], set())
        elif current is None:
            raise ValueError(f"{path.name}: words before the first [section]")
        else:
            current.add(word)
    return {name: frozenset(words) for name, words in sections.items()}


@cache
def name_lists(directory: Path = LEXICON_DIR) -> NameLists:
    """Every list, read once per process (about 2,500 words)."""
    ambiguous = frozenset(_words(directory / "names_ambiguous_latin.txt"))
    context = _sections(directory / "names_context.txt")
    return NameLists(
        given=frozenset(_words(directory / "names_given_latin.txt")) - ambiguous,
        ambiguous=ambiguous,
        surnames=frozenset(_words(directory / "names_surnames_latin.txt")),
        not_names=frozenset(_words(directory / "names_not_names_latin.txt")),
        titles=context["titles"],
        places=context["places"],
        orgs=context["orgs"],
    )
