"""Reading audit records for replay, and the `--since` durations."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.cli.replay import parse_duration
from app.policy.replay_records import Recorded, RecordError, from_records, read_jsonl


def test_read_jsonl_skips_blank_lines_and_names_a_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text('{"seq": 1}\n\n{"seq": 2}\n')
    assert list(read_jsonl(path)) == [{"seq": 1}, {"seq": 2}]
    path.write_text('{"seq": 1}\n[1, 2]\n')
    with pytest.raises(RecordError, match=r"records.jsonl:2: a record is a JSON object"):
        list(read_jsonl(path))
    path.write_text('{"seq": 1}\n{"seq": \n')
    with pytest.raises(RecordError, match=r"records.jsonl:2: not JSON"):
        list(read_jsonl(path))


def test_from_records_keeps_what_replay_needs() -> None:
    document = {"principal": {"tenant": "eu-bank"}}
    records: list[dict[str, Any]] = [
        {
            "decision_id": "dec_1",
            "tenant": "acme-ru",
            "revision": "r1",
            "input": {},
            "decision": {},
        },
        {"seq": 7, "input": document, "decision": {"allow": False}},
        {"decision_id": "dec_3", "input": document},  # no decision: the policy was not asked
        {"decision_id": "dec_4", "input": None, "decision": {}},
    ]
    assert list(from_records(records)) == [
        Recorded("dec_1", "acme-ru", "r1", {}, {}),
        Recorded("seq:7", "eu-bank", None, document, {"allow": False}),
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("1d12h", timedelta(hours=36)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "24", "h", "24x", "-1h", "24h "])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)
