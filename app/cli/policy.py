"""`kordon policy …`: the bundle's lifecycle for a compliance team's CI."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.tools import opa_or_exit
from app.policy.bundle import build_bundle

__all__ = ["register"]


def _build(args: argparse.Namespace) -> None:
    revision = build_bundle(opa_or_exit(args.opa_binary), Path.cwd(), Path(args.out))
    print(revision)


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    policy = commands.add_parser("policy", help="policy bundle").add_subparsers(required=True)
    build = policy.add_parser("build", help="build the bundle; prints its revision")
    build.add_argument("--out", default="var/bundle.tar.gz")
    build.add_argument("--opa-binary")
    build.set_defaults(run=_build)
    return policy
