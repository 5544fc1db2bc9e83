"""The replay report as JSON (schema-checked), text and Markdown."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from app.policy.replay_diff import KINDS
from app.policy.replay_report import json_document, markdown, text
from app.policy.replay_tally import Tally


def _report(passed: bool) -> dict[str, Any]:
    changes = {kind: Tally() for kind in KINDS}
    for seq in range(1, 6):
        changes["redaction"].add("acme-ru", f"dec_{seq}", ["pseudonymize -> mask"])
    changes["routes"].add("eu-bank", "dec_9", ["a/m -> b|m"])
    gate = Tally()
    if not passed:
        gate.add("acme-ru", "dec_1")
    return {
        "schema": "kordon.replay/v1",
        "candidate": {"path": "cand.tar.gz", "revision": "abc+git.1"},
        "baseline": {"kind": "recorded"},
        "records": {
            "read": 11,
            "replayed": 10,
            "skipped": 1,
            "changed": 6,
            "unchanged": 4,
            "recorded_revisions": {"old": 10},
        },
        "changes": {kind: tally.as_dict() for kind, tally in changes.items()},
        "gates": [
            {
                "name": "redaction-weakened",
                "description": "redaction would be weaker",
                "source": "flag",
                "passed": passed,
                **gate.as_dict(with_transitions=False),
            }
        ],
        "passed": passed,
        "timing": {"seconds": 0.5, "decisions_per_s": 20},
    }


def test_tally_keeps_three_examples_and_counts_by_tenant() -> None:
    redaction = _report(True)["changes"]["redaction"]
    assert redaction == {
        "count": 5,
        "by_tenant": {"acme-ru": 5},
        "examples": ["dec_1", "dec_2", "dec_3"],
        "transitions": [
            {"change": "pseudonymize -> mask", "count": 5, "examples": ["dec_1", "dec_2", "dec_3"]}
        ],
        "transitions_omitted": 0,
    }


def test_json_document_is_the_report_checked_against_its_schema() -> None:
    report = _report(False)
    assert json.loads(json_document(report)) == report
    del report["timing"]
    with pytest.raises(msgspec.ValidationError):
        json_document(report)
    with pytest.raises(msgspec.ValidationError):
        json_document({**_report(True), "extra": 1})


def test_text_names_the_violated_gate() -> None:
    rendered = text(_report(False))
    assert "10 replayed (1 skipped), 6 changed, 4 unchanged [20 decisions/s]" in rendered
    assert "  redaction: 5 (acme-ru 5)\n    pseudonymize -> mask: 5  e.g. dec_1, dec_2, dec_3" in (
        rendered
    )
    assert "gate redaction-weakened: VIOLATED 1 times (acme-ru 1) e.g. dec_1" in rendered
    assert rendered.endswith("replay gate: FAILED\n")
    assert text(_report(True)).endswith("gate redaction-weakened: passed\nreplay gate: passed\n")


def test_markdown_summary_for_a_pull_request() -> None:
    rendered = markdown(_report(False))
    assert rendered.startswith("## Policy replay: ❌ failed\n")
    assert "| `redaction-weakened` | **violated** | 1 | acme-ru 1 | `dec_1` |" in rendered
    assert "| redaction | 5 | acme-ru 5 | `dec_1` `dec_2` `dec_3` |" in rendered
    assert "| a/m -> b\\|m | 1 | `dec_9` |" in rendered  # a pipe cannot break the table
    assert markdown(_report(True)).startswith("## Policy replay: ✅ passed\n")
