"""SIGTERM drains `kordon serve`: readiness false, new requests 503, open streams finish with
[DONE] and settle their quota (in Redis, read back through a second gateway), then OPA stops."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import httpx

from app.keys import KeyStore
from tests.redis_server import start_redis
from tests.support.processes import running_gateway, running_opa
from tests.support.serve_process import kordon_serve
from tests.support.upstream import RecordingUpstream
from tests.support.windows import clear_of_window_edge

STREAMS = 20


def _stream(url: str, key: str, results: list[tuple[int, list[str]]]) -> None:
    body = {
        "model": "auto",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "Stream the summary, please."}],
    }
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, headers=headers,
                      timeout=60) as response:  # fmt: skip
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
        results.append((response.status_code, lines))


def _usage_tokens(lines: list[str]) -> int:
    for line in lines:
        if line != "data: [DONE]" and (usage := json.loads(line[6:]).get("usage")):
            return int(usage["total_tokens"])
    raise AssertionError("a stream without its usage event")


def test_sigterm_lets_open_streams_finish_and_settles_their_quota(
    provider_env: dict[str, str],
    upstreams: dict[str, RecordingUpstream],
    bundle: tuple[Path, str],
    tmp_path: Path,
) -> None:
    store = KeyStore.load(tmp_path / "keys.json")
    key = store.create("acme-ru", "drain-agent")[0]
    for upstream in upstreams.values():
        upstream.delay_s = 1.5  # every stream is still open when SIGTERM arrives
    results: list[tuple[int, list[str]]] = []
    try:
        with start_redis() as redis_url:
            env = {**provider_env, "KORDON_KEYS_FILE": str(tmp_path / "keys.json"),
                   "KORDON_REDIS_URL": redis_url, "KORDON_DRAIN_TIMEOUT_S": "30"}  # fmt: skip
            # A second gateway on the same Redis reads the quota back once the first has exited.
            with (
                running_opa(bundle[0]) as (opa_url, _),
                running_gateway(opa_url, tmp_path / "keys.json", env, tmp_path / "gw2.log") as url,
                kordon_serve([], env, tmp_path / "gateway.log") as serve,
            ):
                (opa,) = serve.opa_pids()
                threads = [
                    threading.Thread(target=_stream, args=(serve.url, key, results))
                    for _ in range(STREAMS)
                ]
                # tokens_per_minute is read a few seconds after the streams started (SIGTERM,
                # drain, one GET): start them well inside a minute.
                clear_of_window_edge(60, 15)
                for thread in threads:
                    thread.start()
                deadline = time.monotonic() + 30
                while sum(len(u.received) for u in upstreams.values()) < STREAMS:
                    assert time.monotonic() < deadline, "the streams never reached the upstream"
                    time.sleep(0.02)
                serve.process.send_signal(signal.SIGTERM)
                while serve.readyz()[0] == 200:
                    time.sleep(0.02)
                assert serve.readyz()[1]["reason"] == "draining"
                auth = {"Authorization": f"Bearer {key}"}
                refused = httpx.post(f"{serve.url}/v1/chat/completions", headers=auth, json={})
                assert refused.status_code == 503
                assert refused.json()["error"]["code"] == "shutting_down"
                for thread in threads:
                    thread.join(60)
                assert serve.process.wait(30) == 0
                assert (
                    not Path(f"/proc/{opa}").exists()
                    or "Z" in Path(f"/proc/{opa}/stat").read_text()
                )
                usage = httpx.get(f"{url}/v1/usage", headers=auth)
    finally:
        for upstream in upstreams.values():
            upstream.reset()  # the session's upstreams answer at once again
    assert len(results) == STREAMS
    for status, lines in results:
        assert status == 200
        assert lines[-1] == "data: [DONE]"
    settled = sum(_usage_tokens(lines) for _, lines in results)
    rows = {row["name"]: row for row in usage.json()["limits"]}
    assert rows["tokens_per_minute"]["used"] == settled
    assert rows["requests_per_minute"]["used"] == STREAMS
