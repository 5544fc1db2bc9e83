"""The reload test's own judge (tests/support/reload_run.py): it must see a regression."""

from __future__ import annotations

from tests.support.reload_run import ReloadRun

ORDER = ["v1", "v2"]


def _run(rows: list[tuple[float, float, int, str]]) -> ReloadRun:
    run = ReloadRun()
    for started, completed, status, revision in sorted(rows, key=lambda row: row[1]):
        run.started.append(started)
        run.responses.append((completed, status, revision))
    return run


def test_a_response_under_an_older_revision_after_a_newer_one_is_a_regression() -> None:
    run = _run([(0.0, 0.1, 200, "v1"), (0.2, 0.3, 200, "v2"), (0.4, 0.5, 200, "v1")])
    assert run.regressions(ORDER) == [2]


def test_responses_in_flight_when_the_revision_changed_are_not_regressions() -> None:
    run = _run([(0.0, 0.3, 200, "v2"), (0.1, 0.4, 200, "v1")])
    assert run.regressions(ORDER) == []
    assert run.first_seen("v2") == 0.3


def test_a_failure_is_reported_as_a_failure_not_as_a_regression() -> None:
    run = _run([(0.0, 0.1, 200, "v2"), (0.2, 0.3, 503, "")])
    assert run.regressions(ORDER) == []
    assert run.failures() == [(0.3, 503, "")]
