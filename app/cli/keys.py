"""`kordon keys …`: hashed API keys."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.config import load_settings
from app.keys import KeyStore

__all__ = ["register"]


def _create(args: argparse.Namespace) -> None:
    store = KeyStore.load(Path(args.keys_file or load_settings().keys_file))
    key, record = store.create(args.tenant, args.agent, tuple(args.role))
    print(f"key_id={record.key_id} tenant={record.tenant} agent={record.agent}", file=sys.stderr)
    print(key)


def _list(args: argparse.Namespace) -> None:
    for record in KeyStore.load(Path(args.keys_file or load_settings().keys_file)).records():
        print(f"{record.key_id}\t{record.tenant}\t{record.agent}\t{','.join(record.roles)}")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="API keys").add_subparsers(required=True)
    create = keys.add_parser("create", help="make a key; prints it once")
    create.add_argument("--tenant", required=True)
    create.add_argument("--agent", required=True)
    create.add_argument("--role", action="append", default=[])
    create.add_argument("--keys-file")
    create.set_defaults(run=_create)
    listing = keys.add_parser("list", help="list key ids (never the keys)")
    listing.add_argument("--keys-file")
    listing.set_defaults(run=_list)
