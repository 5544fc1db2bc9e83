"""`kordon policy replay` end to end: records whose decisions the real current bundle gave,
replayed by a real OPA against candidate bundles built with `opa build`, each with one
deliberate change whose effect on the recorded set is known."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PrivateFormat, PublicFormat

from app.audit.file_store import FileAuditStore
from app.audit.record import AuditEvent
from app.audit.writer import ChainWriter
from app.cli import main
from app.keys import Principal
from app.policy.bundle import build_bundle
from app.policy.opa import PolicyResult
from app.policy.replay_records import read_jsonl
from app.policy.replay_schema import check_report
from app.policy.signing import SigningKey, sign_bundle
from app.schemas.contract import parse_decision
from tests.support.processes import REPO, opa_binary, running_opa
from tests.support.recorded import make_input, record_decisions, write_jsonl

pytestmark = pytest.mark.integration

# (count, tenant, sensitivity, categories, subjects) of the recorded set, in order.
_GROUPS: tuple[tuple[int, str, str, dict[str, int], list[str]], ...] = (
    (4, "acme-ru", "personal", {"email": 1}, ["RU"]),
    (2, "acme-ru", "personal", {"phone": 1}, []),  # subjects presumed RU (the tenant's)
    (3, "acme-ru", "public", {}, []),
    (3, "eu-bank", "personal", {"email": 1}, ["EU"]),
    (2, "gulf-retail", "public", {}, []),
    (2, "gulf-retail", "personal", {"email": 1}, ["RU"]),  # denied: no provider in ru
    (1, "acme-ru", "special", {"health": 1, "snils": 1}, ["RU"]),
)
_RECORDED = sum(group[0] for group in _GROUPS)  # 17, decision ids dec_00000001 …


def _ids(first: int, count: int) -> list[str]:
    return [f"dec_{seq:08d}" for seq in range(first, first + count)]


def _candidate(root: Path, edit: Callable[[Path], None]) -> Path:
    for name in ("rego", "data"):
        shutil.copytree(REPO / name, root / name)
    edit(root)
    build_bundle(opa_binary(), root, root / "bundle.tar.gz")
    return root / "bundle.tar.gz"


def _edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document))


def _ru_leak(root: Path) -> None:
    # RU localisation now also permits EU providers: one rule, one word.
    region = root / "rego" / "kordon" / "region" / "region.rego"
    source = region.read_text()
    old = '\tprovider.region == "ru"\n}\n\n_permitted_by("eu_residency")'
    assert source.count(old) == 1
    region.write_text(source.replace(old, old.replace('== "ru"', 'in {"ru", "eu"}')))


def _weaker(root: Path) -> None:
    data = root / "data"
    # acme-ru's personal data masked instead of pseudonymized; enterprise requests/min doubled.
    _edit_yaml(
        data / "tenants" / "data.yaml", lambda t: t["acme-ru"]["redaction"].update(personal="mask")
    )
    _edit_yaml(
        data / "tiers" / "data.yaml", lambda t: t["enterprise"]["limits"][0].update(limit=1200)
    )
    (data / "kordon_release").mkdir()
    (data / "kordon_release" / "data.yaml").write_text(
        "forbidden_changes: [redaction_weakened, denied-becomes-allowed]\n"
    )


def _conflict(root: Path) -> None:
    # A second region rule that disagrees with the first for eu-bank: OPA cannot evaluate.
    decision = root / "rego" / "kordon" / "decision" / "decision.rego"
    decision.write_text(
        decision.read_text() + '\nregion := "us" if input.principal.tenant == "eu-bank"\n'
    )


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    current = tmp_path_factory.mktemp("current") / "bundle.tar.gz"
    build_bundle(opa_binary(), REPO, current)
    return {
        "current": current,
        "ru_leak": _candidate(tmp_path_factory.mktemp("ru_leak"), _ru_leak),
        "weaker": _candidate(tmp_path_factory.mktemp("weaker"), _weaker),
        "conflict": _candidate(tmp_path_factory.mktemp("conflict"), _conflict),
    }


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory, bundles: dict[str, Path]) -> Path:
    documents = [
        make_input(index, tenant=tenant, sensitivity=level, categories=found, subjects=subjects)
        for index, (tenant, level, found, subjects) in enumerate(
            spec[1:] for spec in _GROUPS for _ in range(spec[0])
        )
    ]
    with running_opa(bundles["current"]) as (url, _):
        recorded = record_decisions(url, documents)
    # Two records replay cannot use: refused before the policy was asked.
    unusable = [{"seq": 98, "decision_id": "dec_x1", "status": 400}, {"seq": 99, "input": {}}]
    return write_jsonl(tmp_path_factory.mktemp("records") / "records.jsonl", recorded + unusable)


def _replay(tmp_path: Path, *args: str) -> tuple[int, str]:
    out = tmp_path / "report"
    try:
        main(["policy", "replay", *args, "--out", str(out)])
        code: object = 0
    except SystemExit as exited:
        code = exited.code
    return (code if isinstance(code, int) else 2), out.read_text() if out.exists() else ""


@pytest.fixture
def run(tmp_path: Path, records: Path, bundles: dict[str, Path]) -> Callable[..., Any]:
    def replay_json(candidate: str, *args: str) -> tuple[int, dict[str, Any]]:
        given = ["--candidate", str(bundles[candidate]), "--records", str(records)]
        code, text = _replay(tmp_path, *given, "--format", "json", *args)
        return code, json.loads(text)

    return replay_json


def test_the_current_bundle_changes_nothing(run: Callable[..., Any]) -> None:
    # Batch evaluation through the query API agrees with the gateway's one POST per request.
    code, report = run("current", "--gate", "personal-data-leaves-ru", "--gate", "region-changed")
    assert code == 0
    assert report["records"] == {
        "read": _RECORDED + 2,
        "replayed": _RECORDED,
        "skipped": 2,
        "changed": 0,
        "unchanged": _RECORDED,
        "recorded_revisions": {"recorded-rev": _RECORDED},
    }
    assert all(kind["count"] == 0 for kind in report["changes"].values())
    assert [g["passed"] for g in report["gates"]] == [True, True]
    check_report(report)


def test_ru_leak_is_caught_with_counts_per_tenant(run: Callable[..., Any]) -> None:
    gates = ("personal-data-leaves-ru", "denied-becomes-allowed", "redaction-weakened")
    code, report = run("ru_leak", *(part for gate in gates for part in ("--gate", gate)))
    assert code == 1
    assert report["passed"] is False
    changes = report["changes"]
    assert report["records"]["changed"] == 8
    assert changes["allow"]["count"] == 2
    assert changes["allow"]["by_tenant"] == {"gulf-retail": 2}
    assert changes["allow"]["transitions"][0]["change"] == "deny -> allow"
    assert changes["allow"]["examples"] == _ids(15, 2)
    assert changes["routes"]["count"] == 6
    assert changes["routes"]["by_tenant"] == {"acme-ru": 6}
    assert changes["routes"]["examples"] == _ids(1, 3)
    assert "mistral-eu/" in changes["routes"]["transitions"][0]["change"]
    for kind in ("region", "redaction", "quota_limits", "invalid"):
        assert changes[kind]["count"] == 0, kind
    results = {g["name"]: g for g in report["gates"]}
    assert results["personal-data-leaves-ru"]["count"] == 8
    assert results["personal-data-leaves-ru"]["by_tenant"] == {"acme-ru": 6, "gulf-retail": 2}
    assert results["personal-data-leaves-ru"]["source"] == "flag"
    assert results["denied-becomes-allowed"]["count"] == 2
    assert results["denied-becomes-allowed"]["examples"] == _ids(15, 2)
    assert results["redaction-weakened"]["passed"] is True
    check_report(report)


def test_weakened_redaction_and_raised_quota_fail_the_candidates_own_gates(
    run: Callable[..., Any],
) -> None:
    code, report = run("weaker", "--gates-from-candidate", "--gate", "quota-loosened")
    assert code == 1
    changes = report["changes"]
    assert report["records"]["changed"] == 13
    assert changes["redaction"]["count"] == 6
    assert changes["redaction"]["by_tenant"] == {"acme-ru": 6}
    assert changes["redaction"]["transitions"] == [
        {"change": "pseudonymize -> mask", "count": 6, "examples": _ids(1, 3)}
    ]
    assert changes["quota_limits"]["count"] == 13
    assert changes["quota_limits"]["by_tenant"] == {"acme-ru": 10, "eu-bank": 3}
    assert changes["quota_limits"]["transitions"][0] == {
        "change": "requests_per_minute: 600 requests/60s -> 1200 requests/60s",
        "count": 13,
        "examples": _ids(1, 3),
    }
    gates = [(g["name"], g["source"], g["count"]) for g in report["gates"]]
    assert gates == [
        ("quota-loosened", "flag", 13),
        ("redaction-weakened", "candidate", 6),
        ("denied-becomes-allowed", "candidate", 0),
    ]


def test_a_decision_opa_cannot_evaluate_is_invalid_and_the_rest_still_count(
    run: Callable[..., Any],
) -> None:
    code, report = run("conflict", "--gate", "invalid-decision")
    assert code == 1
    assert report["records"]["changed"] == 3
    assert report["changes"]["invalid"]["by_tenant"] == {"eu-bank": 3}
    assert report["changes"]["invalid"]["transitions"][0]["change"] == (
        "undefined or evaluation error"
    )
    assert report["gates"][0]["examples"] == _ids(10, 3)


def test_a_baseline_bundle_gives_the_same_diff_as_the_recorded_decisions(
    run: Callable[..., Any], bundles: dict[str, Path]
) -> None:
    code, report = run("ru_leak", "--baseline", str(bundles["current"]))
    assert code == 0  # no gate named
    assert report["baseline"]["kind"] == "bundle"
    assert report["changes"]["routes"]["count"] == 6
    assert report["changes"]["allow"]["count"] == 2


def test_markdown_and_text_summaries_name_the_violated_gates(
    tmp_path: Path, records: Path, bundles: dict[str, Path]
) -> None:
    base = ["--candidate", str(bundles["ru_leak"]), "--records", str(records)]
    gate = ["--gate", "personal-data-leaves-ru"]
    code, rendered = _replay(tmp_path, *base, *gate, "--format", "markdown")
    assert code == 1
    code, _ = _replay(
        tmp_path, *base, *gate, "--format", "json", "--summary-out", str(tmp_path / "md")
    )
    summary = (tmp_path / "md").read_text()
    assert code == 1
    assert summary == rendered
    assert summary.startswith("## Policy replay: ❌ failed\n")
    assert "**17** decisions replayed, **8** would change (2 records skipped)" in summary
    assert (
        "| `personal-data-leaves-ru` | **violated** | 8 | acme-ru 6, gulf-retail 2 "
        "| `dec_00000001` `dec_00000002` `dec_00000003` |"
    ) in summary
    assert "| allow | 2 | gulf-retail 2 | `dec_00000015` `dec_00000016` |" in summary
    code, text = _replay(tmp_path, *base, *gate)
    assert code == 1
    assert "gate personal-data-leaves-ru: VIOLATED 8 times (acme-ru 6, gulf-retail 2)" in text
    assert text.endswith("replay gate: FAILED\n")


@pytest.mark.parametrize("broken", ["gate", "candidate", "not-a-bundle", "records", "empty"])
def test_a_replay_that_cannot_run_exits_2(
    tmp_path: Path, records: Path, bundles: dict[str, Path], broken: str
) -> None:
    unusable = write_jsonl(tmp_path / "unusable.jsonl", [{"seq": 1, "status": 400}])
    replaced = {
        "gate": ("--gate", "no-such-gate"),
        "candidate": ("--candidate", "/nonexistent/bundle.tar.gz"),
        "not-a-bundle": ("--candidate", str(unusable)),  # OPA exits at once: no 30 s wait
        "records": ("--records", "/nonexistent/records.jsonl"),
        "empty": ("--records", str(unusable)),  # nothing to replay proves nothing
    }[broken]
    args = {
        "--candidate": str(bundles["current"]),
        "--records": str(records),
        "--gate": "region-changed",
    }
    args[replaced[0]] = replaced[1]
    code, _ = _replay(tmp_path, *(part for pair in args.items() for part in pair))
    assert code == 2


def test_since_replays_the_audit_trail_from_that_long_ago(
    tmp_path: Path,
    records: Path,
    bundles: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The trail's own writer: its records hold the decision as the gateway validated it.
    now = time.time()
    events = [
        AuditEvent(
            request_id=str(record["request_id"]),
            principal=Principal(record["tenant"], record["key_id"], record["agent"], ("analyst",)),
            started_at=now - (3 * 86400 if record["seq"] <= 4 else 60),  # four are 3 days old
            document=record["input"],
            policy=PolicyResult(parse_decision(record["decision"]), record["decision_id"], "rev-1"),
            status=record["status"],
        )
        for record in read_jsonl(records)
        if "decision" in record and "input" in record
    ]
    store = FileAuditStore(tmp_path / "audit", fsync=False)
    ChainWriter(store, None, segment_records=100).write(events)
    store.close()
    monkeypatch.setenv("KORDON_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.delenv("KORDON_AUDIT_DSN", raising=False)
    given = ["--candidate", str(bundles["ru_leak"]), "--since", "24h", "--format", "json"]
    code, text = _replay(tmp_path, *given, "--gate", "personal-data-leaves-ru")
    report = json.loads(text)
    assert code == 1
    # dec_1..4 (acme-ru, RU subjects) are older than 24 h; the rest of the known diff remains.
    assert report["records"]["replayed"] == _RECORDED - 4
    assert report["records"]["recorded_revisions"] == {"rev-1": _RECORDED - 4}
    assert report["records"]["changed"] == 4  # the re-encoded decisions add no change
    assert report["changes"]["routes"]["count"] == 2
    assert report["changes"]["allow"]["count"] == 2
    assert report["gates"][0]["by_tenant"] == {"acme-ru": 2, "gulf-retail": 2}


def test_a_progress_bar_only_when_stderr_is_a_terminal(
    tmp_path: Path, records: Path, bundles: dict[str, Path], capfd: pytest.CaptureFixture[str]
) -> None:
    given = ["--candidate", str(bundles["current"]), "--records", str(records)]
    assert _replay(tmp_path, *given)[0] == 0
    assert "records" not in capfd.readouterr().err  # stderr is a pipe here: no bar
    main_fd, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    with os.fdopen(main_fd, "rb", buffering=0) as screen:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "policy", "replay", *given, "--out", "/dev/null"],
            cwd=REPO,
            stderr=terminal,
            check=False,
            timeout=60,
        )
        os.close(terminal)
        shown = b""
        with contextlib.suppress(OSError):  # EIO once everything written was read
            while chunk := screen.read(4096):
                shown += chunk
    assert done.returncode == 0
    assert re.search(rb"replay: 100%.*19/19 \[", shown), shown


def _pem_pair(directory: Path, name: str) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = directory / f"{name}.pem", directory / f"{name}.pub"
    private.write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


def test_a_signed_candidate_is_verified_and_a_wrong_key_refused(
    tmp_path: Path,
    records: Path,
    bundles: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KORDON_BUNDLE_VERIFICATION_KEY", raising=False)
    private, public = _pem_pair(tmp_path, "team")
    _, stranger = _pem_pair(tmp_path, "stranger")
    signed = tmp_path / "signed.tar.gz"
    sign_bundle(opa_binary(), bundles["current"], SigningKey(private, key_id="kordon"), signed)
    given = ["--candidate", str(signed), "--records", str(records), "--format", "json"]
    assert _replay(tmp_path, *given, "--verification-key", str(public))[0] == 0
    capsys.readouterr()
    assert _replay(tmp_path, *given)[0] == 2  # signed, and no key to verify it with
    assert "OPA exited" in capsys.readouterr().err
    assert _replay(tmp_path, *given, "--verification-key", str(stranger))[0] == 2
    assert "OPA exited" in capsys.readouterr().err
