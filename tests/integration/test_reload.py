"""Hot reload under load: two revisions published to the bundle service while a real `kordon
serve` answers a steady load; no request fails and no response goes back to an old revision.
Publish-to-activation times are measured in bench/bench_reload.py, not asserted here."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

from app.keys import KeyStore
from tests.support.reload_run import run_with_publishes
from tests.support.serve_process import kordon_serve, running_bundle_service
from tests.support.signed_bundles import BundleFactory, publish

TOKEN = "reload-token"


def test_new_revisions_activate_under_load_without_a_failed_request(
    provider_env: dict[str, str], tmp_path: Path
) -> None:
    factory = BundleFactory(tmp_path / "bundles")
    published = tmp_path / "published"
    published.mkdir()
    publish(factory.build("v1"), published)
    revisions = {name: factory.build(name) for name in ("v2", "v3")}
    key = KeyStore.load(tmp_path / "keys.json").create("acme-ru", "load")[0]
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    env = {**provider_env, "KORDON_KEYS_FILE": str(tmp_path / "keys.json"),
           "KORDON_BUNDLE_TOKEN_FILE": str(token_file),
           "KORDON_BUNDLE_POLLING_MIN_DELAY_S": "1",
           "KORDON_BUNDLE_POLLING_MAX_DELAY_S": "1",
           # On a shared machine a starved OPA misses the 250 ms budget with or without a
           # reload (docs/design-notes.md); what this test must catch is a reload that fails
           # a request: a refused or half-activated bundle, a gap, an older revision.
           "KORDON_OPA_TIMEOUT_S": "2"}  # fmt: skip
    with (
        running_bundle_service(published, TOKEN) as service,
        kordon_serve(
            ["--bundle-url", service.bundle_url(), "--verification-key", str(factory.public_key)],
            env,
            tmp_path / "gateway.log",
        ) as serve,
    ):
        run = asyncio.run(
            run_with_publishes(
                serve.url,
                key,
                [(name, functools.partial(publish, b, published)) for name, b in revisions.items()],
                concurrency=8,
                min_duration_s=3,
                rate=100,  # under load, below saturation (bench/bench_reload.py saturates)
            )
        )
    assert run.responses
    assert run.failures() == []
    firsts = [run.first_seen(revision) for revision in ("v1", "v2", "v3")]
    assert None not in firsts
    assert firsts == sorted(firsts)  # type: ignore[type-var]
    assert run.regressions(["v1", "v2", "v3"]) == []
