"""The bundle service: ETag and 304, long polling, authenticated publishing."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application, Request

from app.policy.bundle import build_bundle
from app.policy.bundle_server import LONG_POLL_CONTENT_TYPE, bundle_app
from app.policy.publish import publish_to_directory
from tests.support.policy_repo import write_source
from tests.support.processes import opa_binary

TOKEN = "publish-token-for-tests"
URL = "/bundles/kordon.tar.gz"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    built = []
    for revision, admins in (("r1", ("alice",)), ("r2", ("bob",))):
        root = write_source(tmp_path_factory.mktemp(revision), admins=admins)
        build_bundle(opa_binary(), root, root / "b.tar.gz", revision=revision)
        built.append((root / "b.tar.gz").read_bytes())
    return built[0], built[1]


@asynccontextmanager
async def _client(
    directory: Path, token: str | None = TOKEN
) -> AsyncIterator[TestClient[Request, Application]]:
    async with TestClient(TestServer(bundle_app(directory, token, max_wait_s=10))) as client:
        yield client


def _etag(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()}"'


def test_get_serves_the_live_bundle_with_a_strong_etag(
    tmp_path: Path, bundles: tuple[bytes, bytes]
) -> None:
    first, _ = bundles
    publish_to_directory(first, tmp_path, "kordon")

    async def run() -> None:
        async with _client(tmp_path) as client:
            response = await client.get(URL)
            assert response.status == 200
            assert await response.read() == first
            assert response.headers["ETag"] == _etag(first)
            assert response.headers["Content-Type"] == "application/gzip"
            again = await client.get(URL, headers={"If-None-Match": _etag(first)})
            assert (again.status, await again.read()) == (304, b"")
            assert again.headers["ETag"] == _etag(first)
            stale = await client.get(URL, headers={"If-None-Match": '"older"'})
            assert stale.status == 200
            assert (await client.get("/bundles/other.tar.gz")).status == 404
            assert (await client.get("/bundles/..%2Fkordon.tar.gz")).status == 404

    asyncio.run(run())


def test_publishing_needs_the_token(tmp_path: Path, bundles: tuple[bytes, bytes]) -> None:
    first, second = bundles
    publish_to_directory(first, tmp_path, "kordon")

    async def run() -> None:
        async with _client(tmp_path) as client:
            missing = await client.put(URL, data=second)
            assert missing.status == 401
            assert missing.headers["WWW-Authenticate"].startswith("Bearer")
            wrong = await client.put(URL, data=second, headers={"Authorization": "Bearer nope"})
            assert wrong.status == 403
            assert TOKEN not in await wrong.text()
            bad = await client.put(URL, data=b"junk", headers={"Authorization": f"Bearer {TOKEN}"})
            assert bad.status == 400
            assert (await client.get(URL)).headers["ETag"] == _etag(first)  # nothing changed
            good = await client.put(URL, data=second, headers={"Authorization": f"Bearer {TOKEN}"})
            assert good.status == 201
            assert (await good.json())["revision"] == "r2"
            assert (await client.get(URL)).headers["ETag"] == _etag(second)
        async with _client(tmp_path, token=None) as read_only:
            refused = await read_only.put(URL, data=first, headers={"Authorization": "Bearer x"})
            assert refused.status == 403

    asyncio.run(run())
    assert len(list((tmp_path / "revisions" / "kordon").iterdir())) == 2


def test_long_poll_is_answered_when_a_new_bundle_is_published(
    tmp_path: Path, bundles: tuple[bytes, bytes]
) -> None:
    first, second = bundles
    publish_to_directory(first, tmp_path, "kordon")

    async def run() -> None:
        async with _client(tmp_path) as client:
            headers = {"If-None-Match": _etag(first), "Prefer": "wait=10"}
            waiting = asyncio.create_task(client.get(URL, headers=headers))
            await asyncio.sleep(0.3)
            assert not waiting.done()  # held: nothing new yet
            put = await client.put(URL, data=second, headers={"Authorization": f"Bearer {TOKEN}"})
            assert put.status == 201
            answered = await waiting
            assert answered.status == 200
            assert await answered.read() == second
            assert answered.headers["Content-Type"] == LONG_POLL_CONTENT_TYPE

    asyncio.run(run())


def test_long_poll_sees_a_publish_from_another_process_and_times_out_with_304(
    tmp_path: Path, bundles: tuple[bytes, bytes]
) -> None:
    first, second = bundles
    publish_to_directory(first, tmp_path, "kordon")

    async def run() -> None:
        async with _client(tmp_path) as client:
            headers = {"If-None-Match": _etag(first), "Prefer": "wait=10"}
            waiting = asyncio.create_task(client.get(URL, headers=headers))
            await asyncio.sleep(0.3)
            # `kordon policy push --to <dir>` from elsewhere: only the file changes.
            await asyncio.to_thread(publish_to_directory, second, tmp_path, "kordon")
            assert await (await waiting).read() == second

            current = {"If-None-Match": _etag(second), "Prefer": "wait=1"}
            expired = await client.get(URL, headers=current)
            assert expired.status == 304
            assert expired.headers["Content-Type"] == LONG_POLL_CONTENT_TYPE

    asyncio.run(run())
