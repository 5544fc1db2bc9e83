#!/usr/bin/env bash
# `make bench`: Kordon as shipped (bench/start-kordon.sh) measured by the shared gateway-bench
# harness beside its anchors in the same rounds; the report (bench/gwbench_report.py) goes to
# bench/results/<date>.md. Reported, never asserted.
# env: GWBENCH (harness dir, default ../shared/gateway-bench beside this checkout),
#      ANCHORS (litellm,portkey | portkey | none), ROUNDS (3), DURATION (10), WARMUP (5),
#      PORT (9100), GW_CPU (0), EXTRA (more run.sh arguments, e.g. "--stream-conns ''"),
#      MEMO_OFF (1: also measure Kordon with the decision memo off, as target kordon-memo-off,
#      on PORT+10 in the same rounds; 0: only Kordon as shipped)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GWBENCH=${GWBENCH:-$ROOT/../shared/gateway-bench}
if [[ ! -x "$GWBENCH/run.sh" ]]; then
  echo "make bench: the gateway-bench harness is not at $GWBENCH (expected ../shared/gateway-bench" \
    "beside this checkout, with ./setup.sh run). Set GWBENCH=/path/to/gateway-bench," \
    "or run 'make bench-micro' for the in-process benchmarks." >&2
  exit 2
fi
ANCHORS=${ANCHORS:-litellm,portkey}; ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}; PORT=${PORT:-9100}; GW_CPU=${GW_CPU:-0}
MEMO_OFF=${MEMO_OFF:-1}
read -r PID KEY WORK < <("$ROOT/bench/start-kordon.sh" "$PORT" "$GW_CPU")
PIDS=("$PID")
TARGETS=(--target "kordon=http://127.0.0.1:$PORT/v1" --header "kordon=Authorization: Bearer $KEY"
  --pid "kordon=$PID")
if [[ "$MEMO_OFF" == 1 ]]; then
  # The same gateway with every decision asked of OPA; its own OPA port, idle in other cells.
  OFF_PORT=$((PORT + 10))
  read -r OFF_PID OFF_KEY _ < <(KORDON_DECISION_MEMO_SIZE=0 \
    KORDON_OPA_URL="http://127.0.0.1:$((OFF_PORT + 1))" "$ROOT/bench/start-kordon.sh" "$OFF_PORT" "$GW_CPU")
  PIDS+=("$OFF_PID")
  TARGETS+=(--target "kordon-memo-off=http://127.0.0.1:$OFF_PORT/v1"
    --header "kordon-memo-off=Authorization: Bearer $OFF_KEY" --pid "kordon-memo-off=$OFF_PID")
fi
stop() { # SIGTERM: kordon serve drains, then stops its OPA child itself
  kill "${PIDS[@]}" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "${PIDS[@]}" 2>/dev/null || return 0; sleep 0.1; done
}
trap stop EXIT
OUT=$WORK/results
# shellcheck disable=SC2086  # EXTRA is a list of arguments
"$GWBENCH/run.sh" --rounds "$ROUNDS" --duration "$DURATION" --warmup "$WARMUP" --anchors "$ANCHORS" \
  --gw-cpu "$GW_CPU" "${TARGETS[@]}" --out "$OUT" ${EXTRA:-}
stop; trap - EXIT
REPORT=$ROOT/bench/results/$(date -u +%Y-%m-%d-%H%M).md
"$ROOT/.venv/bin/python" "$ROOT/bench/gwbench_report.py" "$OUT" "$WORK/kordon.log" >"$REPORT"
echo "make bench: wrote $REPORT (harness output: $OUT)"
