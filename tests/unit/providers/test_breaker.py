from __future__ import annotations

from app.providers.breaker import Breaker
from app.providers.budget import RetryBudget


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_and_admits_one_trial() -> None:
    clock = Clock()
    breaker = Breaker(failures=3, open_s=10, window=100, clock=clock)
    for _ in range(2):
        breaker.failure()
    assert breaker.state == "closed"
    breaker.failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    clock.now += 10
    assert breaker.state == "half_open"
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # nobody else while it runs
    breaker.success()
    assert breaker.state == "closed"
    assert breaker.allow()


def test_a_failed_trial_opens_again_and_a_released_one_frees_the_slot() -> None:
    clock = Clock()
    breaker = Breaker(failures=1, open_s=5, clock=clock)
    breaker.failure()
    clock.now += 5
    assert breaker.allow()
    breaker.release()
    assert breaker.allow()
    breaker.failure()
    assert breaker.state == "open"
    assert breaker.open_for_s() == 5


def test_half_of_recent_outcomes_failing_opens_it() -> None:
    breaker = Breaker(failures=100, window=10, clock=Clock())
    for _ in range(4):
        breaker.success()
    for _ in range(3):
        breaker.failure()
    assert breaker.state == "closed"  # 3 of 7 failed
    breaker.failure()
    assert breaker.state == "open"  # 4 of 8


def test_retry_after_opens_for_as_long_as_asked() -> None:
    clock = Clock()
    breaker = Breaker(open_s=5, clock=clock)
    breaker.cool_down(42)
    assert breaker.state == "open"
    assert breaker.open_for_s() == 42
    breaker.cool_down(1)  # a shorter ask does not shorten it
    assert breaker.open_for_s() == 42


def test_a_probe_closes_a_failed_circuit_on_probation_but_never_a_retry_after() -> None:
    clock = Clock()
    breaker = Breaker(failures=3, open_s=30, clock=clock)
    assert not breaker.probe_wanted()  # closed
    for _ in range(3):
        breaker.failure()
    assert breaker.probe_wanted()
    breaker.probed()
    assert breaker.state == "closed"
    breaker.failure()  # on probation: one failure opens it again
    assert breaker.state == "open"
    clock.now += 30
    assert breaker.allow()  # the half-open trial is running: no probe meanwhile
    assert not breaker.probe_wanted()
    breaker.failure()
    breaker.cool_down(60)  # the route asked for a pause
    assert not breaker.probe_wanted()
    breaker.probed()
    assert breaker.state == "open"
    clock.now += 60
    assert breaker.probe_wanted()


def test_retry_budget_earns_retries_from_requests_and_keeps_a_floor() -> None:
    clock = Clock()
    budget = RetryBudget(ratio=0.5, min_per_s=1, clock=clock)
    assert budget.withdraw()  # the floor's one retry this second
    assert not budget.withdraw()
    budget.deposit()
    budget.deposit()
    assert budget.withdraw()  # earned by two requests
    assert not budget.withdraw()
    clock.now += 1
    assert budget.withdraw()
