"""The `kordon` command; one module per command group."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from app.cli import audit, cache, keys, policy, replay, serve, usage

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kordon", description="Policy-as-code LLM gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    serve.register(commands)
    replay.register(policy.register(commands))
    keys.register(commands)
    usage.register(commands)
    audit.register(commands)
    cache.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    args.run(args)
