"""Sber's GigaChat API behind the OpenAI API: chat (with tools as GigaChat functions) and
embeddings.

Requests: every system message becomes the one first system message GigaChat accepts; tools
become `functions` (+ `function_call`), an assistant's tool calls become `function_call`
messages (one call each: GigaChat takes one per message) and tool results `function` messages.
Answers: `function_call` becomes `tool_calls` (arguments as a JSON string) and its finish
reasons become OpenAI's; a finish reason `error` is a failed route (before the first byte) or
an error event (in a stream). Images are not sent (GigaChat wants them uploaded as files first):
such a request falls over to the next route.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping

import orjson

from app.providers.adapters.base import (
    Malformed,
    Outbound,
    ProbeRequest,
    UpstreamRequest,
    chunk,
    error_document,
    json_object,
    usage_chunk,
)
from app.providers.adapters.gigachat_auth import GigaChatTokens, tls_context
from app.providers.adapters.messages import content_text, dicts, parse_arguments
from app.providers.catalog import Endpoint
from app.providers.failures import RouteFailed
from app.schemas.contract import Route

__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_SCOPE", "FINISH", "GigaChat", "GigaChatStream"]

DEFAULT_AUTH_URL = "https://ngw.devices.sberbank.ru:9443/api/v2/oauth"
DEFAULT_SCOPE = "GIGACHAT_API_PERS"
FINISH = {
    "stop": "stop",
    "length": "length",
    "function_call": "tool_calls",
    "blacklist": "content_filter",
}
_DONE = b"[DONE]"


class GigaChat:
    def __init__(self, endpoint: Endpoint, token_timeout_s: float) -> None:
        self._endpoint = endpoint
        self._token_timeout_s = token_timeout_s
        self._tokens: GigaChatTokens | None = None

    @property
    def tokens(self) -> GigaChatTokens:
        """The token cache, made on first use (a bad CA bundle fails the route, not startup)."""
        if self._tokens is None:
            if not self._endpoint.api_key:
                raise RouteFailed("gigachat has no authorization key configured")
            self._tokens = GigaChatTokens(
                self._endpoint.option("auth_url") or DEFAULT_AUTH_URL,
                self._endpoint.api_key,
                self._endpoint.option("scope") or DEFAULT_SCOPE,
                tls_context(self._endpoint.option("ca_bundle")),
                self._token_timeout_s,
            )
        return self._tokens

    async def prepare(self, route: Route, outbound: Outbound) -> UpstreamRequest:
        if outbound.endpoint == "embeddings":
            path, body = "/embeddings", _embeddings_request(route.model, outbound.payload)
        else:
            path, body = "/chat/completions", chat_request(route.model, outbound)
        tokens = self.tokens
        token = await tokens.token()
        return UpstreamRequest(
            self._endpoint.base_url + path,
            orjson.dumps(body),
            {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {token}",
            },
            ssl=tokens.tls,
            rejected=tokens.drop,
        )

    async def probe(self) -> ProbeRequest | None:
        """`GET /models` with the access token a call uses (fetched first if it has none)."""
        if not self._endpoint.api_key:
            return None
        tokens = self.tokens
        token = await tokens.token()
        return ProbeRequest(
            self._endpoint.base_url + "/models",
            {"Accept": "application/json", "Authorization": f"Bearer {token}"},
            ssl=tokens.tls,
            rejected=tokens.drop,
        )

    def translate_body(self, route: Route, status: int, body: bytes) -> bytes:
        if status != 200:
            return error_document(status, body)
        document = json_object(body)
        if document.get("object") == "list":
            return orjson.dumps(_embeddings(document))
        return orjson.dumps(_completion(document, route.model))

    def stream(self, route: Route) -> GigaChatStream:
        return GigaChatStream(route.model)


def chat_request(model: str, outbound: Outbound) -> dict[str, object]:
    payload = outbound.payload
    system: list[str] = []
    messages: list[dict[str, object]] = []
    calls: dict[str, dict[str, object]] = {}
    last_call: str | None = None
    for message in dicts(payload.get("messages")):
        role, content = message.get("role"), message.get("content")
        if isinstance(content, list) and any(p.get("type") == "image_url" for p in dicts(content)):
            raise RouteFailed("the gigachat adapter does not send images")
        if role in ("system", "developer"):
            system.append(content_text(content))
        elif role == "assistant":
            tool_calls = dicts(message.get("tool_calls"))
            for call in tool_calls:
                calls[str(call.get("id"))] = _function_call(call)
            reply: dict[str, object] = {"role": "assistant", "content": content_text(content)}
            if tool_calls:
                last_call = str(tool_calls[0].get("id"))
                reply["function_call"] = calls[last_call]
            messages.append(reply)
        elif role == "tool":
            call_id = str(message.get("tool_call_id"))
            call = calls.get(call_id, {"name": ""})
            if call_id != last_call and call_id in calls:
                # The 2nd, 3rd… of parallel calls: GigaChat needs each as its own turn.
                messages.append({"role": "assistant", "content": "", "function_call": call})
                last_call = call_id
            result = {"role": "function", "name": call["name"], "content": _json_text(content)}
            messages.append(result)
        else:
            messages.append({"role": "user", "content": content_text(content)})
    if system:
        messages.insert(0, {"role": "system", "content": "\n\n".join(system)})
    request: dict[str, object] = {"model": model, "messages": messages, "stream": outbound.stream}
    max_tokens = payload.get("max_completion_tokens") or payload.get("max_tokens")
    if max_tokens:
        request["max_tokens"] = max_tokens
    for name in ("temperature", "top_p"):
        if payload.get(name) is not None:
            request[name] = payload[name]
    functions = [_function(tool) for tool in dicts(payload.get("tools"))]
    if functions:
        request["functions"] = functions
        request["function_call"] = _function_choice(payload.get("tool_choice"))
    return request


def _function_call(call: Mapping[str, object]) -> dict[str, object]:
    function = call.get("function")
    function = function if isinstance(function, dict) else {}
    return {
        "name": str(function.get("name") or ""),
        "arguments": parse_arguments(function.get("arguments")),
    }


def _json_text(content: object) -> str:
    """GigaChat reads a function result as JSON: plain text is wrapped as {"result": text}."""
    text = content_text(content)
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return orjson.dumps({"result": text}).decode()
    return text


def _function(tool: Mapping[str, object]) -> dict[str, object]:
    function = tool.get("function")
    function = function if isinstance(function, dict) else {}
    spec: dict[str, object] = {
        "name": str(function.get("name") or ""),
        "parameters": function.get("parameters") or {"type": "object", "properties": {}},
    }
    if function.get("description"):
        spec["description"] = function["description"]
    return spec


def _function_choice(choice: object) -> object:
    if choice == "none":
        return "none"
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"name": str(choice["function"].get("name") or "")}
    return "auto"  # GigaChat has no "required"; auto is the nearest


def _embeddings_request(model: str, payload: Mapping[str, object]) -> dict[str, object]:
    text = payload.get("input")
    return {"model": model, "input": [text] if isinstance(text, str) else text}


def _embeddings(document: dict[str, object]) -> dict[str, object]:
    """GigaChat counts tokens per input; OpenAI reports one usage for the request."""
    prompt = 0
    data: list[dict[str, object]] = []
    for item in dicts(document.get("data")):
        usage = item.pop("usage", None)
        if isinstance(usage, dict) and isinstance(usage.get("prompt_tokens"), int):
            prompt += usage["prompt_tokens"]
        data.append(item)
    usage_out = {"prompt_tokens": prompt, "total_tokens": prompt}
    return {"object": "list", "data": data, "model": document.get("model"), "usage": usage_out}


def _tool_calls(function_call: object, state_id: object) -> list[dict[str, object]] | None:
    if not isinstance(function_call, dict):
        return None
    arguments = function_call.get("arguments")
    return [
        {
            "id": str(state_id) if state_id else f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {
                "name": function_call.get("name"),
                "arguments": arguments
                if isinstance(arguments, str)
                else orjson.dumps(arguments or {}).decode(),
            },
        }
    ]


def _finish(reason: object) -> str | None:
    if reason is None:
        return None
    if reason == "error":
        raise Malformed("GigaChat reported an error while generating the answer")
    return FINISH.get(str(reason), "stop")


def _completion(document: dict[str, object], model: str) -> dict[str, object]:
    choices: list[dict[str, object]] = []
    for index, choice in enumerate(dicts(document.get("choices"))):
        message = choice.get("message")
        message = message if isinstance(message, dict) else {}
        reply: dict[str, object] = {"role": "assistant", "content": message.get("content")}
        calls = _tool_calls(message.get("function_call"), message.get("functions_state_id"))
        if calls:
            reply["tool_calls"] = calls
            reply["content"] = message.get("content") or None
        finish = _finish(choice.get("finish_reason"))
        choices.append({"index": index, "message": reply, "finish_reason": finish})
    if not choices:
        raise Malformed("the upstream sent an answer without choices")
    usage = document.get("usage")
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": document.get("created") or int(time.time()),
        "model": model,
        "choices": choices,
        "usage": _usage(usage if isinstance(usage, dict) else {}),
    }


def _usage(usage: Mapping[str, object]) -> dict[str, int]:
    return {
        k: v
        for k in ("prompt_tokens", "completion_tokens", "total_tokens")
        if isinstance(v := usage.get(k), int)
    }


class GigaChatStream:
    """GigaChat's OpenAI-like stream: chunk objects fixed up, the usage moved to its own chunk."""

    def __init__(self, model: str) -> None:
        self._model = model
        self._id = f"chatcmpl-{uuid.uuid4().hex}"
        self._usage: dict[str, int] = {}

    def feed(self, data: bytes) -> list[bytes]:
        if data == _DONE:
            if "prompt_tokens" in self._usage:
                prompt = self._usage["prompt_tokens"]
                completion = self._usage.get("completion_tokens", 0)
                return [usage_chunk(self._id, self._model, prompt, completion), _DONE]
            return [_DONE]
        document = json_object(data)
        if "choices" not in document:
            return [error_document(500, data)]
        if isinstance(usage := document.get("usage"), dict):
            self._usage = _usage(usage)
        out: list[bytes] = []
        for choice in dicts(document.get("choices")):
            delta = choice.get("delta")
            delta = dict(delta) if isinstance(delta, dict) else {}
            calls = _tool_calls(
                delta.pop("function_call", None), delta.pop("functions_state_id", None)
            )
            if calls:
                delta["tool_calls"] = [{"index": 0, **calls[0]}]
            if choice.get("finish_reason") == "error":
                message = "GigaChat reported an error while generating the answer"
                return [*out, orjson.dumps({"error": {"message": message, "type": "api_error"}})]
            out.append(chunk(self._id, self._model, delta, _finish(choice.get("finish_reason"))))
        return out
