#!/usr/bin/env bash
# Start Kordon as a gateway-bench target, as shipped: `kordon serve` with its own supervised OPA
# sidecar (a child of the gateway, so one pid covers both), audit trail on (segment files with
# fsync, in a temp dir), names detection on, every detector the shipped data enables.
# Same semantics as ../shared/gateway-bench/gateways/start-kordon.sh: the bundle is this repo's
# rego/ + data/ with every tier limit raised to 1e9 (the quota step runs on every request but
# never refuses) and the response cache off (no answer comes from a cache); every provider
# points at the bench mock (or $UPSTREAM); the key is tenant acme-ru.
# Usage: bench/start-kordon.sh PORT [CPU]   (backgrounds the gateway; prints "PID KEY WORKDIR")
# env: UPSTREAM (default http://127.0.0.1:18080/v1, the gateway-bench mock); KORDON_* pass through.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${1:-9100}; CPU=${2:-0}
cd "$ROOT"
WORK=$(mktemp -d -t kordon-bench.XXXX)
export KORDON_KEYS_FILE=$WORK/keys.json KORDON_AUDIT_DIR=$WORK/audit
KEY=$(.venv/bin/kordon keys create --tenant acme-ru --agent bench --keys-file "$KORDON_KEYS_FILE" \
  2>/dev/null | grep -o '^kdn-[A-Za-z0-9_-]*' | head -1)
[[ -n "$KEY" ]] || { echo "start-kordon: could not create a key" >&2; exit 1; }
for p in ONPREM_VLLM CLOUDRU GIGACHAT MISTRAL_EU OPENAI_US; do
  export "KORDON_PROVIDER_${p}_BASE_URL=${UPSTREAM:-http://127.0.0.1:18080/v1}"
  export "KORDON_PROVIDER_${p}_API_KEY=sk-bench-dummy"
done
OPA=$(bash scripts/install-opa.sh)
.venv/bin/python bench/make_bundle.py "$OPA" "$WORK" >/dev/null
taskset -c "$CPU" .venv/bin/kordon serve --port "$PORT" --opa-binary "$OPA" \
  --bundle "$WORK/bundle.tar.gz" --log-level warning >"$WORK/kordon.log" 2>&1 &
echo "$! $KEY $WORK"
