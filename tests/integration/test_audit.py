"""The audit trail of a real gateway: one record per governed request, allowed, denied,
blocked and streamed; nothing lost when it shuts down; no labelled personal value of the
corpus anywhere in the stored trail; the trail verifies with the public key."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import openai
import orjson
import pytest

from app.audit.file_store import FileAuditStore
from app.audit.reader import read_records
from app.audit.signing import generate_keypair, load_public_key
from app.audit.verify import verify
from app.keys import KeyStore
from tests.integration.conftest import Stack
from tests.support.processes import REPO, running_gateway

CORPUS = [
    json.loads(line) for line in (REPO / "tests/corpus/corpus.jsonl").read_text().splitlines()
]


def _call(client: openai.OpenAI, request_id: str, text: str) -> int:
    try:
        client.chat.completions.create(
            model="auto",
            messages=[{"role": "user", "content": text}],
            extra_headers={"x-request-id": request_id},
        )
    except openai.APIStatusError as exc:
        return exc.status_code
    return 200


@pytest.fixture(scope="module")
def trail(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, dict[str, int]]:
    """Run a gateway with a signed trail, send the corpus and a few more, stop the gateway."""
    root = tmp_path_factory.mktemp("audit-it")
    generate_keypair(root / "signing.pem", root / "signing.pub.pem")
    env = {
        **stack.provider_env,
        "KORDON_AUDIT_DIR": str(root / "trail"),
        "KORDON_AUDIT_SIGNING_KEY": str(root / "signing.pem"),
        "KORDON_AUDIT_SEGMENT_RECORDS": "100",
    }
    # The corpus split over two tenants (pseudonymize vs mask, special data denied for eu-bank),
    # each key under its requests-per-minute limit.
    keys = KeyStore.load(root / "keys.json")
    secrets = {
        name: keys.create(tenant, "audit-it", ("analyst",))[0]
        for name, tenant in [("ru", "acme-ru"), ("eu", "eu-bank"), ("gulf", "gulf-retail")]
    }  # fmt: skip
    sent: dict[str, int] = {}
    with (
        running_gateway(stack.opa_url, root / "keys.json", env, root / "gw.log") as url,
        contextlib.ExitStack() as clients,
    ):
        client = {
            name: clients.enter_context(
                openai.OpenAI(base_url=f"{url}/v1", api_key=secret, max_retries=0)
            )
            for name, secret in secrets.items()
        }
        for n, sample in enumerate(CORPUS):
            sent[f"req_corpus_{n}"] = _call(
                client[("ru", "eu")[n % 2]], f"req_corpus_{n}", sample["text"]
            )
        try:
            client["gulf"].chat.completions.create(
                model="GigaChat-2-Max",
                messages=[{"role": "user", "content": "hello"}],
                extra_headers={"x-request-id": "req_denied"},
            )
        except openai.PermissionDeniedError:
            sent["req_denied"] = 403
        with client["ru"].chat.completions.with_streaming_response.create(
            model="auto",
            messages=[{"role": "user", "content": "Stream a short answer."}],
            stream=True,
            extra_headers={"x-request-id": "req_stream"},
        ) as response:
            list(response.parse())
            sent["req_stream"] = response.status_code
        client["eu"].embeddings.create(
            model="text-embedding-3-small",
            input="quarterly numbers",
            extra_headers={"x-request-id": "req_embed"},
        )
        sent["req_embed"] = 200
    # The gateway has exited (SIGTERM, clean shutdown): what it queued is on disk and sealed.
    return root / "trail", root / "signing.pub.pem", sent


def _records(directory: Path) -> dict[str, dict[str, object]]:
    return {str(r["request_id"]): r for r in read_records(FileAuditStore(directory))}


def test_every_request_has_one_record_after_a_clean_shutdown(
    trail: tuple[Path, Path, dict[str, int]],
) -> None:
    directory, public, sent = trail
    records = _records(directory)
    assert {k: r["status"] for k, r in records.items()} == sent
    assert len(list(read_records(FileAuditStore(directory)))) == len(sent)
    report = verify(FileAuditStore(directory).segments(), load_public_key(public))
    assert report.broken is None
    assert report.sealed == report.segments  # the shutdown sealed the last one
    assert sorted(set(sent.values())) == [200, 403]


def test_no_labelled_personal_value_is_stored(trail: tuple[Path, Path, dict[str, int]]) -> None:
    directory, _, _ = trail
    stored = b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())
    values = {label["value"] for sample in CORPUS for label in sample["labels"]}
    assert not sorted(v for v in values if v.encode() in stored)
    # Not vacuous: the scan's counts did reach the records.
    records = _records(directory)
    assert sum(bool(_obj(r["input"])["data"]["categories"]) for r in records.values()) > 100


def _obj(value: object) -> dict[str, Any]:
    assert isinstance(value, dict), value
    return value


def test_records_carry_the_decision_route_tokens_cost_and_timings(
    trail: tuple[Path, Path, dict[str, int]],
) -> None:
    records = _records(trail[0])
    stream = records["req_stream"]
    assert str(stream["decision_id"]).startswith("dec_")
    assert _obj(stream["input"])["request"]["stream"] is True
    decision = _obj(stream["decision"])
    assert decision["allow"] is True
    # The route taken is the decision's first (every upstream is up), and the only attempt.
    route = _obj(stream["route"])
    assert route == decision["routes"][0]
    assert stream["attempts"] == [{**route, "ok": True, "reason": None, "status": 200}]
    tokens = _obj(stream["tokens"])
    assert tokens["prompt"] > 0
    assert tokens["completion"] > 0
    cost = _obj(stream["cost"])
    assert re.fullmatch(r"[a-z]{3}", cost["currency"])
    assert Decimal(cost["amount"]) > 0
    timings = _obj(stream["timings_ms"])
    assert 0 < timings["decision"] <= timings["upstream_first_byte"] <= timings["total"]
    denied = records["req_denied"]
    assert (denied["status"], denied["error"], denied["route"]) == (403, "policy_denied", None)
    assert _obj(denied["decision"])["allow"] is False
    special = [r for r in records.values() if r["tenant"] == "eu-bank" and r["status"] == 403]
    assert special, "eu-bank special-category samples should be denied and recorded"
    assert all(r["error"] == "policy_denied" for r in special)
    embed = records["req_embed"]
    assert _obj(embed["input"])["request"]["endpoint"] == "embeddings"
    assert embed["tokens"] == {"prompt": 1, "completion": 0}


def test_show_and_export_for_auditors(
    trail: tuple[Path, Path, dict[str, int]], tmp_path: Path
) -> None:
    directory = trail[0]
    decision = str(_records(directory)["req_stream"]["decision_id"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("KORDON_")}

    def kordon(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "audit", *args, "--dir", str(directory)],
            env=env, capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        return done.stdout

    shown = kordon("show", "--decision", decision)
    assert shown.startswith(f"decision   {decision}  (request req_stream)")
    assert "result     HTTP 200" in shown
    lines = kordon("export", "--since", "24h", "--format", "csv").splitlines()
    assert lines[0].startswith("seq,time,decision_id,request_id,tenant")
    assert len(lines) == 1 + len(trail[2])
    exported = [orjson.loads(x) for x in kordon("export", "--format", "jsonl").splitlines()]
    assert [r["seq"] for r in exported] == list(range(1, len(trail[2]) + 1))
    assert kordon("export", "--since", "2999-01-01T00:00:00", "--format", "jsonl") == ""
