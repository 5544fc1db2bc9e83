"""The policy walk behind the decision memo, on hand-written modules compiled by the real OPA:
each module is PUT into one OPA server and its AST read back from GET /v1/policies, the shape
the gateway analyses (names resolved, calls flattened, whole-`input` uses bound to locals)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from app.policy.policy_analysis import Capabilities, PolicyAnalysis, analyse
from tests.support.processes import REPO, free_port, opa_binary, stop, wait_http

Analyse = Callable[..., PolicyAnalysis]


@pytest.fixture(scope="module")
def capabilities() -> Capabilities:
    out = subprocess.run(
        [opa_binary(), "capabilities", "--current"], capture_output=True, check=True
    ).stdout
    return Capabilities.from_json(json.loads(out))


@pytest.fixture(scope="module")
def opa_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [opa_binary(), "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error",
         "--skip-version-check"],
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/health", process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture
def compiled(opa_url: str, capabilities: Capabilities) -> Iterator[Analyse]:
    """Analyse Rego modules (each a string) as OPA serves them once loaded."""
    loaded: list[str] = []

    def run(*modules: str) -> PolicyAnalysis:
        with httpx.Client(base_url=opa_url) as client:
            for number, module in enumerate(modules):
                loaded.append(f"m{number}.rego")
                client.put(f"/v1/policies/{loaded[-1]}", content=module).raise_for_status()
            asts: list[dict[str, Any]] = [
                m["ast"] for m in client.get("/v1/policies").json()["result"]
            ]
        return analyse(asts, capabilities)

    yield run
    with httpx.Client(base_url=opa_url) as client:
        for name in loaded:
            client.delete(f"/v1/policies/{name}")


def test_capabilities_come_from_opa_and_name_the_non_deterministic_built_ins(
    capabilities: Capabilities,
) -> None:
    assert {
        "time.now_ns",
        "rand.intn",
        "uuid.rfc4122",
        "http.send",
    } <= capabilities.nondeterministic
    assert {"object.get", "time.parse_rfc3339_ns"} <= capabilities.builtins - (
        capabilities.nondeterministic
    )


def test_the_shipped_policy_is_deterministic_and_reads_neither_the_time_nor_the_id(
    capabilities: Capabilities, opa_url: str
) -> None:
    modules = sorted((REPO / "rego").rglob("*.rego"))
    with httpx.Client(base_url=opa_url) as client:
        pending = list(modules)
        while pending:  # OPA compiles each module as it comes: dependencies first
            refused = [
                path
                for path in pending
                if client.put(
                    f"/v1/policies/shipped/{path.name}", content=path.read_bytes()
                ).is_error
            ]
            assert len(refused) < len(pending), refused
            pending = refused
        try:
            asts = [m["ast"] for m in client.get("/v1/policies").json()["result"]]
        finally:
            for path in modules:
                client.delete(f"/v1/policies/shipped/{path.name}")
    assert len(asts) == len(modules) > 5
    # deny.rego's `_json(path) := json.marshal(object.get(input, path, null)) if
    # is_object(input)` is called with constant paths only.
    assert analyse(asts, capabilities) == PolicyAnalysis(frozenset(), ())


@pytest.mark.parametrize(
    ("body", "builtin"),
    [
        ("x := time.now_ns()", "time.now_ns"),
        ('x := rand.intn("k", 10)', "rand.intn"),
        ('x := uuid.rfc4122("k")', "uuid.rfc4122"),
        ("x := opa.runtime()", "opa.runtime"),
        ('x := net.lookup_ip_addr("example.org")', "net.lookup_ip_addr"),
        ('x := http.send({"method": "GET", "url": "http://127.0.0.1:1"})', "http.send"),
    ],
)
def test_a_non_deterministic_built_in_is_found(compiled: Analyse, body: str, builtin: str) -> None:
    found = compiled(f"package t\n\nallow if {{\n\t{body}\n\tx\n}}\n")
    assert found.nondeterministic == {builtin}
    assert not found.memoizable


def test_a_non_deterministic_call_inside_a_function_or_comprehension_is_found(
    compiled: Analyse,
) -> None:
    found = compiled(
        "package t\n\n_stamp(x) := [n | n := time.now_ns() + x]\n\nallow if _stamp(1)\n"
    )
    assert found.nondeterministic == {"time.now_ns"}


def test_a_function_replaced_by_with_is_walked_too(compiled: Analyse) -> None:
    found = compiled(
        "package t\n\n_now(_) := time.now_ns()\n\n_zero(_) := 0\n\n"
        "_late if _zero(1) > 5\n\nallow if _late with _zero as _now\n"
    )
    assert found.nondeterministic == {"time.now_ns"}


def test_deterministic_time_built_ins_are_fine(compiled: Analyse) -> None:
    found = compiled('package t\n\nallow if time.parse_rfc3339_ns("2026-01-01T00:00:00Z") > 0\n')
    assert found == PolicyAnalysis(frozenset(), ())


@pytest.mark.parametrize(
    ("use", "memoizable"),
    [
        ('input.context.time == "x"', True),
        ('input.context["time"] == "x"', True),
        ('t := input.context.time; t != ""', True),
        ('ctx := input.context; ctx.time != ""', True),
        ('whole := input; whole.context.time != ""', True),
        ('some k; input.context[k] == "x"', True),
        ('some k; input[k].time == "x"', False),
        ('json.marshal(input) != ""', False),
        ('json.marshal(input.context) != ""', True),
        ("count(input.context) > 0", True),
        ('walk(input, [p, v]); v == "x"', False),
        ('object.get(input.context, "time", "") != ""', True),
        ('object.get(input, ["context", "time"], "") != ""', True),
        ('object.get(input, "context", {}) != {}', True),
        ('some k in ["time"]; object.get(input.context, k, 0) == "x"', True),
        ("input == {}", False),
        ('some v in input.context; v == "x"', True),
    ],
)
def test_what_may_reach_the_time_keeps_it(compiled: Analyse, use: str, memoizable: bool) -> None:
    """Whole-`input` uses may reach the request id as well: those turn the memo off."""
    body = "\n\t".join(use.split("; "))
    found = compiled(f"package t\n\nallow if {{\n\t{body}\n}}\n")
    assert found.reads_time, use
    assert found.memoizable is memoizable, use


@pytest.mark.parametrize(
    "use",
    [
        'input.request.model == "auto"',
        'input.context.session == "s"',
        'input["principal"].tenant == "acme"',
        'ctx := input.context; ctx.client_region == "eu"',
        "is_object(input)",
        "is_object(input.context)",
        'object.get(input, ["data", "sensitivity"], null) != null',
        'object.get(input.context, "session", null) != null',
        'object.get(input.request.tokens, "max_output", null) == null',
        'json.marshal(input.principal) != ""',
        'req := input.request; req.endpoint == "embeddings"',
        "is_object(input.request)",
        'object.get(input.request, "model", "auto") == "auto"',
    ],
)
def test_what_cannot_reach_the_time_drops_it(compiled: Analyse, use: str) -> None:
    body = "\n\t".join(use.split("; "))
    found = compiled(f"package t\n\nallow if {{\n\t{body}\n}}\n")
    assert found == PolicyAnalysis(frozenset(), ()), use


@pytest.mark.parametrize(
    "use",
    [
        'input.request.id == "req_1"',
        'startswith(input.request["id"], "req_")',
        'req := input.request; req.id != ""',
        "some k; input.request[k] == 1",
        'json.marshal(input.request) != ""',
        'object.get(input.request, "id", "") != ""',
        'object.get(input, ["request", "id"], "") != ""',
        'whole := input; whole.request.id != ""',
        'some v in input.request; v == "x"',
    ],
)
def test_what_may_read_the_request_id_turns_the_memo_off(compiled: Analyse, use: str) -> None:
    """The memo's key leaves the request id out: a decision that may depend on it (a policy
    sampling requests for full audit by id, say) is never served to another request."""
    body = "\n\t".join(use.split("; "))
    found = compiled(f"package t\n\nallow if {{\n\t{body}\n}}\n")
    assert found.id_reads, use
    assert not found.memoizable
    assert found.summary.startswith("off (may read the request id: data.t.allow"), found.summary


def test_a_function_is_walked_with_the_constants_each_call_passes(compiled: Analyse) -> None:
    helper = "package t\n\n_get(path) := object.get(input, path, null)\n\n"
    safe = compiled(helper + 'a := _get(["request", "model"])\n\nb := _get(["version"])\n')
    assert safe == PolicyAnalysis(frozenset(), ())
    timed = compiled(helper + 'a := _get(["request", "model"])\n\nb := _get(["context", "time"])\n')
    assert timed.reads_time
    assert any("data.t._get" in read for read in timed.time_reads)


def test_a_function_argument_that_is_not_constant_keeps_the_time(compiled: Analyse) -> None:
    found = compiled(
        "package t\n\n_get(path) := object.get(input, path, null)\n\n"
        'a contains v if {\n\tsome key in ["request", "context"]\n\tv := _get([key])\n}\n'
    )
    assert found.reads_time


def test_a_rule_in_another_package_is_walked_as_well(compiled: Analyse) -> None:
    found = compiled(
        "package lib\n\nstamp := input.context.time\n",
        'package t\n\nimport data.lib\n\nallow if lib.stamp != ""\n',
    )
    assert found.time_reads == ("data.lib.stamp: input.context.time",)
