"""The upstream pool keeps no cookies: what one answer sets never rides on the next request to
that host, whichever tenant sends it (a real server on loopback, named `localhost` so that a
cookie jar would store its cookies)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from app.providers.catalog import Endpoint
from app.providers.upstream import UpstreamClient
from tests.support.vendors.serving import serving


def test_a_cookie_set_by_one_answer_is_not_sent_with_the_next_request() -> None:
    seen: list[str | None] = []

    async def models(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie"))
        response = web.json_response({"object": "list", "data": []})
        response.set_cookie("__cf_bm", "tenant-a-session", path="/")
        return response

    app = web.Application()
    app.router.add_get("/v1/models", models)

    async def main(port: int) -> list[bool]:
        client = UpstreamClient(
            connect_timeout_s=1, first_byte_timeout_s=2, read_timeout_s=2, pool_size=4
        )
        await client.start()
        try:
            endpoint = Endpoint("p", f"http://localhost:{port}/v1")
            return [await client.probe(endpoint) for _ in range(3)]
        finally:
            await client.close()

    with serving({"m": app}) as ports:
        answered = asyncio.run(main(ports["m"]))

    assert answered == [True, True, True]
    assert seen == [None, None, None]
