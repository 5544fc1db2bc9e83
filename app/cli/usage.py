"""`kordon usage`: a key's spend and remaining quota, from a running gateway."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import httpx

__all__ = ["register"]


def _usage(args: argparse.Namespace) -> None:
    key = args.key or os.environ.get("KORDON_API_KEY")
    if not key:
        sys.exit("kordon usage: pass --key or set KORDON_API_KEY")
    params = {"savings": "1", **({"period": args.period} if args.period else {})}
    response = httpx.get(
        f"{args.url.rstrip('/')}/v1/usage",
        params=params if args.savings else None,
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    body = response.json()
    if response.status_code != 200:
        sys.exit(f"kordon usage: HTTP {response.status_code}: {body['error']['message']}")
    if args.savings:
        _print_savings(body)
        return
    print(f"subject {body['subject']}")
    print(f"{'limit':<24}{'unit':<10}{'used':>14}{'remaining':>14}{'of':>12}  resets in")
    for row in body["limits"]:
        print(
            f"{row['name']:<24}{row['unit']:<10}{row['used']:>14}{row['remaining']:>14}"
            f"{row['limit']:>12}  {row['reset_s']:.0f}s"
        )


def _print_savings(body: dict[str, Any]) -> None:
    print(f"tenant {body['tenant']}  period {body['period']}")
    print(
        f"requests {body['requests']}  cache hits {body['cache_hits']}"
        f" ({body['hit_rate']:.1%})  tokens {body['tokens']}"
    )
    print(
        f"tokens saved by cache {body['tokens_saved_by_cache']}"
        f"  tokens routed off the all-cloud baseline {body['tokens_routed_off_baseline']}"
    )
    print(f"{'currency':<10}{'baseline':>14}{'spent':>14}{'by cache':>14}{'by routing':>14}  saved")
    for currency, row in body["money"].items():
        print(
            f"{currency:<10}{row['baseline']:>14.6f}{row['spent']:>14.6f}"
            f"{row['saved_by_cache']:>14.6f}{row['saved_by_routing']:>14.6f}"
            f"  {row['saved']:.6f} ({row['reduction']:.1%})"
        )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    usage = commands.add_parser("usage", help="spend and remaining quota of a key's tenant")
    usage.add_argument("--url", default="http://127.0.0.1:8080")
    usage.add_argument("--key", help="API key (default: $KORDON_API_KEY)")
    usage.add_argument(
        "--savings", action="store_true", help="what the cache and routing saved (docs/cache.md)"
    )
    usage.add_argument("--period", help="with --savings: the month, YYYY-MM (default: this one)")
    usage.set_defaults(run=_usage)
