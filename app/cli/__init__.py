"""The `kordon` command; one module per command group.

Only the module of the command being run is imported (every one for `kordon --help`), so the
gateway `kordon serve` runs holds none of the other commands' libraries (httpx, tqdm, the
bundle tooling: ~4 MiB of RSS, docs/performance.md "Memory by component")."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from app.config import SettingsError

__all__ = ["main"]

# Each names its module in app/cli/, which registers the command's arguments.
_COMMANDS = ("serve", "policy", "keys", "usage", "audit", "cache")


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of `command` alone."""
    parser = argparse.ArgumentParser(prog="kordon", description="Policy-as-code LLM gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in _COMMANDS if command is None else (command,):
        importlib.import_module(f"app.cli.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in _COMMANDS else None
    parsed = _parser(command).parse_args(args)
    try:
        parsed.run(parsed)
    except SettingsError as exc:
        # A KORDON_* variable with a bad value: named, without a traceback (and never echoed).
        sys.exit(f"kordon: {exc}")
