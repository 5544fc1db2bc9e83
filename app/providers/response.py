"""An upstream's answer as the executor sees it: OpenAI wire format, whatever the vendor.

A whole answer is read, translated and checked before the router hands it over (a malformed
one falls over like a 5xx); a stream is translated event by event as it arrives.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import aiohttp
import orjson

from app.providers.adapters.base import Malformed, StreamTranslator
from app.sse import SseSplitter

__all__ = ["UpstreamResponse", "translated_events"]


class UpstreamResponse:
    """Status, headers and either a translated body or the open stream (release it)."""

    __slots__ = ("_body", "_raw", "_translator", "headers", "status")

    def __init__(
        self,
        raw: aiohttp.ClientResponse,
        body: bytes | None = None,
        translator: StreamTranslator | None = None,
    ) -> None:
        self._raw = raw
        self._body = body
        self._translator = translator
        self.status = raw.status
        self.headers: Mapping[str, str] = raw.headers

    async def read(self) -> bytes:
        return self._body if self._body is not None else await self._raw.read()

    def chunks(self) -> AsyncIterator[bytes]:
        raw = self._raw.content.iter_any()
        return raw if self._translator is None else translated_events(raw, self._translator)

    def release(self) -> None:
        self._raw.release()


async def translated_events(
    chunks: AsyncIterator[bytes], translator: StreamTranslator
) -> AsyncIterator[bytes]:
    """The vendor's SSE bytes as OpenAI SSE bytes.

    A vendor event that cannot be read becomes an OpenAI error event (the relay ends the stream
    with it); bytes left after the last whole event are passed on as they are, so the relay
    sees the stream was cut mid-event.
    """
    splitter = SseSplitter()
    async for chunk in chunks:
        out: list[bytes] = []
        for event, _ in splitter.feed(chunk):
            data = _data(event)
            if data is None:
                continue
            try:
                payloads = translator.feed(data)
            except Malformed as exc:
                payloads = [orjson.dumps({"error": {"message": str(exc), "type": "api_error"}})]
            out.extend(b"data: " + payload + b"\n\n" for payload in payloads)
        if out:
            yield b"".join(out)
    if rest := splitter.flush():
        yield rest


def _data(event: bytes) -> bytes | None:
    """The data of an event with `event:`/`data:` lines (Anthropic names its events)."""
    lines = [line[5:].strip() for line in event.splitlines() if line.startswith(b"data:")]
    return b"\n".join(lines) if lines else None
