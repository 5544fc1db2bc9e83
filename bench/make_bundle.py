"""Build the bench bundle into WORKDIR/bundle.tar.gz: this repo's policy with tier limits raised
to 1e9 and the response cache off (`load.bench_policy`), so every request is decided, scanned,
counted and routed and none is refused or served from a cache. Prints the revision.

Usage: python bench/make_bundle.py OPA WORKDIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from load import bench_policy

from app.policy.bundle import build_bundle


def main() -> None:
    opa, work = sys.argv[1], Path(sys.argv[2])
    print(build_bundle(opa, bench_policy(quotas=True), work / "bundle.tar.gz"))


if __name__ == "__main__":
    main()
