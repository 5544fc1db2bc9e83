"""A bundle under evaluation for replay: its own `opa run --server` on a free loopback port.

Measured on 100,000 recorded inputs (docs/design-notes.md, bench/bench_replay.py): batches of
input documents through OPA's ad-hoc query API, one `with input as` per document (which costs
OPA what a request's own input does), beat one POST per decision (the Python client's cost
per request) and `opa eval` in batches (a process, bundle load and compile per batch).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from app.policy.sidecar import OpaProcess, SidecarFailed, wait_for_opa

__all__ = ["BundleOpa", "running_bundle"]

# Keyed by position, so a document whose decision is undefined shows up as a gap.
_QUERY = (
    "decisions := {i: d | some i, doc in input.docs; d := data.kordon.decision with input as doc}"
)
_START_TIMEOUT_S = 30.0


class _EvaluationError(RuntimeError):
    """OPA could not evaluate the policy for a document (HTTP 500)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BundleOpa:
    """Evaluates batches of input documents and reads bundle data from one running OPA."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self._session = session

    async def decide(self, documents: Sequence[dict[str, Any]]) -> list[dict[str, Any] | None]:
        """`data.kordon.decision` for each document, in order; None where it is undefined or
        its evaluation fails (the gateway would answer 503 for either)."""
        try:
            return await self._query(documents)
        except _EvaluationError:
            if len(documents) == 1:
                return [None]
        # One document's error (a rule conflict, say) fails its whole batch: find it.
        return [decision for doc in documents for decision in await self.decide([doc])]

    async def _query(self, documents: Sequence[dict[str, Any]]) -> list[dict[str, Any] | None]:
        body = orjson.dumps({"query": _QUERY, "input": {"docs": documents}})
        async with self._session.post(f"{self.url}/v1/query", data=body) as response:
            payload = orjson.loads(await response.read())
            if response.status == 500:
                raise _EvaluationError(str(payload))
            if response.status != 200:
                raise SidecarFailed(f"OPA answered {response.status}: {payload}")
        results = payload.get("result") or [{}]
        decisions: dict[str, Any] = results[0].get("decisions", {})
        return [_as_dict(decisions.get(str(i))) for i in range(len(documents))]

    async def data(self, path: str) -> Any:
        """A document of the bundle's data (`providers`, `kordon_release/…`); None if absent."""
        async with self._session.get(f"{self.url}/v1/data/{path}") as response:
            payload = orjson.loads(await response.read())
            if response.status != 200:
                raise SidecarFailed(f"OPA answered {response.status} for data/{path}")
        return payload.get("result")

    async def revision(self) -> str | None:
        """The bundle's manifest revision, from OPA's provenance."""
        async with self._session.get(f"{self.url}/v1/data/kordon?provenance") as response:
            payload = orjson.loads(await response.read())
        bundles = payload.get("provenance", {}).get("bundles", {})
        return next((b.get("revision") for b in bundles.values()), None)


def _as_dict(value: object) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


async def _started(process: OpaProcess) -> None:
    """Wait until OPA has activated its bundle; fail as soon as it exits (a bundle it refuses:
    not a bundle, a bad signature, no verification key for a signed one)."""
    ready = asyncio.ensure_future(
        wait_for_opa(process.host, process.port, _START_TIMEOUT_S, bundles=True)
    )
    exited = asyncio.ensure_future(process.wait())
    done, pending = await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if exited in done:
        raise SidecarFailed(
            f"OPA exited with status {exited.result()} instead of serving the bundle: not a "
            "bundle, a signature that does not verify, or a signed bundle and no "
            "--verification-key"
        )
    ready.result()


@asynccontextmanager
async def running_bundle(
    opa_binary: str, bundle: Path, verification: Sequence[str] = ()
) -> AsyncIterator[BundleOpa]:
    """OPA serving `bundle` (activated, or SidecarFailed) for as long as the context lasts;
    `verification` are `opa run`'s signature flags for a signed bundle."""
    process = OpaProcess(opa_binary, [*verification, "--bundle", str(bundle)], _free_port())
    await process.spawn()
    try:
        await _started(process)
        # Keep-alive connections, one per batch in flight.
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=8), timeout=aiohttp.ClientTimeout(total=600)
        ) as session:
            yield BundleOpa(process.url, session)
    except SidecarFailed as exc:
        tail = "; ".join(process.stderr_tail)
        raise SidecarFailed(f"{exc}: {tail}" if tail else str(exc)) from exc
    finally:
        await process.stop()
