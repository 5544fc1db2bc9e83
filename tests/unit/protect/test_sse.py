"""Placeholders restored inside SSE events, however the upstream splits bytes and events."""

from __future__ import annotations

import itertools
import json

import orjson
from hypothesis import given
from hypothesis import strategies as st

from app.protect.sse import SseRestorer
from app.protect.step import Protected, json_escaped
from app.sse import SseSplitter

MAPPING = {"[EMAIL_1]": "ivan@example.ru", "[PHONE_1]": "+7 912 345-67-89"}
ANSWER = "Write to [EMAIL_1] or call [PHONE_1]; again: [email_1]."
RESTORED = "Write to ivan@example.ru or call +7 912 345-67-89; again: ivan@example.ru."


def _stream(pieces: list[str]) -> bytes:
    events = [
        {"id": "c", "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
        for p in pieces
    ]
    events.append({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = b"".join(b"data: " + orjson.dumps(e) + b"\n\n" for e in events)
    return body + b"data: [DONE]\n\n"


def _text(sse: bytes) -> str:
    out = []
    for event in sse.split(b"\n\n"):
        if event.startswith(b"data: {"):
            for choice in orjson.loads(event[6:])["choices"]:
                out.append(choice["delta"].get("content") or "")
    return "".join(out)


def _feed(restorer: SseRestorer, splitter: SseSplitter, chunk: bytes) -> bytes:
    return b"".join(restorer.event(event) + end for event, end in splitter.feed(chunk))


def _run(raw: bytes, cuts: list[int]) -> bytes:
    restorer = SseRestorer(MAPPING, json_escaped(MAPPING))
    splitter = SseSplitter()
    bounds = sorted({0, len(raw), *(c % (len(raw) + 1) for c in cuts)})
    out = b"".join(_feed(restorer, splitter, raw[a:b]) for a, b in itertools.pairwise(bounds))
    return out + splitter.flush() + restorer.flush()


@given(
    pieces=st.lists(st.integers(min_value=1, max_value=len(ANSWER)), max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=20),
)
def test_any_split_of_text_and_bytes_restores_the_answer(
    pieces: list[int], cuts: list[int]
) -> None:
    bounds = sorted({0, len(ANSWER), *pieces})
    deltas = [ANSWER[a:b] for a, b in itertools.pairwise(bounds)]
    out = _run(_stream(deltas), cuts)
    assert _text(out) == RESTORED
    assert out.endswith(b"data: [DONE]\n\n")
    assert b"[EMAIL_1]" not in out


def test_events_without_placeholders_pass_byte_for_byte() -> None:
    raw = _stream(["Hello", " world"])
    assert _run(raw, [7, 50, 51]) == raw


def test_text_held_at_the_end_is_released_by_flush() -> None:
    restorer = SseRestorer(MAPPING, json_escaped(MAPPING))
    event = {"choices": [{"index": 0, "delta": {"content": "see [EMAIL"}}]}
    out = _feed(restorer, SseSplitter(), b"data: " + orjson.dumps(event) + b"\n\n")
    out += restorer.flush()
    assert _text(out) == "see [EMAIL"


def test_tool_call_arguments_are_restored() -> None:
    restorer = SseRestorer(MAPPING, json_escaped(MAPPING))
    first = {
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"to": "[EMA'}}]},
            }
        ]
    }
    second = {
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": 'IL_1]"}'}}]},
                "finish_reason": "tool_calls",
            }
        ]
    }
    splitter = SseSplitter()
    out = b"".join(
        _feed(restorer, splitter, b"data: " + orjson.dumps(e) + b"\n\n") for e in (first, second)
    )
    args = "".join(
        call["function"]["arguments"]
        for event in out.split(b"\n\n")
        if event.startswith(b"data: ")
        for choice in orjson.loads(event[6:])["choices"]
        for call in choice["delta"].get("tool_calls", [])
    )
    assert orjson.loads(args) == {"to": "ivan@example.ru"}


def test_restored_tool_arguments_stay_valid_json() -> None:
    mapping = {"[PERSON_1]": 'O"Brien \\ Ltd'}
    restorer = SseRestorer(mapping, json_escaped(mapping))
    event = {
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {"index": 0, "function": {"arguments": '{"name": "[PERSON_1]"}'}}
                    ]
                },
                "finish_reason": "tool_calls",
            }
        ]
    }
    out = _feed(restorer, SseSplitter(), b"data: " + orjson.dumps(event) + b"\n\n")
    call = orjson.loads(out[6:].strip())["choices"][0]["delta"]["tool_calls"][0]
    assert orjson.loads(call["function"]["arguments"]) == {"name": 'O"Brien \\ Ltd'}


def test_crlf_separated_events_are_split_and_kept_verbatim() -> None:
    raw = _stream(["Hi [EMAIL_1]"]).replace(b"\n\n", b"\r\n\r\n")
    out = _run(raw, [9, 40])
    assert _text(out.replace(b"\r\n\r\n", b"\n\n")) == "Hi ivan@example.ru"
    assert out.endswith(b"data: [DONE]\r\n\r\n")


def test_a_body_that_is_not_a_completion_is_returned_as_is() -> None:
    protected = Protected({}, MAPPING)
    for body in (b"<html>[EMAIL_1]</html>", b"[1, 2]", b'{"choices":null}'):
        assert protected.restore_body(body) == body


def test_a_completion_body_is_restored() -> None:
    body = orjson.dumps({"choices": [{"message": {"content": ANSWER}}]})
    restored = orjson.loads(Protected({}, MAPPING).restore_body(body))
    assert restored["choices"][0]["message"]["content"] == RESTORED


def test_placeholders_spelled_with_json_escapes_are_restored() -> None:
    # json.dumps' default (ensure_ascii) escapes Cyrillic; a model may also escape a "[".
    answer = "Пишите на [EMAIL_1]"
    raw = _stream([answer]).replace(b"[EMAIL_1]", b"\\u005bEMAIL_1]")
    raw = raw.replace("Пишите на".encode(), json.dumps("Пишите на")[1:-1].encode())
    assert b"[EMAIL_1]" not in raw
    assert _text(_run(raw, [40])) == "Пишите на ivan@example.ru"


def test_a_placeholder_split_after_its_bracket_is_held_and_restored() -> None:
    raw = _stream(["write to [", "EMAIL_1] now"])
    assert _text(_run(raw, [])) == "write to ivan@example.ru now"
