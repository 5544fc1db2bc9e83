#!/usr/bin/env bash
# Check the Kordon policy: format, strict compile, tests with coverage (`kordon policy test`,
# the same checks a compliance team's CI runs: docs/ci/), data schemas, bundle build, Regal lint.
# Usage: scripts/check-policy.sh [path/to/opa] [path/to/regal]
#   opa    default: opa on PATH
#   regal  default: $REGAL, else whatever scripts/install-regal.sh provides (the pinned Regal,
#          built with Go on first use, a minute or two, then cached). Regal is required: when it
#          cannot be found or built, the check fails.
# Fails on the first error. Run from anywhere; paths are relative to the repository root.
set -euo pipefail

OPA="${1:-opa}"
REGAL_BIN="${2:-${REGAL:-}}"
THRESHOLD=95
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"

if ! command -v "$OPA" >/dev/null 2>&1; then
    echo "check-policy: opa binary not found: $OPA" >&2
    exit 2
fi
if [[ -n "$REGAL_BIN" ]] && ! command -v "$REGAL_BIN" >/dev/null 2>&1; then
    echo "check-policy: regal binary not found: $REGAL_BIN" >&2
    exit 2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "opa version"
"$OPA" version | sed -n 1p

step "kordon policy test: opa fmt, opa check --strict, opa test, coverage >= ${THRESHOLD}%"
"$PYTHON" -m app.cli policy test --opa-binary "$OPA" --threshold "$THRESHOLD"

# data/schemas/ holds JSON schemas, not policy data: every load ignores it, exactly as the
# bundle build does (app/policy/bundle.py).
step "bundle data against data/schemas/"
schema_args=()
for concern in providers tenants tiers detection; do
    schema_args+=(-d "kordon_schemas.${concern}:data/schemas/${concern}.schema.json")
done
"$OPA" eval --fail-defined --format raw --ignore schemas -d data "${schema_args[@]}" \
    '[[c, errors] | some c in ["providers", "tenants", "tiers", "detection"]
                    [ok, errors] := json.match_schema(data[c], data.kordon_schemas[c])
                    not ok][_]' || {
    echo "check-policy: bundle data does not match its schema (errors above)" >&2
    exit 1
}
echo "ok: providers, tenants, tiers, detection"

step "opa build"
"$OPA" build --ignore schemas -o "$TMP/b.tar.gz" rego data
"$OPA" eval --fail --format raw -b "$TMP/b.tar.gz" \
    'object.keys(object.remove(data, ["kordon"])) == {"providers", "tenants", "tiers", "detection"}' >/dev/null || {
    echo "check-policy: bundle data must be exactly providers, tenants, tiers, detection (schemas must stay out)" >&2
    exit 1
}
"$OPA" eval --fail --format raw -b "$TMP/b.tar.gz" 'data.kordon.decision' >/dev/null
echo "ok: bundle builds; data roots: providers, tenants, tiers, detection"

step "tenant patterns compile with RE2 (linear time)"
"${PYTHON:-$ROOT/.venv/bin/python}" -m app.policy.bundle_checks "$OPA" "$TMP/b.tar.gz"

step "regal lint"
if [[ -z "$REGAL_BIN" ]]; then
    REGAL_BIN="$(bash "$ROOT/scripts/install-regal.sh")" || {
        echo "check-policy: Regal is required but could not be installed (see above)." \
            "Install Go, or pass a regal binary as the second argument or in REGAL." >&2
        exit 1
    }
fi
"$REGAL_BIN" version | sed -n 1p
"$REGAL_BIN" lint --format pretty --fail-level warning --config-file .regal/config.yaml rego rego_tests || {
    echo "check-policy: regal lint found violations (above); see .regal/config.yaml for the rule settings" >&2
    exit 1
}

printf '\npolicy checks passed\n'
