"""The personal-data scan over 1 KB, 10 KB and 100 KB of mixed Russian/English prompt text.

    .venv/bin/python -m pytest bench/bench_scan.py --benchmark-only

`scan` is `default_scanner().scan` (every built-in detector, names included) over text made of
support tickets, CRM notes and instructions, about one personal value per 300 characters.
A KB here is 1024 *characters* (Cyrillic is two bytes each in UTF-8, so per byte it is
cheaper). Each size group also times two baselines over the same text: `str.lower()` and one
pass of a word regex, so the table's ratio column reads as "how many lower()s is a scan".
The caches are warm, as on a gateway that has seen traffic; `cold caches` clears the
lemmatiser and phone caches before every round to show the first-request cost.
`scan and pseudonymize` adds the placeholder replacement the protect step does.
Target: p50 <= 0.3 ms per KB for scan + pseudonymize, growing linearly. Reported in
extra_info, never asserted.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from app.protect.detectors.lexicon import _lemmas
from app.protect.detectors.phone import _region_if_valid
from app.protect.pseudonymize import Pseudonymizer
from app.protect.scan import default_scanner

TARGET_MS_PER_KB = 0.3
KB = 1024

PARAGRAPHS = (
    "Коллеги, добрый день! Прошу подготовить сводку по обращениям клиентов за ноябрь: сколько "
    "заявок закрыто в срок, какие причины задержек и что мы предлагаем изменить в регламенте. ",
    "Please review the incident report for the payment service outage on 12.03.2024 (release "
    "2.10.1) and summarise the root cause in three bullet points for the weekly status e-mail. ",
    "Клиент Мария Соколова (тел. +7 (916) 234-56-78, maria.sokolova@example.ru) жалуется, что "
    "заказ № 4512-7781 от 02.11.2024 на сумму 15 400 руб. до сих пор не доставлен. ",
    "The customer John Miller, reachable at +44 20 7946 0958, asked us to update the billing "
    "address and to resend invoice INV-2024-00731; card 4111 1111 1111 1111 was charged twice. ",
    "Сотрудница сообщила, что у неё диагностирован сахарный диабет, и попросила перевести её на "
    "удалённую работу; приложен больничный лист. СНИЛС 112-233-445 95, ИНН 500100732259. ",
    "Draft a reply explaining that refunds take 5-7 business days, that the tracking number "
    "RA123456789RU will be active tomorrow and that our API (v3.2.0.1) is unaffected. ",
    "Реквизиты поставщика: ООО «Вектор», ИНН 7707083893, ОГРН 1027700132195, р/с "
    "40702810400000012345 в банке, БИК 044525225. Оплату провести до пятницы. ",
    'Tool result: {"status": "ok", "items": 3, "client_ip": "10.12.0.7", "iban": '
    '"DE89 3704 0044 0532 0130 00", "note": "verify before shipping"}. ',
)
BASE = "".join(PARAGRAPHS)
SIZES = {"1 KB": 1, "10 KB": 10, "100 KB": 100}
WORD = re.compile(r"\w+")
SCANNER = default_scanner()


def _text(kb: int) -> str:
    size = kb * KB
    return (BASE * (size // len(BASE) + 1))[:size]


def _report(benchmark: BenchmarkFixture, kb: int) -> None:
    if benchmark.stats is None:  # --benchmark-disable: ran once, untimed
        return
    p50_ms = statistics.median(benchmark.stats.stats.data) * 1e3
    benchmark.extra_info["p50_ms"] = round(p50_ms, 4)
    benchmark.extra_info["p50_ms_per_kb"] = round(p50_ms / kb, 4)
    benchmark.extra_info["target_ms_per_kb"] = TARGET_MS_PER_KB


def _run(benchmark: BenchmarkFixture, kb: int, call: Callable[[str], object]) -> object:
    text = _text(kb)
    rounds = max(20, 2000 // kb)
    result = benchmark.pedantic(  # type: ignore[no-untyped-call]
        call, args=(text,), rounds=rounds, iterations=1, warmup_rounds=3
    )
    _report(benchmark, kb)
    return result


@pytest.mark.parametrize("size", list(SIZES))
def test_scan(benchmark: BenchmarkFixture, size: str) -> None:
    benchmark.group = f"scan, {size}"
    kb = SIZES[size]
    findings = _run(benchmark, kb, SCANNER.scan)
    assert isinstance(findings, list)
    assert len(findings) >= 9 * kb  # the text really carries personal data
    benchmark.extra_info["findings"] = len(findings)


def _scan_and_pseudonymize(text: str) -> str:
    """The request-side protect work: scan, then replace every finding with its placeholder."""
    return Pseudonymizer().apply(text, SCANNER.scan(text))


@pytest.mark.parametrize("size", list(SIZES))
def test_scan_and_pseudonymize(benchmark: BenchmarkFixture, size: str) -> None:
    benchmark.group = f"scan, {size}"
    protected = _run(benchmark, SIZES[size], _scan_and_pseudonymize)
    assert isinstance(protected, str)
    assert "[EMAIL_1]" in protected


@pytest.mark.parametrize("size", list(SIZES))
def test_baseline_lower(benchmark: BenchmarkFixture, size: str) -> None:
    benchmark.group = f"scan, {size}"
    _run(benchmark, SIZES[size], str.lower)


@pytest.mark.parametrize("size", list(SIZES))
def test_baseline_one_regex_pass(benchmark: BenchmarkFixture, size: str) -> None:
    benchmark.group = f"scan, {size}"
    _run(benchmark, SIZES[size], lambda text: sum(1 for _ in WORD.finditer(text)))


def test_scan_cold_caches(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "scan, 10 KB, cold caches"
    text = _text(10)

    def clear() -> None:
        _lemmas.cache_clear()
        _region_if_valid.cache_clear()

    benchmark.pedantic(  # type: ignore[no-untyped-call]
        SCANNER.scan, args=(text,), setup=clear, rounds=20, iterations=1
    )
    _report(benchmark, 10)
