"""A memoizing decision client of a real OPA that polls a signed bundle service, wired the way
`kordon serve` wires it: status reports drop the memo, OPA's exit forgets it, each revision is
analysed off the request path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from app.policy.memo import DecisionMemo
from app.policy.opa import DecisionClient, PolicyResult
from app.policy.opa_status import Activation, StatusReceiver
from app.policy.revision_analysis import RevisionAnalyser
from app.policy.sidecar import OpaProcess
from app.policy.sources import Polling, Verification, polled_args
from app.policy.supervisor import OpaSupervisor
from tests.support.processes import free_port, opa_binary
from tests.support.serve_process import running_bundle_service

__all__ = ["memoizing_client"]

TOKEN = "memo-token"


@asynccontextmanager
async def memoizing_client(
    memo: DecisionMemo[PolicyResult],
    live: Path,
    root: Path,
    public_key: Path,
    on_report: Sequence[Callable[[Activation], None]] = (),
) -> AsyncIterator[DecisionClient]:
    """OPA polls the bundles published in `live` (every second); `root` holds the token file
    and an owner-only directory for OPA; `on_report` also hears every status report."""
    private = root / "opa"
    private.mkdir(mode=0o700)
    (root / "token").write_text(TOKEN)
    receiver = StatusReceiver(private)
    await receiver.start()
    receiver.subscribe(lambda activation: memo.activated(activation.revision))
    for listener in on_report:
        receiver.subscribe(listener)
    with running_bundle_service(live, TOKEN) as service:
        args = polled_args(
            service.bundle_url(), private, polling=Polling(1, 1), token_file=root / "token",
            verification=Verification(public_key),
        )  # fmt: skip
        process = OpaProcess(opa_binary(), [*args, *receiver.opa_args()], free_port())
        supervisor = OpaSupervisor(process, max_failures=1, window_s=60)
        supervisor.on_exit = memo.forget
        analyser = RevisionAnalyser(memo, process.url, opa_binary())
        client = DecisionClient(process.url, 5.0, memo=memo)
        await supervisor.start(bundles=True)
        await client.start()
        try:
            yield client
        finally:
            await client.close()
            await analyser.close()
            await supervisor.stop()
            await receiver.close()
