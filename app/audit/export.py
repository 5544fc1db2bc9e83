"""Records for auditors: `--since` parsing, JSON Lines and CSV, one readable record."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TextIO

import orjson

__all__ = ["CSV_COLUMNS", "parse_since", "readable", "write_csv", "write_jsonl"]

_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

CSV_COLUMNS = (
    "seq",
    "time",
    "decision_id",
    "request_id",
    "tenant",
    "agent",
    "key_id",
    "revision",
    "status",
    "error",
    "allow",
    "region",
    "redaction",
    "sensitivity",
    "route",
    "attempts",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "currency",
    "decision_ms",
    "first_byte_ms",
    "total_ms",
    "hash",
)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`24h`, `30m`, `7d`, `90s` back from now, or an ISO 8601 instant (UTC if no offset)."""
    match = _DURATION.fullmatch(text.strip())
    if match:
        delta = timedelta(**{_UNITS[match[2]]: int(match[1])})
        return (now or datetime.now(UTC)) - delta
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _get(document: object, *path: str) -> object:
    for key in path:
        document = document.get(key) if isinstance(document, dict) else None
    return document


def _row(record: dict[str, object]) -> list[object]:
    route = record.get("route")
    attempts = record.get("attempts")
    return [
        record.get("seq"),
        record.get("time"),
        record.get("decision_id"),
        record.get("request_id"),
        record.get("tenant"),
        record.get("agent"),
        record.get("key_id"),
        record.get("revision"),
        record.get("status"),
        record.get("error"),
        _get(record, "decision", "allow"),
        _get(record, "decision", "region"),
        _get(record, "decision", "redaction"),
        _get(record, "input", "data", "sensitivity"),
        f"{_get(route, 'provider')}/{_get(route, 'model')}" if route else "",
        len(attempts) if isinstance(attempts, list) else 0,
        _get(record, "tokens", "prompt"),
        _get(record, "tokens", "completion"),
        _get(record, "cost", "amount"),
        _get(record, "cost", "currency"),
        _get(record, "timings_ms", "decision"),
        _get(record, "timings_ms", "upstream_first_byte"),
        _get(record, "timings_ms", "total"),
        record.get("hash"),
    ]


def write_csv(records: Iterable[dict[str, object]], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in records:
        writer.writerow(["" if v is None else v for v in _row(record)])
        count += 1
    return count


def write_jsonl(records: Iterable[dict[str, object]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode() + "\n")
        count += 1
    return count


def readable(record: dict[str, object]) -> str:
    """A summary a person reads first, then the whole record, indented."""
    route = record.get("route")
    lines = [
        f"decision   {record.get('decision_id')}  (request {record.get('request_id')})",
        f"time       {record.get('time')}   seq {record.get('seq')}",
        f"who        tenant {record.get('tenant')}, agent {record.get('agent')}, "
        f"key {record.get('key_id')}",
        f"policy     revision {record.get('revision')}",
        f"decided    allow={_get(record, 'decision', 'allow')} "
        f"region={_get(record, 'decision', 'region')} "
        f"redaction={_get(record, 'decision', 'redaction')}",
        f"data       {_get(record, 'input', 'data', 'sensitivity')} "
        f"{orjson.dumps(_get(record, 'input', 'data', 'categories')).decode()}",
        f"route      {_get(route, 'provider')}/{_get(route, 'model')}" if route else "route      -",
        f"result     HTTP {record.get('status')}"
        + (f" ({record.get('error')})" if record.get("error") else ""),
        f"tokens     {orjson.dumps(record.get('tokens')).decode()}   "
        f"cost {orjson.dumps(record.get('cost')).decode()}",
        f"timings ms {orjson.dumps(record.get('timings_ms')).decode()}",
        "",
        orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode(),
    ]
    return "\n".join(lines)
