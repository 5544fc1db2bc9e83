"""CPU per prompt count: kordon_bpe (what the gateway counts with) beside tiktoken's CoreBPE.

    .venv/bin/python -m pytest bench/bench_tokens.py --benchmark-only

Per text, one group times the same count three ways, in the same run:

* `tiktoken`: ``len(CoreBPE.encode_ordinary(text))``, tiktoken's Rust core built from the
  shipped o200k file (what app/quota/tokens.py used before kordon_bpe);
* `kordon_bpe`: ``Counter.count(text)``;
* `count_text_tokens`: the gateway's call (32k-character chunks, encoding lookup).

Texts: the 1 KB English chat prompt of bench/profile_gateway.sh, and 32 KB of mixed prose
(English, Russian, Chinese, code and JSON). A KB is 1024 characters. Medians are reported in
docs/performance.md and bench/profiles/memory-tokens.md, never asserted.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Callable

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from tiktoken._tiktoken import CoreBPE

from app.quota import tokens

KB = 1024
ENGLISH = (
    "Summarise the quarterly operations report for the logistics team: shipments were delayed "
    "by weather in the north, warehouse throughput rose, and two routes changed. "
)
MIXED = (
    ENGLISH,
    "Клиент жалуется, что заказ до сих пор не доставлен; просим проверить статус отправки. ",
    "请在周五之前把第三季度的运营报告发给物流团队，并说明北方天气造成的延误。",
    'def route(order):\n    return {"id": order.id, "status": "delayed", "eta_days": 3}\n',
    '{"shipment": 4512, "warehouse": "north-2", "items": [1, 2, 3], "ok": true}\n',
)


def _text(parts: tuple[str, ...], size: int) -> str:
    text = ""
    while len(text) < size:
        text += "".join(parts)
    return text[:size]


TEXTS = {"1 KB English": _text((ENGLISH,), KB), "32 KB mixed": _text(MIXED, 32 * KB)}


def _tiktoken_core() -> CoreBPE:
    with gzip.open(tokens.ENCODINGS_DIR / "o200k_base.tiktoken.gz", "rb") as lines:
        ranks = {base64.b64decode(token): int(rank) for token, rank in map(bytes.split, lines)}
    return CoreBPE(ranks, {}, tokens._PATTERNS["o200k_base"])


def _counters() -> dict[str, Callable[[str], int]]:
    core = _tiktoken_core()
    counter = tokens.encoding_for("gpt-4o")
    return {
        "tiktoken": lambda text: len(core.encode_ordinary(text)),
        "kordon_bpe": counter.count,
        "count_text_tokens": lambda text: tokens.count_text_tokens(text, "gpt-4o"),
    }


COUNTERS = _counters()


@pytest.mark.parametrize("way", list(COUNTERS))
@pytest.mark.parametrize("label", list(TEXTS))
def test_count(benchmark: BenchmarkFixture, label: str, way: str) -> None:
    benchmark.group = f"o200k count, {label}"
    text = TEXTS[label]
    expected = len(set(count(text) for count in COUNTERS.values()))
    benchmark.extra_info["same_count_every_way"] = expected == 1
    benchmark(COUNTERS[way], text)
