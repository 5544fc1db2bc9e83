"""Person-name detection (natasha NER) per KB of Russian text, next to the default scan.

    .venv/bin/python -m pytest bench/bench_names.py --benchmark-only

`names` is `NatashaNameDetector().find` over Russian text (CRM notes, tickets, HR and
clinic requests: about one name per 200 characters); `default scan` is
`default_scanner().scan` over the very same text, in the same group, so the table compares
them directly. Each `names` row also records `ratio_vs_default_scan` (its p50 over the
default scan's p50, measured right there) and both costs per KB in extra_info. A KB here is
1024 *characters*, as in bench_scan.py (Cyrillic is two bytes each in UTF-8: per KiB of
UTF-8 it is about half). The word cache of the span trimming is warm, as on a gateway that
has seen traffic; `cold word cache` clears it before every round. `english, 10 KB` shows
what names cost on text with no Cyrillic (one regex search: the model is skipped), and
`load` the one-off model load per process.
Reported in extra_info, never asserted.
"""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from app.protect.detectors import names as names_module
from app.protect.detectors.names import NatashaNameDetector
from app.protect.scan import default_scanner

KB = 1024

PARAGRAPHS = (
    "Клиент Мария Соколова (тел. +7 (916) 234-56-78, maria.sokolova@example.ru) жалуется, что "
    "заказ № 4512-7781 от 02.11.2024 на сумму 15 400 руб. до сих пор не доставлен. ",
    "Коллеги, добрый день! Прошу подготовить сводку по обращениям клиентов за ноябрь: сколько "
    "заявок закрыто в срок, какие причины задержек и что мы предлагаем изменить в регламенте. ",
    "Договор поставки со стороны покупателя подписан Петровым Иваном Сергеевичем, со стороны "
    "поставщика — генеральным директором ООО «Вектор» Анной Викторовной Морозовой. ",
    "Передайте, пожалуйста, Алексею Смирнову, что встреча в Москве переносится на четверг, а "
    "отчёт за третий квартал нужно отправить Ольге Кузнецовой до конца недели. ",
    "Сотрудница Наталья Орлова сообщила, что у неё диагностирован сахарный диабет, и попросила "
    "перевести её на удалённую работу; приложен больничный лист. СНИЛС 112-233-445 95. ",
    "Реквизиты поставщика: ООО «Вектор», ИНН 7707083893, ОГРН 1027700132195, р/с "
    "40702810400000012345 в банке, БИК 044525225. Оплату провести до пятницы. ",
    '{"customer": {"name": "Тимур Ахметов", "city": "Казань", "phone": "+7 912 581-40-77"}} ',
)
BASE = "".join(PARAGRAPHS)
ENGLISH = (
    "The customer John Miller, reachable at +44 20 7946 0958, asked us to update the billing "
    "address and to resend invoice INV-2024-00731; card 4111 1111 1111 1111 was charged twice. "
)
SIZES = {"1 KB": 1, "10 KB": 10, "100 KB": 100}
SCANNER = default_scanner()
NAMES = NatashaNameDetector()


def _text(kb: int, base: str = BASE) -> str:
    size = kb * KB
    return (base * (size // len(base) + 1))[:size]


def _names(text: str) -> list[object]:
    return list(NAMES.find(text))


def _p50_ms(call: Callable[[], object], rounds: int) -> float:
    return statistics.median(timeit.repeat(call, number=1, repeat=rounds)) * 1e3


def _run(benchmark: BenchmarkFixture, kb: int, call: Callable[[str], object]) -> object:
    text = _text(kb)
    rounds = max(5, 200 // kb)
    result = benchmark.pedantic(  # type: ignore[no-untyped-call]
        call, args=(text,), rounds=rounds, iterations=1, warmup_rounds=2
    )
    if benchmark.stats is not None:  # None under --benchmark-disable: ran once, untimed
        p50_ms = statistics.median(benchmark.stats.stats.data) * 1e3
        benchmark.extra_info["p50_ms"] = round(p50_ms, 3)
        benchmark.extra_info["p50_ms_per_kb"] = round(p50_ms / kb, 3)
        benchmark.extra_info["utf8_kib"] = round(len(text.encode()) / 1024, 1)
    return result


@pytest.fixture(scope="module", autouse=True)
def _model_loaded() -> None:
    NAMES.load()


@pytest.mark.parametrize("size", list(SIZES))
def test_names(benchmark: BenchmarkFixture, size: str) -> None:
    benchmark.group = f"names, {size} of Russian"
    kb = SIZES[size]
    findings = _run(benchmark, kb, _names)
    assert isinstance(findings, list)
    assert len(findings) >= 4 * kb  # the text really carries names
    benchmark.extra_info["findings"] = len(findings)
    if benchmark.stats is not None:
        text = _text(kb)
        scan_ms = _p50_ms(lambda: SCANNER.scan(text), max(5, 200 // kb))
        p50_ms = benchmark.extra_info["p50_ms"]
        benchmark.extra_info["default_scan_p50_ms_per_kb"] = round(scan_ms / kb, 3)
        benchmark.extra_info["ratio_vs_default_scan"] = round(p50_ms / scan_ms, 1)


@pytest.mark.parametrize("size", list(SIZES))
def test_default_scan(benchmark: BenchmarkFixture, size: str) -> None:
    benchmark.group = f"names, {size} of Russian"
    _run(benchmark, SIZES[size], SCANNER.scan)


def test_names_cold_cache(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "names, 10 KB of Russian, cold word cache"
    text = _text(10)
    benchmark.pedantic(  # type: ignore[no-untyped-call]
        _names, args=(text,), setup=names_module._never_a_name.cache_clear, rounds=10, iterations=1
    )


def test_names_on_english(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "names, 10 KB of English (model skipped)"
    text = _text(10, ENGLISH)
    result = benchmark.pedantic(  # type: ignore[no-untyped-call]
        _names, args=(text,), rounds=200, iterations=1, warmup_rounds=5
    )
    assert result == []


def test_load(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "names, model load (once per process)"
    benchmark.pedantic(  # type: ignore[no-untyped-call]
        names_module._load_pipeline, rounds=3, iterations=1
    )
