#!/usr/bin/env bash
# Check the deployment files without a Docker engine (CI has none): the Dockerfile against
# BuildKit's lint rules and compose.yaml through compose-go's loader (scripts/deploy-check, Go,
# pinned by its go.sum). The first run downloads and builds them with Go (a minute or two);
# Go's module and build caches keep them after.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null 2>&1 || { echo "check-deploy: 'go' is not on PATH" >&2; exit 2; }
cd "$ROOT/scripts/deploy-check"
GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly exec go run . "$ROOT"
