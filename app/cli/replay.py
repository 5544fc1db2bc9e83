"""`kordon policy replay`: what a candidate bundle would change on recorded traffic, and the
gates a release must pass. Exit status: 0 every gate passed, 1 a gate was violated, 2 the
replay could not run (bad arguments, records or bundle, or no record to replay)."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from tqdm import tqdm

from app.audit import iter_records
from app.config import load_settings
from app.policy.opa_binary import OpaNotFound, find_opa
from app.policy.replay import ReplayRequest, replay
from app.policy.replay_gates import GATES
from app.policy.replay_records import from_records, read_jsonl
from app.policy.replay_report import json_document, markdown, text
from app.policy.signing import key_algorithm

__all__ = ["parse_duration", "register"]

EXIT_VIOLATED = 1
EXIT_ERROR = 2
_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_RENDER: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": text,
    "markdown": markdown,
    "json": json_document,
}


def parse_duration(value: str) -> timedelta:
    """`90s`, `30m`, `24h`, `7d`, or a sum of them (`1d12h`)."""
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise argparse.ArgumentTypeError(f"not a duration: {value!r} (e.g. 30m, 24h, 7d)")
    return sum((timedelta(**{_UNITS[u]: int(n)}) for n, u in parts), timedelta())


def _records(args: argparse.Namespace) -> Iterable[dict[str, Any]]:
    if args.records is not None:
        return read_jsonl(Path(args.records))
    return iter_records(load_settings(), datetime.now(UTC) - args.since)


def _count_lines(path: Path) -> int:
    with path.open("rb") as data:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: data.read(1 << 20), b""))


@contextmanager
def _progress(args: argparse.Namespace) -> Iterator[Callable[[int], None] | None]:
    """A bar on stderr when a person watches it; CI logs and pipes get none."""
    if not sys.stderr.isatty():
        yield None
        return
    total = _count_lines(Path(args.records)) if args.records is not None else None
    with tqdm(total=total, unit=" records", file=sys.stderr, desc="replay") as bar:

        def advance(decisions: int) -> None:
            bar.update(decisions)

        yield advance


def _verification(args: argparse.Namespace) -> list[str]:
    """OPA's flags to verify signed bundles with the key the gateway's sidecar uses, or the
    one given; without a key OPA refuses a signed bundle (and loads an unsigned one)."""
    settings = load_settings()
    key = args.verification_key or settings.bundle_verification_key
    if key is None:
        return []
    flags = [
        "--verification-key",
        str(key),
        "--signing-alg",
        key_algorithm(Path(key), private=False),
    ]
    flags += [
        "--verification-key-id",
        args.verification_key_id or settings.bundle_verification_key_id,
    ]
    if settings.bundle_signing_scope:
        flags += ["--scope", settings.bundle_signing_scope]
    return flags


def _fail(message: str) -> NoReturn:
    # Exit status 1 means "a gate was violated"; anything that stops the replay is 2.
    print(f"kordon: {message}", file=sys.stderr)
    sys.exit(EXIT_ERROR)


def _run(args: argparse.Namespace) -> None:
    try:
        opa = find_opa(args.opa_binary)
    except OpaNotFound as exc:
        _fail(str(exc))
    for bundle in (args.candidate, args.baseline):
        if bundle is not None and not Path(bundle).is_file():
            _fail(f"no bundle at {bundle}")
    try:
        with _progress(args) as progress:
            request = ReplayRequest(
                opa_binary=opa,
                candidate=Path(args.candidate),
                baseline=Path(args.baseline) if args.baseline else None,
                gates=args.gate,
                gates_from_candidate=args.gates_from_candidate,
                verification=_verification(args),
                progress=progress,
            )
            report = asyncio.run(replay(from_records(_records(args)), request))
    except Exception as exc:
        # An unknown gate, bad records, a bundle OPA refuses, an unreadable audit store: all
        # exit 2, never 1, which reads as "a gate was violated".
        _fail(f"replay failed: {exc or type(exc).__name__}")
    if report["records"]["replayed"] == 0:
        # A gate that saw no traffic proves nothing; a CI step must not pass on an empty export.
        _fail(f"no replayable records ({report['records']['read']} read)")
    rendered = _RENDER[args.format](report)
    if args.out:
        Path(args.out).write_text(rendered)
    else:
        sys.stdout.write(rendered)
    if args.summary_out:
        Path(args.summary_out).write_text(markdown(report))
    if not report["passed"]:
        sys.exit(EXIT_VIOLATED)


def register(policy: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = policy.add_parser(
        "replay",
        help="re-evaluate recorded decisions against a candidate bundle; gate the release",
        description=__doc__,
    )
    command.add_argument("--candidate", required=True, help="candidate bundle (.tar.gz)")
    source = command.add_mutually_exclusive_group(required=True)
    source.add_argument("--records", metavar="FILE", help="audit records, JSON lines")
    source.add_argument("--since", type=parse_duration, help="audit records of the last 24h, 7d…")
    command.add_argument(
        "--baseline", metavar="BUNDLE", help="compare with this bundle, not the recorded decisions"
    )
    command.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="NAME",
        help=f"fail on this change (repeatable): {', '.join(GATES)}",
    )
    command.add_argument(
        "--gates-from-candidate",
        action="store_true",
        help="also apply the gates in the candidate's data.kordon_release.forbidden_changes",
    )
    command.add_argument("--format", choices=tuple(_RENDER), default="text")
    command.add_argument("--out", metavar="FILE", help="write the report here, not to stdout")
    command.add_argument(
        "--summary-out", metavar="FILE", help="also write the Markdown summary here (for a PR)"
    )
    command.add_argument(
        "--verification-key",
        metavar="PEM",
        help="public key signed bundles must match (default: KORDON_BUNDLE_VERIFICATION_KEY)",
    )
    command.add_argument("--verification-key-id", help="its key id (default kordon)")
    command.add_argument("--opa-binary")
    command.set_defaults(run=_run)
