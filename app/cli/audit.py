"""`kordon audit …`: signing keys, verification, and records for auditors."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from app.audit.backend import open_store
from app.audit.export import parse_since, readable, write_csv, write_jsonl
from app.audit.reader import find_record, read_records
from app.audit.signing import generate_keypair, load_public_key
from app.audit.store import AuditStore
from app.audit.verify import verify
from app.config import load_settings

__all__ = ["register"]


def _store(args: argparse.Namespace) -> AuditStore:
    directory = Path(args.dir) if args.dir else None
    return open_store(load_settings(), directory=directory, dsn=args.dsn)


def _keygen(args: argparse.Namespace) -> None:
    private, public = Path(args.private_key), Path(args.public_key)
    if private.exists():
        sys.exit(f"kordon audit keygen: {private} exists; refusing to overwrite a signing key")
    key_id = generate_keypair(private, public)
    print(f"key_id={key_id}\nprivate key: {private} (mode 0600; set KORDON_AUDIT_SIGNING_KEY)")
    print(f"public key:  {public} (give it to whoever verifies the trail)")


def _verify(args: argparse.Namespace) -> None:
    try:
        public = load_public_key(Path(args.public_key))
    except (OSError, ValueError) as exc:
        # The message names the file and what is wrong with it, never the key's bytes.
        sys.exit(f"kordon audit verify: {exc}")
    store = _store(args)
    try:
        report = verify(store.segments(), public)
    finally:
        store.close()
    for note in report.notes:
        print(f"note: {note}")
    if report.broken is not None:
        print(f"BROKEN at {report.broken}", file=sys.stderr)
        print(f"verified before the break: {report.records} records")
        sys.exit(1)
    print(f"ok: {report.records} records, {report.segments} segments, {report.sealed} sealed")


def _show(args: argparse.Namespace) -> None:
    store = _store(args)
    try:
        record = find_record(store, args.decision)
    finally:
        store.close()
    if record is None:
        sys.exit(f"kordon audit show: no record with decision id {args.decision}")
    print(readable(record))


def _export(args: argparse.Namespace) -> None:
    since = parse_since(args.since) if args.since else None
    store = _store(args)
    try:
        with contextlib.ExitStack() as stack:
            out = (
                stack.enter_context(Path(args.out).open("w", newline=""))
                if args.out
                else sys.stdout
            )
            records = read_records(store, since)
            count = write_csv(records, out) if args.format == "csv" else write_jsonl(records, out)
    finally:
        store.close()
    print(f"exported {count} records", file=sys.stderr)


def _source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", help="a trail directory (default: KORDON_AUDIT_DIR)")
    parser.add_argument("--dsn", help="a PostgreSQL trail (default: KORDON_AUDIT_DSN)")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(required=True)
    keygen = audit.add_parser("keygen", help="make an Ed25519 key pair for sealing segments")
    keygen.add_argument("--private-key", default="var/audit-keys/signing.pem")
    keygen.add_argument("--public-key", default="var/audit-keys/signing.pub.pem")
    keygen.set_defaults(run=_keygen)
    check = audit.add_parser("verify", help="check the chain and seals; name the first break")
    _source(check)
    check.add_argument("--public-key", required=True, help="the trail's Ed25519 public key")
    check.set_defaults(run=_verify)
    show = audit.add_parser("show", help="print one record readably")
    _source(show)
    show.add_argument("--decision", required=True, help="a decision id, dec_…")
    show.set_defaults(run=_show)
    export = audit.add_parser("export", help="records as JSON Lines or CSV")
    _source(export)
    export.add_argument("--since", help="24h, 30m, 7d or an ISO 8601 time (default: all)")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--out", help="a file (default: stdout)")
    export.set_defaults(run=_export)
