"""Analyses each revision the decision memo learns of, off the request path: reads the policies
OPA has active (GET /v1/policies, their compiled ASTs) between two reads of the active revision
(`data.system.bundles`), walks them (`policy_analysis.py`) and hands the result to the memo.

The built-ins OPA marks non-deterministic come from the sidecar's own binary
(`opa capabilities --current`, read once; OPA's REST API does not expose them). Until an
analysis lands the memo serves nothing; one that cannot be made (OPA unreachable, the revision
changed under every attempt) leaves the memo serving nothing until the next activation, and is
logged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import orjson

from app.policy.memo import DecisionMemo
from app.policy.opa import bundle_revision
from app.policy.policy_analysis import Capabilities, PolicyAnalysis, analyse

__all__ = ["RevisionAnalyser"]

log = logging.getLogger("kordon.policy")

_ATTEMPTS = 3
_RETRY_S = 0.2


class RevisionAnalyser:
    """Set as the memo's `on_revision`; `close()` cancels analyses in flight."""

    def __init__(
        self, memo: DecisionMemo[Any], opa_url: str, opa_binary: str, timeout_s: float = 5.0
    ) -> None:
        self._memo = memo
        self._url = opa_url.rstrip("/")
        self._binary = opa_binary
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._capabilities: Capabilities | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        memo.on_revision = self.schedule

    def schedule(self, generation: int, revision: str) -> None:
        task = asyncio.get_running_loop().create_task(self._run(generation, revision))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def analyse(self, revision: str) -> PolicyAnalysis | None:
        """The analysis of `revision` if OPA has it active throughout the read, else None."""
        capabilities = await self._read_capabilities()
        async with aiohttp.ClientSession(timeout=self._timeout) as session:
            for _ in range(_ATTEMPTS):
                before = bundle_revision(await self._get(session, "/v1/data/system/bundles"))
                policies = await self._get(session, "/v1/policies")
                after = bundle_revision(await self._get(session, "/v1/data/system/bundles"))
                if before == after:
                    if after != revision:
                        return None  # another one is active: the memo hears of it next
                    if not isinstance(policies, list):
                        raise ValueError("GET /v1/policies gave no list")
                    return analyse((p["ast"] for p in policies), capabilities)
                await asyncio.sleep(_RETRY_S)  # an activation in between: read again
        return None

    async def _run(self, generation: int, revision: str) -> None:
        try:
            analysis = await self.analyse(revision)
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError, KeyError) as exc:
            log.warning("decision memo off for revision %s: analysis failed: %r", revision, exc)
            return
        if analysis is None:
            log.warning("decision memo off for revision %s: no longer active", revision)
            return
        self._memo.analysed(generation, revision, analysis)

    async def _get(self, session: aiohttp.ClientSession, path: str) -> object:
        async with session.get(self._url + path) as response:
            if response.status != 200:
                raise ValueError(f"OPA answered GET {path} with HTTP {response.status}")
            body = orjson.loads(await response.read())
        return body.get("result") if isinstance(body, dict) else None

    async def _read_capabilities(self) -> Capabilities:
        if self._capabilities is None:
            process = await asyncio.create_subprocess_exec(
                self._binary, "capabilities", "--current",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            out, _ = await process.communicate()
            if process.returncode != 0:
                raise OSError(f"`opa capabilities` exited with {process.returncode}")
            self._capabilities = Capabilities.from_json(orjson.loads(out))
        return self._capabilities
