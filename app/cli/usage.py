"""`kordon usage`: a key's spend and remaining quota, from a running gateway."""

from __future__ import annotations

import argparse
import os
import sys

import httpx

__all__ = ["register"]


def _usage(args: argparse.Namespace) -> None:
    key = args.key or os.environ.get("KORDON_API_KEY")
    if not key:
        sys.exit("kordon usage: pass --key or set KORDON_API_KEY")
    response = httpx.get(
        f"{args.url.rstrip('/')}/v1/usage", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    body = response.json()
    if response.status_code != 200:
        sys.exit(f"kordon usage: HTTP {response.status_code}: {body['error']['message']}")
    print(f"subject {body['subject']}")
    print(f"{'limit':<24}{'unit':<10}{'used':>14}{'remaining':>14}{'of':>12}  resets in")
    for row in body["limits"]:
        print(
            f"{row['name']:<24}{row['unit']:<10}{row['used']:>14}{row['remaining']:>14}"
            f"{row['limit']:>12}  {row['reset_s']:.0f}s"
        )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    usage = commands.add_parser("usage", help="spend and remaining quota of a key's tenant")
    usage.add_argument("--url", default="http://127.0.0.1:8080")
    usage.add_argument("--key", help="API key (default: $KORDON_API_KEY)")
    usage.set_defaults(run=_usage)
