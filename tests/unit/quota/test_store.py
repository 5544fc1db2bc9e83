"""The QuotaStore contract, run against every backend (memory and a real Redis)."""

from __future__ import annotations

import asyncio

import pytest

from app.quota.limits import EXPIRY_MARGIN_S, Limit
from app.quota.store import QuotaStore
from tests.unit.quota.conftest import FakeClock, OpenStore, epoch

TPM = Limit("tokens_per_minute", "tokens", 1000, 60)
RPM = Limit("requests_per_minute", "requests", 3, 60)
BUDGET = Limit("budget_per_month", "usd", 1, 0)  # 1 usd = 1_000_000 micro-units
ALL = (TPM, RPM, BUDGET)
# Ten seconds into a minute, late in November 2026.
T0 = epoch("2026-11-23T12:00:10")


def charge(tokens: int, requests: int = 1, micro_usd: int = 0) -> dict[str, int]:
    return {TPM.name: tokens, RPM.name: requests, BUDGET.name: micro_usd}


async def used(store: QuotaStore, subject: str, *limits: Limit) -> list[int]:
    return [state.used for state in await store.usage(subject, limits or ALL)]


def test_reserve_takes_from_every_bucket(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            admission = await store.reserve(subject, ALL, charge(100, 1, 500), "r1")
            assert admission.admitted
            assert [b.used for b in admission.buckets] == [100, 1, 500]
            assert [b.remaining for b in admission.buckets] == [900, 2, 999_500]
            assert await used(store, subject) == [100, 1, 500]

    asyncio.run(body())


def test_refused_reserve_takes_nothing_and_names_the_limit(
    open_store: OpenStore, subject: str
) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            await store.reserve(subject, ALL, charge(900, 1, 10), "r1")
            admission = await store.reserve(subject, ALL, charge(200, 1, 10), "r2")
            assert not admission.admitted
            assert admission.blocked is not None
            assert admission.blocked.limit == TPM
            assert admission.blocked.remaining == 100
            assert admission.blocked.reset_s == pytest.approx(50)
            assert await used(store, subject) == [900, 1, 10]
            # Nothing was recorded under the refused id either.
            assert not await store.refund(subject, "r2")

    asyncio.run(body())


def test_blocked_is_the_first_limit_in_decision_order(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            await store.reserve(subject, ALL, charge(1000, 3), "r1")
            admission = await store.reserve(subject, (RPM, TPM), charge(1, 1), "r2")
            assert admission.blocked is not None
            assert admission.blocked.limit == RPM

    asyncio.run(body())


def test_exact_fit_is_admitted_and_zero_never_blocks(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            assert (await store.reserve(subject, ALL, charge(1000, 1, 1_000_000), "r1")).admitted
            # Overshoot both limits, as a settle above the reservation may.
            await store.settle(subject, "r1", charge(1100, 1, 1_200_000))
            admission = await store.reserve(subject, ALL, charge(0, 1, 0), "r2")
            assert admission.admitted
            assert [b.remaining for b in admission.buckets] == [0, 1, 0]

    asyncio.run(body())


def test_fixed_window_rolls_over_on_an_epoch_aligned_boundary(
    open_store: OpenStore, subject: str
) -> None:
    async def body() -> None:
        clock = FakeClock(T0 + 0.25)
        async with open_store(clock) as store:
            for i in range(3):
                assert (await store.reserve(subject, (RPM,), {RPM.name: 1}, f"r{i}")).admitted
            refused = await store.reserve(subject, (RPM,), {RPM.name: 1}, "r3")
            assert refused.blocked is not None
            assert refused.blocked.reset_s == pytest.approx(49.75)
            clock.advance(49.74)
            assert not (await store.reserve(subject, (RPM,), {RPM.name: 1}, "r4")).admitted
            clock.advance(0.01)
            admission = await store.reserve(subject, (RPM,), {RPM.name: 1}, "r5")
            assert admission.admitted
            assert admission.buckets[0].used == 1
            assert admission.buckets[0].reset_s == pytest.approx(60)

    asyncio.run(body())


def test_month_budget_rolls_over_from_december_to_january(
    open_store: OpenStore, subject: str
) -> None:
    async def body() -> None:
        clock = FakeClock(epoch("2026-12-31T23:59:59.5"))
        async with open_store(clock) as store:
            spend = {BUDGET.name: 1_000_000}
            assert (await store.reserve(subject, (BUDGET,), spend, "dec")).admitted
            refused = await store.reserve(subject, (BUDGET,), spend, "late")
            assert refused.blocked is not None
            assert refused.blocked.reset_s == pytest.approx(0.5)
            clock.advance(0.5)
            admission = await store.reserve(subject, (BUDGET,), spend, "jan")
            assert admission.admitted
            assert admission.buckets[0].reset_s == pytest.approx(31 * 86400)

    asyncio.run(body())


def test_month_window_follows_the_calendar(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        clock = FakeClock(epoch("2028-02-01T00:00:00"))
        async with open_store(clock) as store:
            [february] = await store.usage(subject, (BUDGET,))
            assert february.reset_s == pytest.approx(29 * 86400)  # 2028 is a leap year
            clock.now = epoch("2027-02-28T23:00:00")
            [february] = await store.usage(subject, (BUDGET,))
            assert february.reset_s == pytest.approx(3600)

    asyncio.run(body())


def test_settle_down_gives_back_the_unused_part(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            await store.reserve(subject, ALL, charge(800, 1, 9000), "r1")
            assert await store.settle(subject, "r1", charge(120, 1, 1500))
            assert await used(store, subject) == [120, 1, 1500]

    asyncio.run(body())


def test_settle_up_charges_past_the_limit(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            await store.reserve(subject, ALL, charge(100, 1, 10), "r1")
            assert await store.settle(subject, "r1", charge(1200, 1, 20))
            [tokens] = await store.usage(subject, (TPM,))
            assert (tokens.used, tokens.remaining) == (1200, 0)
            assert not (await store.reserve(subject, ALL, charge(1), "r2")).admitted

    asyncio.run(body())


def test_settle_keeps_limits_missing_from_actual(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            await store.reserve(subject, ALL, charge(500, 1, 700), "r1")
            assert await store.settle(subject, "r1", {TPM.name: 50})
            assert await used(store, subject) == [50, 1, 700]

    asyncio.run(body())


def test_refund_gives_everything_back(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            await store.reserve(subject, ALL, charge(300, 1, 40), "keep")
            await store.reserve(subject, ALL, charge(500, 1, 60), "r1")
            assert await store.refund(subject, "r1")
            assert await used(store, subject) == [300, 1, 40]

    asyncio.run(body())


def test_settle_and_refund_are_idempotent(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            await store.reserve(subject, ALL, charge(500, 1, 60), "r1")
            assert await store.settle(subject, "r1", charge(200, 1, 20))
            assert not await store.settle(subject, "r1", charge(200, 1, 20))
            assert not await store.refund(subject, "r1")
            assert await used(store, subject) == [200, 1, 20]

            await store.reserve(subject, ALL, charge(100, 1, 5), "r2")
            assert await store.refund(subject, "r2")
            assert not await store.refund(subject, "r2")
            assert not await store.settle(subject, "r2", charge(100, 1, 5))
            assert await used(store, subject) == [200, 1, 20]
            assert not await store.settle(subject, "never-reserved", charge(1))

    asyncio.run(body())


def test_retried_reserve_charges_once(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            first = await store.reserve(subject, ALL, charge(600, 1, 5), "r1")
            again = await store.reserve(subject, ALL, charge(600, 1, 5), "r1")
            assert first.admitted
            assert again.admitted
            assert await used(store, subject) == [600, 1, 5]

    asyncio.run(body())


def test_a_retried_reserve_is_admitted_even_when_it_would_no_longer_fit(
    open_store: OpenStore, subject: str
) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            assert (await store.reserve(subject, ALL, charge(600), "r1")).admitted
            assert (await store.reserve(subject, ALL, charge(400), "r2")).admitted
            # The minute's tokens are spent: a retry of r1 is the held reservation (admitted,
            # nothing taken), a new request of the same size is refused by the token limit.
            again = await store.reserve(subject, ALL, charge(600), "r1")
            assert (again.admitted, again.blocked) == (True, None)
            refused = await store.reserve(subject, ALL, charge(600), "r3")
            assert refused.blocked is not None
            assert refused.blocked.limit == TPM
            assert [b.used for b in refused.buckets] == [1000, 2, 0]
            assert await used(store, subject) == [1000, 2, 0]

    asyncio.run(body())


def test_settling_an_old_window_never_touches_the_new_one(
    open_store: OpenStore, subject: str
) -> None:
    async def body() -> None:
        clock = FakeClock(T0)
        limits = (TPM, BUDGET)
        async with open_store(clock) as store:
            await store.reserve(subject, limits, {TPM.name: 800, BUDGET.name: 70}, "old")
            clock.advance(60 + EXPIRY_MARGIN_S)  # the old minute's bucket has expired
            await store.reserve(subject, limits, {TPM.name: 300, BUDGET.name: 30}, "new")
            # The month is still open, so the old reservation is too; settling it must not
            # take its 800 tokens back out of the new minute (that would go negative).
            assert await store.settle(subject, "old", {TPM.name: 0, BUDGET.name: 10})
            assert await used(store, subject, *limits) == [300, 40]

    asyncio.run(body())


def test_abandoned_reservation_expires_with_its_window(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        clock = FakeClock(T0)
        async with open_store(clock) as store:
            await store.reserve(subject, (TPM,), {TPM.name: 1000}, "crashed")
            assert not (await store.reserve(subject, (TPM,), {TPM.name: 1}, "r1")).admitted
            clock.advance(50)  # the next minute: the hold no longer counts
            assert (await store.reserve(subject, (TPM,), {TPM.name: 1}, "r2")).admitted
            clock.advance(EXPIRY_MARGIN_S)
            assert not await store.refund(subject, "crashed")

    asyncio.run(body())


def test_subjects_are_independent(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            await store.reserve(subject, ALL, charge(1000, 3, 1_000_000), "r1")
            other = subject + "-other"
            assert (await store.reserve(other, ALL, charge(1000, 3, 1_000_000), "r1")).admitted
            assert await store.refund(other, "r1")
            assert await used(store, subject) == [1000, 3, 1_000_000]

    asyncio.run(body())


def test_usage_of_an_unseen_subject_is_zero(open_store: OpenStore, subject: str) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            states = await store.usage(subject, ALL)
            assert [(s.used, s.remaining) for s in states] == [(0, 1000), (0, 3), (0, 1_000_000)]
            assert [s.reset_s for s in states] == pytest.approx([50, 50, 7 * 86400 + 43190])

    asyncio.run(body())


@pytest.mark.parametrize(
    ("limits", "amounts"),
    [
        (ALL, {TPM.name: 1, RPM.name: 1}),  # no amount for the budget
        ((TPM,), {TPM.name: -1}),
        ((TPM,), {TPM.name: 2**53 + 1}),
        ((TPM, TPM), {TPM.name: 1}),  # duplicate names would share a reservation slot
    ],
)
def test_impossible_requests_are_rejected(
    open_store: OpenStore, subject: str, limits: tuple[Limit, ...], amounts: dict[str, int]
) -> None:
    async def body() -> None:
        async with open_store(FakeClock(T0)) as store:
            with pytest.raises(ValueError, match=r"amount|unique"):
                await store.reserve(subject, limits, amounts, "r1")
            with pytest.raises(ValueError, match="amount"):
                await store.settle(subject, "r1", {TPM.name: -5})

    asyncio.run(body())
