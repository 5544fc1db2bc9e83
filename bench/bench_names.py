"""What person names cost: the whole scan with names off, by rules, and by rules plus NER.

    .venv/bin/python -m pytest bench/bench_names.py --benchmark-only

The text is Russian and English business prose with a name about every 200 characters (CRM
notes, tickets, contracts, a tool-call JSON) plus the identifiers the other detectors look
for. Per size, one group times the same text three ways, in the same run:

* `names off`: `default_scanner()` limited to every category but `person_name`;
* `names by rules`: `default_scanner()` as every tenant gets it (RuleNameDetector);
* `names by rules + NER`: the scanner of a tenant with `detection.name_model: ner`.

Each row records `p50_ms_per_kb` and `ratio_vs_names_off` in extra_info. A KB is 1024
*characters*, as in bench_scan.py. Caches are warm, as on a gateway that has seen traffic;
`cold word cache` clears the rules' word classes before every round. `rss` starts a fresh
interpreter per configuration, scans 100 KB, and records its resident memory (VmHWM, MB):
what names cost in memory. Reported in extra_info, never asserted.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from app.protect.detectors.name_words import classify
from app.protect.detectors.names import NatashaNameDetector
from app.protect.scan import Scanner, default_scanner

KB = 1024

PARAGRAPHS = (
    "Клиент Мария Соколова (тел. +7 (916) 234-56-78, maria.sokolova@example.ru) жалуется, что "
    "заказ № 4512-7781 от 02.11.2024 на сумму 15 400 руб. до сих пор не доставлен. ",
    "The customer John Miller, reachable at +44 20 7946 0958, asked us to update the billing "
    "address; Ms. Al-Rashid from the Dubai office approved the refund of invoice INV-2024-00731. ",
    "Договор поставки со стороны покупателя подписан Петровым Иваном Сергеевичем, со стороны "
    "поставщика — генеральным директором ООО «Вектор» Анной Викторовной Морозовой. ",
    "Please forward the signed copy to Marco Rossi and Jean-Pierre Dupont before Friday; the "
    "tracking number RA123456789RU will be active tomorrow and our API (v3.2.0.1) is unaffected. ",
    "Передайте, пожалуйста, Алексею Смирнову, что встреча в Москве переносится на четверг, а "
    "отчёт за третий квартал нужно отправить Ольге Кузнецовой до конца недели. ",
    "Реквизиты поставщика: ООО «Вектор», ИНН 7707083893, ОГРН 1027700132195, р/с "
    "40702810400000012345 в банке, БИК 044525225. Оплату провести до пятницы. ",
    '{"customer": {"name": "Тимур Ахметов", "city": "Казань", "phone": "+7 912 581-40-77"}} ',
)
BASE = "".join(PARAGRAPHS)
SIZES = {"1 KB": 1, "10 KB": 10, "100 KB": 100}
RULES = default_scanner()
OFF = RULES.for_categories(RULES.categories - {"person_name"})
NER = NatashaNameDetector()
BOTH = Scanner((*RULES.detectors, NER))
SCANNERS: dict[str, Scanner] = {
    "names off": OFF,
    "names by rules": RULES,
    "names by rules + NER": BOTH,
}


def _text(kb: int) -> str:
    size = kb * KB
    return (BASE * (size // len(BASE) + 1))[:size]


def _p50_ms(benchmark: BenchmarkFixture) -> float | None:
    if benchmark.stats is None:  # --benchmark-disable: ran once, untimed
        return None
    return float(statistics.median(benchmark.stats.stats.data) * 1e3)


def _time(call: Callable[[str], object], text: str, rounds: int) -> float:
    import timeit

    return statistics.median(timeit.repeat(lambda: call(text), number=1, repeat=rounds)) * 1e3


@pytest.fixture(scope="module", autouse=True)
def _model_loaded() -> None:
    NER.load()


@pytest.mark.parametrize("how", list(SCANNERS))
@pytest.mark.parametrize("size", list(SIZES))
def test_scan(benchmark: BenchmarkFixture, size: str, how: str) -> None:
    benchmark.group = f"names, {size} of Russian and English"
    kb, scanner = SIZES[size], SCANNERS[how]
    text = _text(kb)
    rounds = max(5, (200 if "NER" in how else 2000) // kb)
    found = benchmark.pedantic(  # type: ignore[no-untyped-call]
        scanner.scan, args=(text,), rounds=rounds, iterations=1, warmup_rounds=2
    )
    names = sum(f.category == "person_name" for f in found)
    assert (names >= 4 * kb) == (how != "names off")  # the text really carries names
    benchmark.extra_info["names_found"] = names
    p50_ms = _p50_ms(benchmark)
    if p50_ms is not None:
        off_ms = _time(OFF.scan, text, max(5, 2000 // kb))
        benchmark.extra_info["p50_ms_per_kb"] = round(p50_ms / kb, 4)
        benchmark.extra_info["names_off_p50_ms_per_kb"] = round(off_ms / kb, 4)
        benchmark.extra_info["ratio_vs_names_off"] = round(p50_ms / off_ms, 2)


def test_rules_cold_word_cache(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "names, 10 KB, cold word cache"
    benchmark.pedantic(  # type: ignore[no-untyped-call]
        RULES.scan, args=(_text(10),), setup=classify.cache_clear, rounds=20, iterations=1
    )
    p50_ms = _p50_ms(benchmark)
    if p50_ms is not None:
        benchmark.extra_info["p50_ms_per_kb"] = round(p50_ms / 10, 4)


_RSS = """
import json, sys
from app.protect.detectors.names import NatashaNameDetector
from app.protect.scan import Scanner, default_scanner
how, text = sys.argv[1], sys.stdin.read()
scanner = default_scanner()
if how == "names off":
    scanner = scanner.for_categories(scanner.categories - {"person_name"})
elif how == "names by rules + NER":
    ner = NatashaNameDetector()
    ner.load()
    scanner = Scanner((*scanner.detectors, ner))
found = scanner.scan(text)
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({"peak_mb": int(status["VmHWM"].split()[0]) / 1024,
                  "rss_mb": int(status["VmRSS"].split()[0]) / 1024, "findings": len(found)}))
"""


@pytest.mark.parametrize("how", list(SCANNERS))
def test_rss(benchmark: BenchmarkFixture, how: str) -> None:
    """A fresh process per configuration: start, build the scanner, scan 100 KB, read memory."""
    benchmark.group = "names, memory of a fresh process after a 100 KB scan"
    text = _text(100)

    def run() -> dict[str, float]:
        done = subprocess.run(
            [sys.executable, "-c", _RSS, how],
            input=text,
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, float] = json.loads(done.stdout)
        return result

    result = benchmark.pedantic(run, rounds=1, iterations=1)  # type: ignore[no-untyped-call]
    benchmark.extra_info["rss_mb"] = round(result["rss_mb"], 1)
    benchmark.extra_info["peak_rss_mb"] = round(result["peak_mb"], 1)
