#!/usr/bin/env bash
# Where the governed path's CPU goes: Kordon as shipped (bench/start-kordon.sh) under wrk at
# c=32 against the gateway-bench mock, sampled by py-spy (gateway, native frames off) for
# DURATION seconds. Writes bench/profiles/<name>.txt: the top functions by own and by total
# samples, plus the CPU each process spent per request (/proc) while sampling.
# Usage: bench/profile_gateway.sh NAME [stream]   env: GWBENCH, DURATION (20), PORT (9110)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GWBENCH=${GWBENCH:-$ROOT/../shared/gateway-bench}
[[ -f "$GWBENCH/mock.py" ]] || { echo "profile_gateway: no gateway-bench harness at $GWBENCH" >&2; exit 2; }
NAME=$1; MODE=${2:-json}; DURATION=${DURATION:-20}; PORT=${PORT:-9110}
cd "$ROOT"
python3 "$GWBENCH/mock.py" start --cpu 1 >/dev/null
read -r PID KEY WORK < <(bench/start-kordon.sh "$PORT" 0)
stop() {
  kill "$PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  python3 "$GWBENCH/mock.py" stop >/dev/null
}
trap stop EXIT
BODY=$WORK/body.json
python3 - "$MODE" >"$BODY" <<'PY'
import json, sys
prompt = ("Summarise the quarterly operations report for the logistics team: shipments were "
          "delayed by weather in the north, warehouse throughput rose, and two routes changed. ") * 5
body = {"model": "gpt-4o-mini", "messages": [
    {"role": "system", "content": "You are a concise assistant for operations reports."},
    {"role": "user", "content": prompt}], "max_tokens": 256}
if sys.argv[1] == "stream":
    body["stream"] = True
print(json.dumps(body))
PY
URL=http://127.0.0.1:$PORT/v1/chat/completions
for _ in $(seq 100); do
  curl -sf -o /dev/null -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    --data @"$BODY" "$URL" && break
  sleep 0.2
done
taskset -c 1 wrk -t1 -c32 -d3s -s bench/wrk/post.lua "$URL" -- "$BODY" "$KEY" >/dev/null  # warm-up
OPA_PID=$(pgrep -P "$PID" -x opa || true)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
g0=$(ticks "$PID"); o0=$(ticks "$OPA_PID")
taskset -c 1 wrk -t1 -c32 -d"${DURATION}s" -s bench/wrk/post.lua "$URL" -- "$BODY" "$KEY" >"$WORK/wrk.txt" &
WRK=$!
.venv/bin/py-spy record --pid "$PID" --duration $((DURATION - 2)) --rate 250 --format raw \
  --output "$WORK/stacks.txt" >/dev/null 2>&1
wait "$WRK"
g1=$(ticks "$PID"); o1=$(ticks "$OPA_PID")
OUT=$ROOT/bench/profiles/$NAME.txt
.venv/bin/python bench/profile_summary.py "$WORK/stacks.txt" "$WORK/wrk.txt" \
  "$((g1 - g0))" "$((o1 - o0))" "$(getconf CLK_TCK)" "$MODE" >"$OUT"
echo "profile_gateway: wrote $OUT"
