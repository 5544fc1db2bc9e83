"""OPA status reports: what an activation is, and the receiver that hands them to the memo
(over real HTTP on loopback; tests/integration/test_decision_memo.py has OPA send them)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from app.policy.opa_status import Activation, StatusReceiver, activation


def _report(instance: str, **bundles: tuple[str, str]) -> dict[str, object]:
    return {
        "labels": {"id": instance, "version": "1.22.2"},
        "bundles": {
            name: {"name": name, "active_revision": rev, "last_successful_activation": at}
            for name, (rev, at) in bundles.items()
        },
        "plugins": {"bundle": {"state": "OK"}},
    }


def test_a_report_names_the_revision_as_provenance_does() -> None:
    got = activation(_report("opa-1", kordon=("r1", "t1"), extra=("a0", "t0")))
    assert got.revision == "a0,r1"


def test_a_report_without_an_activated_bundle_names_no_revision() -> None:
    assert activation({"labels": {"id": "opa-1"}, "plugins": {}}).revision is None
    assert activation(_report("opa-1", kordon=("", "0001-01-01T00:00:00Z"))).revision is None


def test_the_identity_changes_with_each_activation_and_each_opa_process() -> None:
    first = activation(_report("opa-1", kordon=("r1", "t1")))
    assert activation(_report("opa-1", kordon=("r1", "t1"))).identity == first.identity
    # The same revision activated again (a re-published bundle) is a new activation.
    assert activation(_report("opa-1", kordon=("r1", "t2"))).identity != first.identity
    assert activation(_report("opa-2", kordon=("r1", "t1"))).identity != first.identity


@pytest.mark.parametrize("broken", [[], {"bundles": []}])
def test_a_malformed_report_is_refused(broken: object) -> None:
    with pytest.raises(ValueError, match=r"is an object|JSON object"):
        activation(broken)


def _bearer(args: list[str]) -> str:
    token_path = next(a for a in args if ".credentials.bearer.token_path=" in a).split("=", 1)[1]
    return f"Bearer {Path(token_path).read_text()}"


async def _exchange(tmp_path: Path) -> tuple[list[Activation], list[int], list[str]]:
    receiver = StatusReceiver(tmp_path)
    seen: list[Activation] = []
    await receiver.start()
    try:
        receiver.subscribe(seen.append)
        args = receiver.opa_args()
        url = f"http://127.0.0.1:{receiver.port}/status"
        statuses = []
        async with aiohttp.ClientSession() as session:
            posts: list[tuple[dict[str, str], bytes]] = [
                ({}, b"{}"),  # no token
                ({"Authorization": "Bearer wrong"}, b"{}"),
                ({"Authorization": _bearer(args)}, b"not json"),
            ]
            for headers, body in posts:
                async with session.post(url, data=body, headers=headers) as response:
                    statuses.append(response.status)
            for report in (
                _report("opa-1", kordon=("r1", "t1")),
                _report("opa-1", kordon=("r1", "t1")),  # a poll that changed nothing
                _report("opa-1", kordon=("r2", "t2")),
            ):
                headers = {"Authorization": _bearer(args)}
                async with session.post(url, json=report, headers=headers) as response:
                    statuses.append(response.status)
        late: list[Activation] = []
        receiver.subscribe(late.append)
        return seen, statuses, [a.revision or "" for a in late]
    finally:
        await receiver.close()


def test_the_receiver_hands_each_new_activation_to_its_subscribers(tmp_path: Path) -> None:
    seen, statuses, late = asyncio.run(_exchange(tmp_path))
    assert statuses == [401, 401, 400, 200, 200, 200]
    assert [a.revision for a in seen] == ["r1", "r2"]
    assert late == ["r2"]  # a subscriber that comes later gets the latest at once


def test_the_token_file_is_owner_only(tmp_path: Path) -> None:
    StatusReceiver(tmp_path)
    assert (tmp_path / "status-token").stat().st_mode & 0o777 == 0o600
