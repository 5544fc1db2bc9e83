"""kordon_bpe's counts are tiktoken's, token for token count, for both shipped encodings.

The reference is tiktoken itself (a dev dependency): ``tiktoken_ext.openai_public`` builds each
encoding with its own pattern, special tokens and file parser, reading the shipped file where
it would download it (the SHA-256 it pins is checked), and ``Encoding.encode_ordinary`` encodes.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import random
from pathlib import Path
from unittest import mock

import pytest
import tiktoken
import tiktoken.load
from hypothesis import given, settings
from hypothesis import strategies as st
from kordon_bpe import Counter
from tiktoken_ext import openai_public

from app.quota import tokens
from app.quota.tokens import ENCODINGS_DIR, count_text_tokens

ENCODINGS = ("o200k_base", "cl100k_base")
MODEL = {"o200k_base": "gpt-4o", "cl100k_base": "gpt-4"}


def _shipped(name: str) -> bytes:
    return gzip.decompress((ENCODINGS_DIR / f"{name}.tiktoken.gz").read_bytes())


@functools.cache
def reference(name: str) -> tiktoken.Encoding:
    def read_shipped(blobpath: str, expected_hash: str | None = None) -> bytes:
        data = _shipped(blobpath.rsplit("/", 1)[1].removesuffix(".tiktoken"))
        assert hashlib.sha256(data).hexdigest() == expected_hash
        return data

    with mock.patch.object(tiktoken.load, "read_file_cached", read_shipped):
        return tiktoken.Encoding(**getattr(openai_public, name)())


def assert_exact(texts: list[str], name: str) -> None:
    counter = tokens._encoding(name)
    wrong = [t for t in texts if counter.count(t) != len(reference(name).encode_ordinary(t))]
    assert wrong == []


@pytest.mark.parametrize("name", ENCODINGS)
def test_split_patterns_are_tiktokens(name: str) -> None:
    assert tokens._PATTERNS[name] == reference(name)._pat_str


CORPUS = json.loads(Path(__file__).with_name("token_counts.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ENCODINGS)
def test_stored_corpus_counts_as_tiktoken_does(name: str) -> None:
    assert_exact([t["text"] for t in CORPUS["texts"]], name)


# Pieces a generated text is built from: scripts, contractions, digits, whitespace runs (the
# patterns' look-ahead and newline branches), emoji with joiners and skin tones, combining
# marks, special-token markup (ordinary text here) and symbol runs.
FRAGMENTS = [
    "Hello",
    "world",
    "HELLO",
    "camelCaseWord",
    "they'll",
    "I'M",
    "don't",
    "'s",
    "Съешь",
    "ещё",
    "ЭТИХ",
    "мягких",
    "مرحبا",
    "بالعالم",
    "你好世界",
    "東京都",
    "こんにちは",
    "한국어",
    "नमस्ते",
    "Ελληνικά",
    "שלום",
    "ไทย",
    "👩‍👩‍👧‍👦",
    "👍🏽",
    "🇷🇺",
    "e\u0301",
    "\u200b",
    "\ufeff",
    "<|endoftext|>",
    "<|endofprompt|>",
    "<|fim_prefix|>",
    "0",
    "12345678901",
    "3.14159",
    "١٢٣",
    "½",
    " ",
    "  ",
    "    ",
    "\t",
    "\n",
    "\r\n",
    "\n\n\n",
    " \n ",
    "...",
    "!!!",
    '{"a": [1, 2]}',
    "//",
    "https://example.com/a?b=c",
    "$€₽",
    "\x00",
    "\x7f",
]


def generated_corpus(seed: int, size: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(size):
        parts = rng.choices(FRAGMENTS, k=rng.randint(1, 24))
        texts.append("".join(p if rng.random() < 0.7 else " " + p for p in parts))
    return texts


@pytest.mark.parametrize("name", ENCODINGS)
def test_generated_multilingual_corpus_counts_as_tiktoken_does(name: str) -> None:
    assert_exact(generated_corpus(seed=12, size=3000), name)


def _long_word(rng: random.Random, alphabet: str, size: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


@pytest.mark.parametrize("name", ENCODINGS)
def test_long_pieces_count_as_tiktoken_does(name: str) -> None:
    # Single pieces up to thousands of bytes long: the byte-pair merge does all the work.
    rng = random.Random(7)
    texts = [
        "a" * 5000,
        "ab" * 3000,
        "антидисэстаблишментарианизм" * 100,
        _long_word(rng, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/", 8000),
        _long_word(rng, "你好世界東京都日本語中文", 3000),
        _long_word(rng, "!@#$%^&*()_+-=[]{};:,.<>?", 6000),
        "9" * 4000,
        " " * 5000 + "x",
        "\n" * 3000,
        "😀" * 2000,
    ]
    # Around 100 bytes, where tiktoken switches from its scan to its heap merge.
    for alphabet in (
        "abcdefghijklmnopqrstuvwxyz",
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "的一是了我",
    ):
        texts += [_long_word(rng, alphabet, size) for size in range(30, 140, 3)]
    assert_exact(texts, name)


# Any character UTF-8 can encode: lone surrogates have their own test below.
unicode_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
mixed_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), unicode_text), max_size=12).map("".join)


@settings(max_examples=1000, deadline=None)
@given(text=mixed_text)
def test_random_unicode_counts_as_tiktoken_does(text: str) -> None:
    for name in ENCODINGS:
        assert tokens._encoding(name).count(text) == len(reference(name).encode_ordinary(text))


@pytest.mark.parametrize("name", ENCODINGS)
def test_special_token_markup_counts_as_ordinary_text(name: str) -> None:
    text = "<|endoftext|> and <|endofprompt|><|fim_prefix|>"
    expected = len(reference(name).encode_ordinary(text))
    assert count_text_tokens(text, MODEL[name]) == expected > 3


@pytest.mark.parametrize("name", ENCODINGS)
def test_lone_surrogates_count_as_tiktoken_encoding_does(name: str) -> None:
    # tiktoken.Encoding replaces them with U+FFFD; the native counter refuses them and
    # count_text_tokens does the same replacement.
    text = "a\ud800b \udfff\ud83d tail"
    assert count_text_tokens(text, MODEL[name]) == len(reference(name).encode_ordinary(text))


@pytest.mark.parametrize("name", ENCODINGS)
def test_long_text_counts_as_tiktoken_does_on_the_whole(name: str) -> None:
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю. Hello world! " * 4000
    assert count_text_tokens(text, MODEL[name]) == len(reference(name).encode_ordinary(text))


@pytest.mark.parametrize("name", ENCODINGS)
def test_counter_loads_the_whole_vocabulary(name: str) -> None:
    counter = Counter(ENCODINGS_DIR / f"{name}.tiktoken.gz", tokens._PATTERNS[name])
    assert counter.vocabulary_size == len(reference(name)._mergeable_ranks)


def _lines(*tokens_b64: str) -> bytes:
    return "".join(f"{t} {rank}\n" for rank, t in enumerate(tokens_b64)).encode()


@pytest.mark.parametrize(
    ("ranks_file", "message"),
    [
        (b"YQ== 1\n", "out of sequence"),
        (b"YQ==\n", "expected `base64 rank`"),
        (b"!!!! 0\n", "expected `base64 rank`"),
        (_lines("YQ==", "YQ=="), "duplicate token"),
        (_lines("YQ==", "Yg=="), "lacks a single-byte token"),
    ],
)
def test_malformed_ranks_files_are_refused(ranks_file: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.tiktoken.gz"
    path.write_bytes(gzip.compress(ranks_file))
    with pytest.raises(ValueError, match=message):
        Counter(path, r"\S+|\s+")


def test_a_missing_file_or_a_bad_pattern_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Counter(tmp_path / "missing.tiktoken.gz", r"\S+")
    with pytest.raises(ValueError, match="Parsing error"):
        Counter(ENCODINGS_DIR / "cl100k_base.tiktoken.gz", "(unclosed")
