"""The `openai` SDK clients the end-to-end tests use, closed when their test ends.

An unclosed client leaves its pooled socket to the garbage collector, whose ResourceWarning
(an error here) would surface in whichever later test happens to collect it.
"""

from __future__ import annotations

import openai

__all__ = ["close_clients", "openai_client"]

_open: list[openai.OpenAI] = []


def openai_client(base_url: str, api_key: str, timeout: float | None = None) -> openai.OpenAI:
    """A client without retries (a test sees every answer), closed by `close_clients`."""
    client = (
        openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout)
        if timeout is not None
        else openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0)
    )
    _open.append(client)
    return client


def close_clients() -> None:
    while _open:
        _open.pop().close()
