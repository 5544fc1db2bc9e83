"""Decisions over the OPA sidecar's Unix socket: the same decision as over loopback TCP, and a
socket that is not there fails closed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest

from app.errors import PolicyUnavailable
from app.policy.opa import DecisionClient, PolicyResult
from tests.support.processes import running_opa
from tests.support.recorded import make_input

DOCUMENT = make_input(1, tenant="acme-ru", sensitivity="personal", categories={"email": 1})


async def _decide(client: DecisionClient) -> PolicyResult:
    await client.start()
    try:
        return await client.decide(DOCUMENT, "req_socket")
    finally:
        await client.close()


def test_a_decision_over_the_socket_equals_the_one_over_tcp(
    bundle: tuple[Path, str], tmp_path: Path
) -> None:
    socket = tmp_path / "decisions.sock"
    with running_opa(bundle[0], args=["--addr", f"unix://{socket}"]) as (url, _):
        over_tcp = asyncio.run(_decide(DecisionClient(url, 5.0)))
        # No TCP address that answers: only the socket can have served this one.
        unreachable = "http://127.0.0.1:1"
        over_socket = asyncio.run(_decide(DecisionClient(unreachable, 5.0, unix_socket=socket)))
    assert msgspec.json.encode(over_socket.decision) == msgspec.json.encode(over_tcp.decision)
    assert over_socket.decision.allow is True
    assert over_socket.revision == over_tcp.revision == bundle[1]


def test_a_missing_socket_fails_closed(tmp_path: Path) -> None:
    client = DecisionClient("http://127.0.0.1:1", 0.5, unix_socket=tmp_path / "absent.sock")
    with pytest.raises(PolicyUnavailable) as caught:
        asyncio.run(_decide(client))
    assert caught.value.code == "policy_unreachable"
