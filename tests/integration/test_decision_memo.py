"""The decision memo with a real OPA: tenants never share an entry unless their documents are
identical, a hit is the decision OPA gives, OPA's status reports reach the gateway, an OPA exit
empties the memo, and a new bundle revision activated under load is never missed."""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import os
import signal
from pathlib import Path
from typing import Any

import httpx
import msgspec

from app.audit.file_store import FileAuditStore
from app.audit.reader import read_records
from app.policy.memo import DecisionMemo
from app.policy.opa import DecisionClient, PolicyResult
from app.policy.opa_status import Activation, StatusReceiver
from app.policy.policy_analysis import PolicyAnalysis
from app.policy.revision_analysis import RevisionAnalyser
from app.policy.sidecar import OpaProcess
from app.policy.sources import embedded_args
from app.policy.supervisor import OpaSupervisor
from app.schemas.contract import InputDocument
from tests.support.memo_opa import memoizing_client
from tests.support.processes import free_port, opa_binary, running_opa
from tests.support.recorded import make_input
from tests.support.reload_run import run_with_publishes
from tests.support.signed_bundles import BundleFactory, publish
from tests.support.signed_serve import signed_serve


def _as(document: InputDocument, request_id: str, tenant: str | None = None) -> InputDocument:
    other = copy.deepcopy(document)
    other["request"]["id"] = request_id
    if tenant is not None:
        other["principal"]["tenant"] = tenant
    return other


async def _tenants(url: str) -> dict[str, Any]:
    memo = DecisionMemo[PolicyResult](64)
    analyser = RevisionAnalyser(memo, url, opa_binary())
    client, fresh = DecisionClient(url, 5.0, memo=memo), DecisionClient(url, 5.0)
    acme = make_input(1, tenant="acme-ru", sensitivity="personal", categories={"email": 1})
    await client.start()
    await fresh.start()
    try:
        # A `--bundle` file: the first decision names the revision, then it is analysed.
        await client.decide(_as(acme, "req_0"), "req_0")
        while memo.keying is None:  # noqa: ASYNC110 - polls the memo
            await asyncio.sleep(0.01)
        firsts = [
            await client.decide(_as(acme, "req_1"), "req_1"),
            await client.decide(_as(acme, "req_2", tenant="eu-bank"), "req_2"),
        ]
        again = [
            await client.decide(_as(acme, "req_3"), "req_3"),
            await client.decide(_as(acme, "req_4", tenant="eu-bank"), "req_4"),
        ]
        opa = [
            await fresh.decide(_as(acme, "req_5", tenant=t), "req_5")
            for t in ("acme-ru", "eu-bank")
        ]
    finally:
        await client.close()
        await fresh.close()
        await analyser.close()
    return {"firsts": firsts, "again": again, "opa": opa, "memo": memo}


def test_two_tenants_with_otherwise_identical_documents_never_share_an_entry(
    bundle: tuple[Path, str],
) -> None:
    with running_opa(bundle[0]) as (url, _):
        run = asyncio.run(_tenants(url))
    firsts, again, opa, memo = run["firsts"], run["again"], run["opa"], run["memo"]
    assert [r.memo for r in firsts] == [False, False]  # the second tenant went to OPA
    assert [r.memo for r in again] == [True, True]  # only the request id differed
    assert (memo.hits, memo.misses, len(memo)) == (2, 2, 2)
    dumps = [[msgspec.json.encode(r.decision) for r in rs] for rs in (firsts, again, opa)]
    assert dumps[0][0] != dumps[0][1]  # the tenants' decisions differ ...
    assert dumps[0] == dumps[1] == dumps[2]  # ... and each is served only its own, as OPA gives
    assert {r.revision for r in (*firsts, *again)} == {bundle[1]} == {memo.revision}
    ids = [r.decision_id for r in (*firsts, *again)]
    assert len(set(ids)) == 4
    assert all(i.startswith("dec_") for i in ids)


async def _first_report(bundle: Path, directory: Path) -> Activation:
    receiver = StatusReceiver(directory)
    reports: asyncio.Queue[Activation] = asyncio.Queue()
    await receiver.start()
    receiver.subscribe(reports.put_nowait)
    opa = running_opa(bundle, args=receiver.opa_args())
    try:
        await asyncio.to_thread(opa.__enter__)
        try:
            return await asyncio.wait_for(reports.get(), 60)
        finally:
            await asyncio.to_thread(opa.__exit__, None, None, None)
    finally:
        await receiver.close()


def test_opa_sends_its_status_reports_to_the_receiver(
    bundle: tuple[Path, str], tmp_path: Path
) -> None:
    report = asyncio.run(_first_report(bundle[0], tmp_path))
    # A `--bundle` file is loaded outside OPA's bundle plugin: the report names no revision
    # (the memo learns it from the next decision); the OPA instance identifies it.
    assert report.revision is None
    assert isinstance(report.identity[0], str)
    assert report.identity[0]


async def _exit_forgets(bundle: Path) -> tuple[int, str | None, int, str | None]:
    supervisor = OpaSupervisor(
        OpaProcess(opa_binary(), embedded_args(bundle), free_port()),
        max_failures=3,
        window_s=60,
    )
    memo = DecisionMemo[str](8)
    supervisor.on_exit = memo.forget
    await supervisor.start(bundles=True)
    try:
        memo.activated("r1")
        memo.analysed(memo.generation, "r1", PolicyAnalysis(frozenset(), ()))
        memo.store(b"k", memo.generation, "r1", "allow")
        before = (len(memo), memo.revision)
        pid = supervisor.process.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        while memo.revision is not None:  # noqa: ASYNC110 - polls the memo
            await asyncio.sleep(0.01)
        return (*before, len(memo), memo.revision)
    finally:
        await supervisor.stop()


