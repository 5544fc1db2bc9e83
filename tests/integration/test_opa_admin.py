"""The gateway's reads of OPA off the request path, against a real OPA serving the repo's
bundle: health with and without bundles, data documents, what is missing, what fails."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from app.policy.opa import bundle_revision
from app.policy.opa_admin import OpaAdmin
from tests.support.processes import free_port, running_opa


@pytest.fixture(scope="module")
def opa(bundle: tuple[Path, str]) -> Iterator[str]:
    with running_opa(bundle[0]) as (url, _):
        yield url


def _call(url: str, read: Any) -> Any:
    async def run() -> Any:
        async with OpaAdmin(url) as admin:
            return await read(admin)

    return asyncio.run(run())


def test_a_serving_opa_is_healthy_with_its_bundle_active(opa: str) -> None:
    assert _call(opa, lambda admin: admin.healthy())
    assert _call(opa, lambda admin: admin.healthy(bundles=True))


def test_data_reads_the_bundle_documents_and_the_active_revision(
    opa: str, bundle: tuple[Path, str]
) -> None:
    providers = _call(opa, lambda admin: admin.data("providers"))
    assert isinstance(providers, dict)
    assert "onprem-vllm" in providers
    assert bundle_revision(_call(opa, lambda admin: admin.data("system/bundles"))) == bundle[1]


def test_a_document_the_bundle_lacks_is_none(opa: str) -> None:
    assert _call(opa, lambda admin: admin.data("no_such_document")) is None


def test_an_error_answer_is_an_error_not_missing_data(tmp_path: Path) -> None:
    # A complete rule with two values: OPA answers 500 (eval_conflict_error).
    (tmp_path / "conflict.rego").write_text("package t\n\nx := v if some v in [1, 2]\n")
    with running_opa(tmp_path) as (url, _), pytest.raises(aiohttp.ClientResponseError) as raised:
        _call(url, lambda admin: admin.data("t/x"))
    assert raised.value.status == 500


def test_an_unreachable_opa_is_unhealthy_and_its_data_an_error() -> None:
    down = f"http://127.0.0.1:{free_port()}"
    assert not _call(down, lambda admin: admin.healthy(bundles=True))
    with pytest.raises(aiohttp.ClientConnectionError):
        _call(down, lambda admin: admin.data("providers"))
    with pytest.raises(TimeoutError):
        _call(down, lambda admin: admin.wait_ready(0.2, bundles=False))


def test_wait_ready_returns_once_opa_is_healthy(opa: str) -> None:
    assert _call(opa, lambda admin: admin.wait_ready(5, bundles=True)) is None


def test_a_call_outside_async_with_is_refused() -> None:
    async def outside() -> object:
        return await OpaAdmin("http://127.0.0.1:1").data("providers")

    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(outside())
