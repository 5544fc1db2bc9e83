"""`kordon policy …`: the bundle's lifecycle for a compliance team's CI.

build -> test -> sign -> push, plus `verify` (what the sidecar will check) and `serve-bundles`
(the bundle service a sidecar polls). Key files are named by flags, never read into messages.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

from aiohttp import web

from app.cli import replay
from app.cli.tools import opa_or_exit
from app.policy.bundle import build_bundle
from app.policy.bundle_checks import BundleCheckError
from app.policy.bundle_server import bundle_app
from app.policy.publish import (
    Published,
    PublishError,
    bundle_url,
    publish_to_directory,
    publish_to_service,
)
from app.policy.signing import ALGORITHMS, BundleSignatureError, SigningKey, sign_bundle
from app.policy.signing import verify_bundle as verify_signature
from app.policy.source_checks import PolicyCheckFailed, check_source

__all__ = ["register"]

TOKEN_ENV = "KORDON_BUNDLE_TOKEN"  # noqa: S105 (a variable name, not a secret)
DEFAULT_BUNDLE_NAME = "kordon"


def _fail(message: str) -> NoReturn:
    sys.exit(f"kordon policy: {message}")


def _signing_key(args: argparse.Namespace) -> SigningKey:
    return SigningKey(Path(args.signing_key), args.signing_alg, args.signing_key_id)


def _checked_build(opa: str, source: Path, out: Path, revision: str | None) -> str:
    """Build; bundle data the gateway could not run (a tenant pattern RE2 refuses) exits."""
    try:
        return build_bundle(opa, source, out, revision)
    except BundleCheckError as exc:
        sys.exit(f"kordon policy build: refused: {exc}")
    except subprocess.CalledProcessError:
        _fail(f"opa build failed on {source} (OPA's message is above)")


def _build(args: argparse.Namespace) -> None:
    opa = opa_or_exit(args.opa_binary)
    source, out = Path(args.source), Path(args.out)
    if not source.is_dir():
        _fail(f"no policy source directory {source}")
    if not args.signing_key:
        print(_checked_build(opa, source, out, args.revision))
        return
    with tempfile.TemporaryDirectory(prefix="kordon-build-") as tmp:
        unsigned = Path(tmp) / "unsigned.tar.gz"
        revision = _checked_build(opa, source, unsigned, args.revision)
        try:
            sign_bundle(opa, unsigned, _signing_key(args), out)
        except BundleSignatureError as exc:
            _fail(str(exc))
    print(revision)


def _test(args: argparse.Namespace) -> None:
    try:
        check_source(opa_or_exit(args.opa_binary), Path(args.source), args.threshold)
    except PolicyCheckFailed as exc:
        _fail(str(exc))


def _sign(args: argparse.Namespace) -> None:
    bundle = Path(args.bundle)
    if args.out is None and bundle.is_dir():
        _fail("--out is required when signing a bundle directory")
    try:
        sign_bundle(
            opa_or_exit(args.opa_binary), bundle, _signing_key(args), Path(args.out or bundle)
        )
    except BundleSignatureError as exc:
        _fail(str(exc))


def _verify(args: argparse.Namespace) -> None:
    key = SigningKey(Path(args.verification_key), args.signing_alg, args.verification_key_id)
    try:
        verify_signature(opa_or_exit(args.opa_binary), Path(args.bundle), key)
    except BundleSignatureError as exc:
        _fail(f"{args.bundle} does not verify: {exc}")
    print(f"ok: {args.bundle} verifies with {args.verification_key}")


def _token(args: argparse.Namespace, required: bool) -> str | None:
    if args.token_file:
        try:
            return Path(args.token_file).read_text().strip()
        except OSError as exc:
            _fail(f"cannot read token file {args.token_file}: {exc.strerror}")
    token = os.environ.get(TOKEN_ENV)
    if required and not token:
        _fail(f"publishing to a service needs a token: --token-file or {TOKEN_ENV}")
    return token


def _push(args: argparse.Namespace) -> None:
    bundle = Path(args.bundle)
    if args.verification_key:
        _verify(args)
    try:
        data = bundle.read_bytes()
        published: Published
        if args.to.startswith(("http://", "https://")):
            token = _token(args, required=True) or ""
            published = publish_to_service(data, bundle_url(args.to, args.name), token)
        else:
            published = publish_to_directory(data, Path(args.to), args.name)
    except OSError as exc:
        _fail(f"cannot read bundle {bundle}: {exc.strerror}")
    except PublishError as exc:
        _fail(str(exc))
    print(f"published revision {published.revision} to {published.location}")


def _serve_bundles(args: argparse.Namespace) -> None:
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    app = bundle_app(directory, _token(args, required=False), args.max_wait)
    print(f"serving {directory}/<name>.tar.gz at http://{args.host}:{args.port}/bundles/")
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


def _opa_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--opa-binary", help="OPA to run (default: the pinned one)")


def _signing_flags(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--signing-key", required=required, help="PEM private key file")
    parser.add_argument(
        "--signing-alg", choices=ALGORITHMS, help="default: what the key's type implies"
    )
    parser.add_argument("--signing-key-id", help="`keyid` claim: names the sidecar's key")


def _verification_flags(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--verification-key", required=required, help="PEM public key file")
    parser.add_argument("--verification-key-id", help="the key id the sidecar configures")
    parser.add_argument("--signing-alg", choices=ALGORITHMS, help="default: the key's type")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    policy = commands.add_parser("policy", help="policy bundle").add_subparsers(required=True)
    build = policy.add_parser("build", help="build the bundle; prints its revision")
    build.add_argument("--source", default=".", help="rego/ + data/, or any policy directory")
    build.add_argument("--out", default="var/bundle.tar.gz")
    build.add_argument("--revision", help="default: content hash + git commit")
    _signing_flags(build, required=False)
    _opa_flag(build)
    build.set_defaults(run=_build)

    test = policy.add_parser("test", help="opa fmt, check --strict, test, coverage threshold")
    test.add_argument("--source", default=".")
    test.add_argument("--threshold", type=float, default=95.0, help="coverage %% (default 95)")
    _opa_flag(test)
    test.set_defaults(run=_test)

    sign = policy.add_parser("sign", help="sign a built bundle (.signatures.json)")
    sign.add_argument("bundle", help="bundle .tar.gz (signed in place) or directory")
    sign.add_argument("--out", help="signed .tar.gz (default: replace the bundle)")
    _signing_flags(sign, required=True)
    _opa_flag(sign)
    sign.set_defaults(run=_sign)

    verify = policy.add_parser("verify", help="verify a bundle's signature as the sidecar does")
    verify.add_argument("bundle", help="signed bundle .tar.gz")
    _verification_flags(verify, required=True)
    _opa_flag(verify)
    verify.set_defaults(run=_verify)

    push = policy.add_parser("push", help="publish a bundle to a directory or a bundle service")
    push.add_argument("bundle")
    push.add_argument("--to", required=True, help="bundle directory, or the service's URL")
    push.add_argument("--name", default=DEFAULT_BUNDLE_NAME, help="bundle name (default kordon)")
    push.add_argument("--token-file", help=f"bearer token for a service (or {TOKEN_ENV})")
    _verification_flags(push, required=False)
    _opa_flag(push)
    push.set_defaults(run=_push)

    serve = policy.add_parser("serve-bundles", help="serve a bundle directory to OPA sidecars")
    serve.add_argument("--dir", default="var/bundles")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8282)
    serve.add_argument("--token-file", help=f"enables PUT with this bearer token (or {TOKEN_ENV})")
    serve.add_argument("--max-wait", type=int, default=60, help="longest long poll, seconds")
    serve.set_defaults(run=_serve_bundles)

    replay.register(policy)
