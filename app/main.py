"""App factory: all wiring happens here, once."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette

from app.api import admin, cache_admin, health, openai, usage
from app.api.drain import Drain
from app.api.errors import install_error_handlers
from app.api.hotpath import HotPath
from app.api.openai import Services
from app.audit.backend import open_trail
from app.audit.step import AuditStep
from app.cache.step import CacheStep
from app.config import Settings
from app.errors import PolicyUnavailable
from app.executor import Executor
from app.gateway import Gateway
from app.keys import KeyStore
from app.policy.bundle_data import BundleViews
from app.policy.classify import PayloadClassifier
from app.policy.memo import DecisionMemo
from app.policy.opa import DecisionClient, PolicyResult
from app.policy.opa_admin import OpaAdmin
from app.policy.opa_status import StatusReceiver
from app.policy.revision_analysis import RevisionAnalyser
from app.policy.supervisor import OpaSupervisor
from app.protect.step import Protector
from app.providers.budget import RetryBudget
from app.providers.health import BreakerSettings, HealthBoard
from app.providers.probes import Prober
from app.providers.routing import Router
from app.providers.upstream import UpstreamClient
from app.quota.limiter import Limiter
from app.quota.step import QuotaStep
from app.stores import open_stores

__all__ = ["create_app"]


def create_app(
    settings: Settings,
    keys: KeyStore,
    *,
    fallback_base_url: str | None = None,
    sidecar: OpaSupervisor | None = None,
    status: StatusReceiver | None = None,
) -> HotPath:
    """Build the gateway. `fallback_base_url` points unconfigured providers at the demo
    upstream; only `kordon serve` sets it, and only when no provider is configured.
    `sidecar` is the OPA child `kordon serve` supervises (its restarts show in /readyz);
    `status` receives its status reports, without which the decision memo stays off."""
    memo: DecisionMemo[PolicyResult] | None = None
    analyser: RevisionAnalyser | None = None
    if settings.decision_memo_size and status is not None and sidecar is not None:
        memo = active = DecisionMemo[PolicyResult](settings.decision_memo_size)
        analyser = RevisionAnalyser(active, settings.opa_url, sidecar.process.command[0])
        status.subscribe(lambda reported: active.activated(reported.revision))
        sidecar.on_exit = active.forget
    decisions = DecisionClient(
        settings.opa_url,
        settings.opa_timeout_s,
        pool_size=settings.opa_pool_size,
        queue_timeout_s=settings.opa_queue_timeout_s,
        unix_socket=settings.opa_decision_socket,
        memo=memo,
    )
    upstream = UpstreamClient(
        connect_timeout_s=settings.upstream_connect_timeout_s,
        first_byte_timeout_s=settings.upstream_first_byte_timeout_s,
        read_timeout_s=settings.upstream_read_timeout_s,
        pool_size=settings.upstream_pool_size,
    )
    board = HealthBoard(BreakerSettings(settings.breaker_failures, settings.breaker_open_s))
    router = Router(
        upstream,
        board,
        RetryBudget(settings.retry_budget_ratio, settings.retry_budget_min_per_s),
    )
    views = BundleViews(settings.opa_url, fallback_base_url)
    opa_admin = OpaAdmin(settings.opa_url, timeout_s=1.0)
    stores = open_stores(settings)
    quota = QuotaStep(Limiter(stores.quota), stores.quota)
    protector = Protector(stores.vault, settings.session_ttl_s)
    cache = CacheStep(stores.cache)
    gateway = Gateway(
        PayloadClassifier(views, settings.scan_budget_ms / 1000),
        decisions,
        Executor(router, views, protector, quota, settings.upstream_idle_timeout_s, cache),
        quota,
        AuditStep(trail := open_trail(settings) if settings.audit_enabled else None),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if trail is not None:
                # Started first, closed last: the queue drains after the last request ends.
                await trail.start()
                stack.push_async_callback(trail.close)
            await decisions.start()
            stack.push_async_callback(decisions.close)
            if analyser is not None:
                stack.push_async_callback(analyser.close)
            await upstream.start()
            stack.push_async_callback(upstream.close)
            if settings.probe_interval_s:
                prober = Prober(board, upstream, settings.probe_interval_s)
                await stack.enter_async_context(prober.running())
            await stack.enter_async_context(opa_admin)
            if stores.close is not None:
                stack.push_async_callback(stores.close)
            with contextlib.suppress(PolicyUnavailable):
                # Not ready yet is fine: /readyz says so and the first request loads it.
                await views.load()
            yield

    # Starlette, not FastAPI: every endpoint reads its own request, so FastAPI added only an
    # OpenAPI schema with no request or response models in it, for ~7 MiB and ~90 modules.
    app = Starlette(
        routes=[*openai.routes, *usage.routes, *health.routes, *admin.routes, *cache_admin.routes],
        lifespan=lifespan,
    )
    app.state.services = Services(settings, keys, gateway)
    app.state.opa_admin = opa_admin
    app.state.views = views
    app.state.sidecar = sidecar
    app.state.health = board
    app.state.cache = cache
    app.state.drain = drain = Drain()
    install_error_handlers(app)
    return HotPath(
        app,
        {
            ("POST", "/v1/chat/completions"): openai.chat_completions,
            ("POST", "/v1/embeddings"): openai.embeddings,
            ("GET", "/v1/models"): openai.models,
        },
        drain,
    )