def test_an_opa_exit_empties_the_memo(bundle: tuple[Path, str]) -> None:
    assert asyncio.run(asyncio.wait_for(_exit_forgets(bundle[0]), 60)) == (1, "r1", 0, None)


def _v2_routes_elsewhere(revision: str, data: dict[str, Any]) -> None:
    if revision == "v2":
        data["tenants"]["acme-ru"]["models"] = ["gpt-4o-mini"]


def test_kordon_serve_memoizes_across_a_new_revision_under_load(tmp_path: Path) -> None:
    """The wiring end to end: the sidecar reports to the gateway, every response and audit
    record names the revision whose decision it carries, hits included, on both sides."""
    # v2 routes the same request elsewhere, so a decision says which revision made it.
    env = {"KORDON_OPA_TIMEOUT_S": "2", "KORDON_DECISION_MEMO_SIZE": "64"}
    with signed_serve(tmp_path, ("v1", "v2"), polling_s=1, env=env, edit=_v2_routes_elsewhere) as (
        serve,
        key,
        bundles,
        live,
    ):
        # The first request loads the detectors; v2 is published once v1 answers quickly.
        warm = httpx.post(
            f"{serve.url}/v1/chat/completions",
            json={"model": "auto", "messages": [{"role": "user", "content": "Hello."}]},
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        assert warm.headers["x-kordon-policy-revision"] == "v1", warm.text
        run = asyncio.run(
            run_with_publishes(
                serve.url,
                key,
                [("v2", functools.partial(publish, bundles["v2"], live))],
                concurrency=8,
                min_duration_s=3,
                settle_s=1.5,  # past the next second: v2's entries are stored and hit too
            )
        )
        audit = serve.log_file.with_suffix(".audit")
    records = list(read_records(FileAuditStore(audit)))
    assert run.failures() == []
    assert run.first_seen("v2") is not None
    # No request that started after a response named v2 was answered under v1.
    assert run.regressions(["v1", "v2"]) == []
    assert len(records) == len(run.responses) + 1
    decisions: dict[str, set[str]] = {}
    hits: dict[str, int] = {}
    for record in records:
        revision = str(record["revision"])
        decisions.setdefault(revision, set()).add(json.dumps(record["decision"]))
        hits[revision] = hits.get(revision, 0) + bool(record["memo"])
    # Every record names the revision whose decision it carries, hits included.
    assert set(decisions) == {"v1", "v2"}
    assert all(len(d) == 1 for d in decisions.values())
    assert decisions["v1"] != decisions["v2"]
    assert hits["v1"] > 0
    assert hits["v2"] > 0
    assert len({r["decision_id"] for r in records}) == len(records)


async def _decisions_across_a_switch(
    root: Path,
) -> tuple[list[tuple[str | None, str, bool, str]], list[str | None]]:
    """Hammer a memoizing client of a real OPA that polls a bundle service while v2 is
    published: (revision the memo knew when the request started, revision that decided it,
    served from the memo, decision) per answer, and the revisions OPA reported."""
    factory = BundleFactory(root / "bundles")
    built = {r: factory.build(r, edit=_v2_routes_elsewhere) for r in ("v1", "v2")}
    live = root / "published"
    live.mkdir()
    publish(built["v1"], live)
    memo = DecisionMemo[PolicyResult](64)
    reported: list[str | None] = []
    answers: list[tuple[str | None, str, bool, str]] = []
    document = make_input(1, tenant="acme-ru")
    listeners = [lambda activation: reported.append(activation.revision)]
    async with memoizing_client(memo, live, root, factory.public_key, listeners) as client:

        def hits(revision: str) -> int:
            return sum(r == revision and hit for _, r, hit, _ in answers)

        async def worker(number: int) -> None:
            # v2 is published once v1 (analysed off the request path) has been hit 200 times.
            while hits("v2") < 200:
                known = memo.revision
                request_id = f"req_{number}_{len(answers)}"
                result = await client.decide(_as(document, request_id), request_id)
                decision = msgspec.json.encode(result.decision).decode()
                answers.append((known, result.revision, result.memo, decision))
                if hits("v1") == 200 and result.memo and result.revision == "v1":
                    await asyncio.to_thread(publish, built["v2"], live)
                await asyncio.sleep(0)  # a hit does not wait for anything; let reports in

        await asyncio.wait_for(asyncio.gather(*(worker(n) for n in range(8))), 60)
    return answers, reported


def test_no_decision_of_the_old_revision_once_the_gateway_knows_the_new_one(
    tmp_path: Path,
) -> None:
    answers, reported = asyncio.run(_decisions_across_a_switch(tmp_path))
    assert reported[-1] == "v2"
    assert "v1" in reported
    # The document's key never changes: without the drop, v1's entry would be served forever.
    assert [r for known, r, _, _ in answers if known == "v2"] == ["v2"] * sum(
        known == "v2" for known, *_ in answers
    )
    decisions: dict[str, set[str]] = {}
    for _, revision, _, decision in answers:
        decisions.setdefault(revision, set()).add(decision)
    assert set(decisions) == {"v1", "v2"}
    assert all(len(d) == 1 for d in decisions.values())
    assert decisions["v1"] != decisions["v2"]
    served = {(revision, hit) for _, revision, hit, _ in answers}
    assert {("v1", True), ("v2", True)} <= served  # hits on both sides of the switch
