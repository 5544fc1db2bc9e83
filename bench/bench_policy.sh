#!/usr/bin/env bash
# Benchmark the Kordon policy alone: `opa bench` per input (evaluation only), then a real
# `opa run --server` under wrk (the decision round trip the gateway pays), started with the
# sidecar's flags and GC setting (app/policy/sidecar.py), with OPA's CPU per decision.
#
# Usage: bench/bench_policy.sh [path/to/opa] [input-name ...]
#   env: DUR=3 (wrk seconds per run), CONNS="1 32", SKIP_WRK=1, SKIP_BENCH=1,
#        FLOOR=1 (also serve, per input, a constant policy returning that input's decision:
#        OPA's fixed cost per decision, HTTP and JSON in and out, with no rule to evaluate),
#        OPA_CPU=1, WRK_CPU=0 (taskset pinning: OPA on one core, wrk on the other)
# Inputs (contract v1, real bundle data): acme_personal_ru acme_internal eubank_named_eu
# gulf_denied_model acme_models embeddings; default all. Prints one line per input and run.
# The server listens on a random free port and is stopped on exit.
set -euo pipefail

OPA="${1:-opa}"
[[ $# -gt 0 ]] && shift
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DUR="${DUR:-3}"
CONNS="${CONNS:-1 32}"
OPA_CPU="${OPA_CPU:-1}"
WRK_CPU="${WRK_CPU:-0}"

command -v "$OPA" >/dev/null 2>&1 || { echo "bench_policy: opa not found: $OPA" >&2; exit 2; }
command -v jq >/dev/null 2>&1 || { echo "bench_policy: jq is required" >&2; exit 2; }

TMP="$(mktemp -d)"
OPA_PID=""
cleanup() {
    if [[ -n "$OPA_PID" ]]; then kill "$OPA_PID" 2>/dev/null || true; wait "$OPA_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

pin() { # pin CPU CMD...: run pinned to one core when taskset exists
    local cpu="$1"; shift
    if command -v taskset >/dev/null 2>&1; then taskset -c "$cpu" "$@"; else "$@"; fi
}
PIN_OPA=()
command -v taskset >/dev/null 2>&1 && PIN_OPA=(taskset -c "$OPA_CPU")

# One chat request of acme-ru, personal data of a RU subject; every input below patches it.
BASE='{"version":1,"request":{"id":"req_bench","endpoint":"chat.completions","model":"auto","stream":false,"tokens":{"prompt":250,"max_output":null},"features":{"tools":false,"images":false}},"principal":{"tenant":"acme-ru","key_id":"k","agent":"a","roles":[]},"data":{"categories":{"email":1},"sensitivity":"personal","subjects":["RU"]},"context":{"client_region":null,"time":"2026-11-23T10:00:00Z","session":null}}'
declare -A PATCH=(
    [acme_personal_ru]='.'
    [acme_internal]='.data.sensitivity = "internal" | .data.subjects = [] | .data.categories = {}'
    [eubank_named_eu]='.principal.tenant = "eu-bank" | .data.subjects = ["EU"] | .request.model = "mistral-large-latest"'
    [gulf_denied_model]='.principal.tenant = "gulf-retail" | .request.model = "gpt-4o" | .data.subjects = []'
    [acme_models]='.request.endpoint = "models" | .data.sensitivity = "public" | .data.subjects = [] | .data.categories = {} | .data.detectors = []'
    [embeddings]='.request.endpoint = "embeddings"'
)
ORDER=(acme_personal_ru acme_internal eubank_named_eu gulf_denied_model acme_models embeddings)
[[ $# -gt 0 ]] && ORDER=("$@")
# The gateway reports every category it scanned for; without them the policy denies.
DETECTORS=$(cd "$ROOT" && "$OPA" eval --ignore schemas -d data -f raw 'sort(data.detection.categories)')
for name in "${ORDER[@]}"; do
    [[ -n "${PATCH[$name]:-}" ]] || { echo "bench_policy: unknown input $name" >&2; exit 2; }
    jq -c --argjson scanned "$DETECTORS" ".data.detectors = \$scanned | ${PATCH[$name]}" \
        <<<"$BASE" >"$TMP/$name.json"
    jq -c '{input: .}' "$TMP/$name.json" >"$TMP/$name.body"
done

cd "$ROOT"
"$OPA" version | head -n 1

if [[ -z "${SKIP_BENCH:-}" ]]; then
    echo "== opa bench (evaluation of data.kordon.decision; best of 3)"
    for name in "${ORDER[@]}"; do
        pin "$OPA_CPU" "$OPA" bench --count 3 --ignore schemas -d rego -d data -i "$TMP/$name.json" \
            --format json data.kordon.decision |
            jq -rs --arg n "$name" '
                map({ns: (.T / .N), allocs: (.MemAllocs / .N), p50: .Extra["histogram_timer_rego_query_eval_ns_median"]})
                | "\($n): \(map(.ns) | min / 1000 | floor) us/op, eval p50 \(map(.p50) | min / 1000 | floor) us, \(.[0].allocs | floor) allocs/op"'
    done
fi

if [[ -z "${SKIP_WRK:-}" ]]; then
    command -v wrk >/dev/null 2>&1 || { echo "bench_policy: wrk not found; set SKIP_WRK=1" >&2; exit 2; }
    # The sidecar's GC setting, unless this shell sets its own (the operator's wins there too).
    gc="$("$ROOT/.venv/bin/python" -c 'import os; from app.policy.sidecar import OPA_ENV
print(*(f"{k}={v}" for k, v in OPA_ENV.items() if k not in os.environ))')"
    read -r -a OPA_GC <<<"$gc"
    cat >"$TMP/post.lua" <<'EOF'
function init(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end
EOF
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    url="http://127.0.0.1:$port/v1/data/kordon/decision?provenance"
    serve() { # serve BUNDLE: OPA as the sidecar runs it, in the background; sets OPA_PID
        # Not through pin(): a backgrounded function is a subshell, and $! must be OPA itself.
        env "${OPA_GC[@]}" "${PIN_OPA[@]}" "$OPA" run --server --addr "127.0.0.1:$port" \
            --skip-version-check --optimize-store-for-read-speed --log-level error \
            --bundle "$1" >"$TMP/opa.log" 2>&1 &
        OPA_PID=$!
        for _ in $(seq 100); do
            curl -sf "http://127.0.0.1:$port/health?bundles" >/dev/null 2>&1 && return
            sleep 0.1
        done
        echo "bench_policy: OPA did not become ready on $1" >&2
        exit 1
    }
    stop() { kill "$OPA_PID"; wait "$OPA_PID" 2>/dev/null || true; OPA_PID=""; }
    ticks() { awk '{print $14 + $15}' "/proc/$OPA_PID/stat"; }
    load() { # load NAME LABEL: wrk per concurrency against the running OPA, with OPA's CPU
        pin "$WRK_CPU" wrk -t1 -c1 -d1s -s "$TMP/post.lua" "$url" -- "$TMP/$1.body" >/dev/null # warm-up
        for c in $CONNS; do
            local t0 out t1
            t0="$(ticks)"
            out="$(pin "$WRK_CPU" wrk -t1 -c"$c" -d"${DUR}s" -s "$TMP/post.lua" --latency "$url" -- "$TMP/$1.body")"
            t1="$(ticks)"
            awk -v n="$2" -v c="$c" -v ticks="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '
                /^ +50%/ {p50 = $2} /^ +99%/ {p99 = $2} /Requests\/sec/ {rps = $2} /Non-2xx/ {bad = $NF}
                /requests in/ {n_req = $1}
                END {printf "%s c=%s: p50 %s, p99 %s, %s req/s, OPA %.0f us CPU/decision%s\n", n, c, p50, p99,
                     rps, ticks * 1e6 / hz / n_req, (bad ? ", non-2xx " bad : "")}' <<<"$out"
        done
    }

    "$OPA" build --ignore schemas -o "$TMP/bundle.tar.gz" rego data
    shown="${OPA_GC[*]:-GOGC=${GOGC:-} from the shell}"
    echo "== wrk POST $url (opa with $shown on cpu $OPA_CPU, wrk on cpu $WRK_CPU, ${DUR}s per run)"
    serve "$TMP/bundle.tar.gz"
    for name in "${ORDER[@]}"; do load "$name" "$name"; done
    stop
    if [[ -n "${FLOOR:-}" ]]; then
        echo "== the same, each input against a constant policy returning its decision (OPA's floor)"
        for name in "${ORDER[@]}"; do
            mkdir -p "$TMP/floor-$name"
            { printf 'package kordon\n\ndecision := '; "$OPA" eval --ignore schemas -d rego -d data \
                -i "$TMP/$name.json" -f raw data.kordon.decision; } >"$TMP/floor-$name/floor.rego"
            "$OPA" build -o "$TMP/floor-$name.tar.gz" "$TMP/floor-$name"
            serve "$TMP/floor-$name.tar.gz"
            load "$name" "$name (constant)"
            stop
        done
    fi
fi
