"""OpenAI-compatible routes: chat completions (streaming too), embeddings, models."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.body import read_json, validate
from app.api.routes import route
from app.api.streaming import RelayResponse
from app.config import Settings
from app.errors import AuthenticationFailed, PolicyDenied
from app.executor import Outcome
from app.gateway import Gateway, kordon_headers
from app.keys import KeyStore, Principal
from app.policy.input import Endpoint, RequestFacts
from app.policy.opa import PolicyResult
from app.schemas.openai import ChatCompletionRequest, EmbeddingRequest

__all__ = ["Services", "authenticate", "request_id_of", "routes", "services_of"]

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    keys: KeyStore
    gateway: Gateway


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _headers(request: Request) -> dict[bytes, bytes]:
    """The request's headers, looked up once. starlette's `Headers.get` scans the list and raises
    a KeyError for each absent header (x-request-id and the x-kordon ones usually are): ~5 µs a
    request. The first of a repeated header wins, as in starlette."""
    return dict(reversed(request.scope["headers"]))


def _authenticate(headers: dict[bytes, bytes], keys: KeyStore) -> Principal:
    scheme, _, key = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    principal = keys.authenticate(key.strip()) if scheme.lower() == "bearer" else None
    if principal is None:
        raise AuthenticationFailed("missing or unknown API key")
    return principal


def _request_id(headers: dict[bytes, bytes]) -> str:
    given = headers.get(b"x-request-id")
    if given is not None and _REQUEST_ID.fullmatch(text := given.decode("latin-1")):
        return text
    return f"req_{secrets.token_hex(12)}"


def _text(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


def authenticate(request: Request, keys: KeyStore) -> Principal:
    return _authenticate(_headers(request), keys)


def request_id_of(request: Request) -> str:
    return _request_id(_headers(request))


def _render(request_id: str, policy: PolicyResult, outcome: Outcome) -> Response:
    headers = {
        **outcome.headers,
        **kordon_headers(request_id, policy),
        "x-kordon-route": f"{outcome.route.provider}/{outcome.route.model}",
        "x-kordon-cache": outcome.cache,
    }
    if outcome.stream is not None:
        headers["cache-control"] = "no-cache"
        return RelayResponse(outcome.stream, headers=headers, media_type="text/event-stream")
    return Response(outcome.body, status_code=outcome.status, headers=headers)


async def _governed(
    request: Request,
    endpoint: Endpoint,
    schema: type[ChatCompletionRequest] | type[EmbeddingRequest],
) -> Response:
    services = services_of(request)
    headers = _headers(request)
    principal = _authenticate(headers, services.keys)
    request_id = _request_id(headers)
    payload = await read_json(
        request.receive, headers.get(b"content-length"), services.settings.max_body_bytes
    )
    parsed = validate(schema, payload)
    chat = parsed if isinstance(parsed, ChatCompletionRequest) else None
    facts = RequestFacts(
        request_id=request_id,
        endpoint=endpoint,
        model=parsed.model,
        stream=chat.stream if chat else False,
        max_output=chat.max_output if chat else None,
        tools=bool(chat.tools) if chat else False,
        images=chat.has_images if chat else False,
        client_region=_text(headers, b"x-kordon-client-region"),
        session=_text(headers, b"x-kordon-session"),
    )
    policy, outcome = await services.gateway.handle(principal, facts, payload)
    return _render(request_id, policy, outcome)


async def chat_completions(request: Request) -> Response:
    return await _governed(request, "chat.completions", ChatCompletionRequest)


async def embeddings(request: Request) -> Response:
    return await _governed(request, "embeddings", EmbeddingRequest)


async def models(request: Request) -> Response:
    """Only the models the caller's tenant may use, as the policy lists them."""
    services = services_of(request)
    given = _headers(request)
    principal = _authenticate(given, services.keys)
    request_id = _request_id(given)
    policy = await services.gateway.list_models(principal, request_id)
    headers = kordon_headers(request_id, policy)
    if not policy.decision.allow:
        raise PolicyDenied(
            "request denied by policy: " + "; ".join(policy.decision.reasons), headers=headers
        )
    seen: dict[str, str] = {}
    for target in policy.decision.routes:
        seen.setdefault(target.model, target.provider)
    data = [
        {"id": model, "object": "model", "created": 0, "owned_by": provider}
        for model, provider in seen.items()
    ]
    return Response(
        orjson.dumps({"object": "list", "data": data}),
        media_type="application/json",
        headers=headers,
    )


routes = [
    route("POST", "/v1/chat/completions", chat_completions),
    route("POST", "/v1/embeddings", embeddings),
    route("GET", "/v1/models", models),
]
