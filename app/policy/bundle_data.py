"""The active bundle's data, as the gateway needs it, per revision.

Decisions name the revision they were made under (OPA's provenance); when one arrives under a
revision the gateway has not seen, allowed or denied, it re-reads `data.providers`,
`data.tenants` and `data.detection` from OPA (off the per-request path of an unchanged bundle)
and builds a new view; so does readiness, for the revision OPA has active. The classifier uses
the newest view; the executor the view of the decision's own revision.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from app.errors import PolicyUnavailable
from app.policy.detection import DetectionPlans
from app.policy.opa import bundle_revision
from app.policy.opa_admin import OpaAdmin
from app.providers.catalog import Catalog

__all__ = ["BundleView", "BundleViews"]

# A read of the bundle's data (the tenants and detection documents are the large ones).
_READ_TIMEOUT_S = 1.5


@dataclass(frozen=True, slots=True)
class BundleView:
    revision: str
    catalog: Catalog
    detection: DetectionPlans


class BundleViews:
    def __init__(self, opa_url: str, fallback_base_url: str | None = None) -> None:
        self._opa_url = opa_url
        self._fallback = fallback_base_url
        self._current: BundleView | None = None
        self._lock = asyncio.Lock()

    @property
    def current(self) -> BundleView | None:
        return self._current

    async def load(self) -> BundleView:
        """Read the view of whatever bundle OPA has active now (start-up, or after OPA was
        unreachable). Raises PolicyUnavailable when OPA cannot say."""
        try:
            async with self._client() as client:
                bundles = await client.data("system/bundles")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PolicyUnavailable("policy engine unreachable", code="policy_unreachable") from exc
        return await self.get(bundle_revision(bundles))

    async def get(self, revision: str) -> BundleView:
        current = self._current
        if current is not None and current.revision == revision:
            return current
        async with self._lock:
            if self._current is None or self._current.revision != revision:
                try:
                    self._current = await self._read(revision)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    raise PolicyUnavailable(
                        "policy data unreachable", code="policy_unreachable"
                    ) from exc
            return self._current

    async def follow(self, revision: str) -> bool:
        """Make `revision`'s view the current one if it is not yet; whether it now is. Never
        raises: a caller that has its answer anyway (a denial, a readiness probe) only keeps the
        classifier on the revision OPA decides with, so that a view read before any bundle was
        active (no detectors, under which every decision is a denial) does not outlive it."""
        with contextlib.suppress(PolicyUnavailable):
            await self.get(revision)
        return self._current is not None and self._current.revision == revision

    def _client(self) -> OpaAdmin:
        return OpaAdmin(self._opa_url, timeout_s=_READ_TIMEOUT_S)

    async def _read(self, revision: str) -> BundleView:
        async with self._client() as client:
            providers, tenants, detection = [
                await self._data(client, name) for name in ("providers", "tenants", "detection")
            ]
        catalog = Catalog.from_bundle_data(revision, providers, os.environ, self._fallback)
        plans = DetectionPlans(detection, tenants)
        # Off the event loop: a plan with person names loads a model (~1 s, once).
        await asyncio.to_thread(plans.prepare)
        return BundleView(revision, catalog, plans)

    @staticmethod
    async def _data(client: OpaAdmin, name: str) -> Mapping[str, Any]:
        result = await client.data(name)
        return result if isinstance(result, dict) else {}  # {}: the bundle has no such document
