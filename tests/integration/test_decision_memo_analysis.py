"""The decision memo follows what each revision's policies do, with a real OPA polling a real
bundle service: the shipped policy is analysed as deterministic and time-free (a document is
hit across seconds), a revision that reads input.context.time keeps the time in the key (an
earlier second's entry is never hit), one calling time.now_ns() is never memoized, and each
activation switches the mode."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from pathlib import Path

from app.policy.memo import DecisionMemo
from app.policy.opa import PolicyResult
from app.policy.policy_analysis import PolicyAnalysis
from app.schemas.contract import InputDocument
from tests.support.memo_opa import memoizing_client
from tests.support.recorded import make_input
from tests.support.signed_bundles import BundleFactory, publish

# Added to the shipped policy (package kordon.deny): reasons that never apply to the documents
# sent here, so every revision decides them alike, but that make the revision read the time or
# call a non-deterministic built-in.
READS_TIME = 'input_reasons contains "sent in 1970" if input.context.time == "1970-01-01T00:00:00Z"'
CALLS_NOW = 'input_reasons contains "the clock is before 1970" if time.now_ns() < 0'
SECONDS = ("2026-12-04T10:00:00Z", "2026-12-04T10:00:01Z", "2026-12-04T10:00:02Z")


def _builds(factory: BundleFactory) -> dict[str, Path]:
    """v1: the shipped policy; v2: it + READS_TIME; v3: it + CALLS_NOW."""
    built = {"v1": factory.build("v1")}
    extra = next((factory.root / "tree").rglob("deny.rego")).with_name("extra.rego")
    for revision, rule in (("v2", READS_TIME), ("v3", CALLS_NOW)):
        extra.write_text(f"package kordon.deny\n\n{rule}\n")
        built[revision] = factory.build(revision)
    return built


def _at(document: InputDocument, second: int, number: int) -> InputDocument:
    other = copy.deepcopy(document)
    other["context"]["time"] = SECONDS[second]
    other["request"]["id"] = f"req_{number}"
    return other


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(60):
        while not condition():  # noqa: ASYNC110 - polls the memo
            await asyncio.sleep(0.01)


Phase = tuple[PolicyAnalysis | None, list[tuple[str, bool]]]


async def _phases(root: Path) -> dict[str, Phase]:
    """Per revision: its analysis, and (revision, hit) for documents sent at seconds
    0, 0, 1, 0, 2, 2."""
    factory = BundleFactory(root / "bundles")
    built = _builds(factory)
    live = root / "published"
    live.mkdir()
    publish(built["v1"], live)
    memo = DecisionMemo[PolicyResult](64)
    document = make_input(1, tenant="acme-ru")
    phases: dict[str, Phase] = {}
    async with memoizing_client(memo, live, root, factory.public_key) as client:
        for revision in ("v1", "v2", "v3", "v1"):
            await asyncio.to_thread(publish, built[revision], live)
            await _until(lambda r=revision: memo.revision == r and memo.analysis is not None)  # type: ignore[misc]
            answers = []
            for number, second in enumerate((0, 0, 1, 0, 2, 2)):
                result = await client.decide(_at(document, second, number), f"req_{number}")
                answers.append((result.revision, result.memo))
            phases[revision] = (memo.analysis, answers)
    return phases


def test_each_revision_is_memoized_as_its_policies_allow(tmp_path: Path) -> None:
    phases = asyncio.run(_phases(tmp_path))
    timeless, timed, random = (phases[r][0] for r in ("v1", "v2", "v3"))
    assert timeless == PolicyAnalysis(frozenset(), ())
    assert timed is not None
    assert timed.nondeterministic == frozenset()
    assert timed.time_reads == ("data.kordon.deny.input_reasons: input.context.time",)
    assert random is not None
    assert random.nondeterministic == {"time.now_ns"}
    hits = {revision: [hit for _, hit in answers] for revision, (_, answers) in phases.items()}
    # The shipped policy never reads the time: one entry serves every second.
    assert hits["v1"] == [False, True, True, True, True, True]
    # Time in the key: a new second misses, and an earlier second's entry is gone.
    assert hits["v2"] == [False, True, False, False, False, True]
    # Not deterministic: OPA decides every time.
    assert hits["v3"] == [False] * 6
    for revision, (_, answers) in phases.items():
        assert {r for r, _ in answers} == {revision}
