"""`kordon cache purge --tenant T`: forget a tenant's cached answers on a running gateway."""

from __future__ import annotations

import argparse
import os
import sys

import httpx

__all__ = ["register"]


def _purge(args: argparse.Namespace) -> None:
    key = args.admin_key or os.environ.get("KORDON_ADMIN_KEY")
    if not key:
        sys.exit("kordon cache purge: pass --admin-key or set KORDON_ADMIN_KEY")
    response = httpx.post(
        f"{args.url.rstrip('/')}/admin/cache/purge",
        params={"tenant": args.tenant},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    body = response.json()
    if response.status_code != 200:
        sys.exit(f"kordon cache purge: HTTP {response.status_code}: {body['error']['message']}")
    print(f"purged {body['removed']} cached answers of tenant {body['tenant']}")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cache = commands.add_parser("cache", help="the answer cache of a running gateway")
    actions = cache.add_subparsers(dest="action", required=True)
    purge = actions.add_parser("purge", help="forget every cached answer of one tenant")
    purge.add_argument("--tenant", required=True)
    purge.add_argument("--url", default="http://127.0.0.1:8080")
    purge.add_argument("--admin-key", help="admin key (default: $KORDON_ADMIN_KEY)")
    purge.set_defaults(run=_purge)
