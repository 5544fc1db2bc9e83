"""A real `kordon serve` under load, for the reload test and the benchmarks: every provider on
a recording upstream, a bundle service with a bearer token, signed bundles (quota limits raised
so load is never refused for quota) and the key they are verified with."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import yaml

from app.keys import KeyStore
from tests.support.processes import REPO
from tests.support.serve_process import Serve, serve_from_bundle_service
from tests.support.signed_bundles import BundleFactory, publish
from tests.support.upstream import running_upstreams

__all__ = ["signed_serve"]

_TOKEN = "bench-token"


@contextmanager
def signed_serve(
    root: Path,
    revisions: Sequence[str],
    *,
    polling_s: int,
    env: Mapping[str, str] | None = None,
    edit: Callable[[str, dict[str, object]], None] | None = None,
) -> Iterator[tuple[Serve, str, dict[str, Path], Path]]:
    """Serve the first of `revisions` (`env` added to the gateway's); yield the gateway, an
    API key of tenant acme-ru, every revision's signed bundle, and the directory the bundle
    service publishes from. `edit(revision, data)` may change the bundle data of a revision
    (and of those after it) before it is built."""
    factory = BundleFactory(root / "bundles")
    bundles = {name: factory.build(name, edit=edit) for name in revisions}
    live = root / "published"
    live.mkdir()
    publish(bundles[revisions[0]], live)
    key = KeyStore.load(root / "keys.json").create("acme-ru", "bench")[0]
    token = root / "token"
    token.write_text(_TOKEN)
    providers = yaml.safe_load((REPO / "data" / "providers" / "data.yaml").read_text())
    with running_upstreams(list(providers)) as upstreams:
        environment = {
            **{spec["endpoint"]["base_url_env"]: upstreams[name].base_url
               for name, spec in providers.items()},
            "KORDON_KEYS_FILE": str(root / "keys.json"),
            "KORDON_BUNDLE_TOKEN_FILE": str(token),
            "KORDON_BUNDLE_POLLING_MIN_DELAY_S": str(polling_s),
            "KORDON_BUNDLE_POLLING_MAX_DELAY_S": str(polling_s),
            **(env or {}),
        }  # fmt: skip
        with serve_from_bundle_service(
            live, _TOKEN, factory.public_key, environment, root / "gateway.log"
        ) as (_, serve):
            yield serve, key, bundles, live
