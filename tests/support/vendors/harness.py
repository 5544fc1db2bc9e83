"""Drive the real upstream client (adapters included) against a vendor server on loopback and
read what the executor would see: the status and OpenAI body, or the OpenAI stream events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import orjson

from app.providers.adapters.base import ApiEndpoint, Outbound
from app.providers.catalog import Endpoint
from app.providers.stream import DONE, StreamBroken, upstream_events
from app.providers.upstream import UpstreamClient
from app.schemas.contract import Route
from app.sse import event_data, split_events

__all__ = ["Answer", "Caller", "caller"]


@dataclass
class Answer:
    status: int
    body: dict[str, object] = field(default_factory=dict)
    events: list[dict[str, object]] = field(default_factory=list)
    done: bool = False
    broken: str | None = None

    def text(self) -> str:
        parts = []
        for event in self.events:
            for choice in event.get("choices") or []:  # type: ignore[attr-defined]
                parts.append(choice["delta"].get("content") or "")
        return "".join(parts)


class Caller:
    def __init__(self, client: UpstreamClient, endpoint: Endpoint) -> None:
        self.client = client
        self.endpoint = endpoint

    async def __call__(
        self,
        model: str,
        payload: Mapping[str, object],
        endpoint: ApiEndpoint = "chat.completions",
        max_output: int | None = None,
        provider_logging: bool = False,
    ) -> Answer:
        outbound = Outbound(endpoint, payload, max_output, provider_logging)
        route = Route(provider=self.endpoint.provider, model=model)
        response = await self.client.open(self.endpoint, route, outbound, "req_test")
        try:
            if not (outbound.stream and response.status == 200):
                return Answer(response.status, orjson.loads(await response.read()))
            answer = Answer(response.status)
            try:
                async for batch in upstream_events(response.chunks(), 2.0):
                    for event, _ in split_events(batch):
                        data = event_data(event)
                        if data == DONE:
                            answer.done = True
                        elif data is not None:
                            answer.events.append(orjson.loads(data))
            except StreamBroken as exc:
                answer.broken = exc.reason
            return answer
        finally:
            response.release()


@asynccontextmanager
async def caller(endpoint: Endpoint) -> AsyncIterator[Caller]:
    """One started client (so adapter state such as GigaChat's token lives across calls)."""
    client = UpstreamClient(
        connect_timeout_s=2, first_byte_timeout_s=5, read_timeout_s=5, pool_size=4
    )
    await client.start()
    try:
        yield Caller(client, endpoint)
    finally:
        await client.close()
