"""Checks a built bundle must pass before it is published: what JSON schemas cannot say.

Tenant patterns (``data.tenants.<id>.detection.patterns``) must compile with RE2, the
linear-time engine the gateway runs them on, so a backtracking pattern (a backreference, a
look-around) is refused here, naming its tenant, rather than failing that tenant's requests
once it is deployed. The data is read from the built bundle with the real ``opa eval``, so it
is exactly what OPA will serve.

    python -m app.policy.bundle_checks OPA BUNDLE   # exit 1 with the errors, as CI runs it
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from app.protect.detectors.patterns import compile_pattern

__all__ = ["BundleCheckError", "check_bundle", "pattern_errors"]


class BundleCheckError(ValueError):
    """The bundle's data breaks a rule the gateway depends on; the message lists every case."""


def pattern_errors(tenants: Mapping[str, Any]) -> list[str]:
    """One line per tenant pattern that cannot run on RE2 (or matches the empty string)."""
    errors = []
    for tenant, spec in sorted(tenants.items()):
        patterns = ((spec or {}).get("detection") or {}).get("patterns") or ()
        for index, entry in enumerate(patterns):
            regex = entry.get("regex")
            try:
                compile_pattern(regex if isinstance(regex, str) else "")
            except ValueError as exc:
                category = entry.get("category")
                errors.append(f"tenant {tenant}: pattern {index} ({category}) {regex!r}: {exc}")
    return errors


def _tenants(opa: str, bundle: Path) -> Mapping[str, Any]:
    done = subprocess.run(
        [opa, "eval", "--format", "json", "-b", str(bundle), "data.tenants"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    result = orjson.loads(done.stdout).get("result") or [{}]
    value = (result[0].get("expressions") or [{}])[0].get("value")
    return value if isinstance(value, dict) else {}


def check_bundle(opa: str, bundle: Path) -> None:
    """Raise BundleCheckError listing every tenant pattern of ``bundle`` that RE2 refuses."""
    errors = pattern_errors(_tenants(opa, bundle))
    if errors:
        raise BundleCheckError(
            "tenant patterns must compile with RE2 (linear time; no backreferences or "
            "look-arounds):\n  " + "\n  ".join(errors)
        )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m app.policy.bundle_checks OPA BUNDLE", file=sys.stderr)
        return 2
    try:
        check_bundle(argv[0], Path(argv[1]))
    except BundleCheckError as exc:
        print(f"bundle check: {exc}", file=sys.stderr)
        return 1
    print("ok: tenant patterns compile with RE2")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
