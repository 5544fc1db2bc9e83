"""Hot reload under load (issue #9): a real `kordon serve` polling the bundle service every
second, loaded for 20 s at concurrency 16 while two signed revisions are published.
Reports req/s, non-2xx, and the time from each publish to the first response under it.

    .venv/bin/python bench/bench_reload.py
"""

from __future__ import annotations

import asyncio
import functools
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from app.keys import KeyStore
from tests.support.processes import REPO
from tests.support.reload_run import run_with_publishes
from tests.support.serve_process import kordon_serve, running_bundle_service
from tests.support.signed_bundles import BundleFactory, publish
from tests.support.upstream import running_upstreams


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-reload-"))
    factory = BundleFactory(root / "bundles")
    published = root / "published"
    published.mkdir()
    publish(factory.build("v1"), published)
    bundles = {name: factory.build(name) for name in ("v2", "v3")}
    key = KeyStore.load(root / "keys.json").create("acme-ru", "bench")[0]
    (root / "token").write_text("bench-token")
    providers = yaml.safe_load((REPO / "data" / "providers" / "data.yaml").read_text())
    with running_upstreams(list(providers)) as upstreams:
        urls = {spec["endpoint"]["base_url_env"]: upstreams[name].base_url
                for name, spec in providers.items()}  # fmt: skip
        env = {**urls, "KORDON_KEYS_FILE": str(root / "keys.json"),
               "KORDON_BUNDLE_TOKEN_FILE": str(root / "token"),
               "KORDON_BUNDLE_POLLING_MIN_DELAY_S": "1",
           "KORDON_BUNDLE_POLLING_MAX_DELAY_S": "1"}  # fmt: skip
        with (
            running_bundle_service(published, "bench-token") as service,
            kordon_serve(
                [
                    "--bundle-url",
                    service.bundle_url(),
                    "--verification-key",
                    str(factory.public_key),
                ],
                env,
                root / "gateway.log",
            ) as serve,  # fmt: skip
        ):
            publishes = [
                (name, functools.partial(publish, b, published)) for name, b in bundles.items()
            ]
            run = asyncio.run(
                run_with_publishes(serve.url, key, publishes, concurrency=16, min_duration_s=20)
            )
    duration = run.responses[-1][0]
    print(
        f"requests {len(run.responses)} in {duration:.1f} s "
        f"= {len(run.responses) / duration:.0f} req/s"
    )
    print("non-2xx (at s, status):", [(round(t, 2), s) for t, s, _ in run.failures()])
    print(f"non-2xx {len(run.failures())}; regressions {len(run.regressions(['v1', 'v2', 'v3']))}")
    for name in bundles:
        seen = run.first_seen(name)
        assert seen is not None
        print(
            f"{name}: published at {run.published_at[name]:.2f} s, first response under it "
            f"{seen - run.published_at[name]:.2f} s later (polling interval 1 s)"
        )


if __name__ == "__main__":
    main()
