"""Starlette routes that answer only the method they name.

starlette adds HEAD to every GET route. The gateway's routes never answered HEAD (they were
FastAPI's, which does not add it), and a HEAD /v1/models would still authenticate and ask the
policy for an answer it then drops: HEAD stays a 405, with `Allow` naming the one method.
"""

from __future__ import annotations

from starlette.routing import Route

from app.api.hotpath import Endpoint

__all__ = ["route"]


def route(method: str, path: str, endpoint: Endpoint) -> Route:
    made = Route(path, endpoint, methods=[method])
    made.methods = {method}
    return made
