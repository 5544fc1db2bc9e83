#!/usr/bin/env bash
# Provide the pinned Regal (the Rego linter) and print its path on stdout (that one line
# only; progress and errors go to stderr).
#
#   scripts/install-regal.sh            find or build the pinned Regal, print its path
#   scripts/install-regal.sh --check    exit 0 (and print the path) only if the pinned
#                                       Regal is already available; never builds
#
# Lookup order:
#   a) a `regal` on PATH whose `regal version` reports exactly the pin
#   b) the cached binary  $CACHE/regal/v$VERSION/regal
#   c) a build with Go (needs `go` on PATH and the Go module proxy): a throwaway module
#      that requires github.com/open-policy-agent/regal@v$VERSION, built with the
#      release's build tag and version stamp. An exact version resolves even where the
#      proxy refuses the version list (so `go install …@latest` fails). The first build
#      takes a minute or two; the binary is cached after.
#
# Environment:
#   KORDON_REGAL_VERSION  pin override (default below)
#   KORDON_CACHE_DIR      cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kordon)
#
# The binary is built in a temporary directory beside the destination and renamed into
# place, so a concurrent run never sees a half-written binary.
set -euo pipefail

REGAL_VERSION=0.42.0
VERSION="${KORDON_REGAL_VERSION:-$REGAL_VERSION}"
VERSION="${VERSION#v}"
MODULE=github.com/open-policy-agent/regal

TOOL=regal
# shellcheck source-path=SCRIPTDIR source=lib/pinned-tool.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pinned-tool.sh"

command -v go >/dev/null 2>&1 ||
    die "cannot build Regal $VERSION: 'go' is not on PATH. Install Go (https://go.dev/dl/)," \
        "or put a 'regal' $VERSION binary on PATH."

# c) build from a throwaway module, so no go.mod/go.work of the caller interferes.
#    -mod=mod lets `go get` write go.mod/go.sum; GOOS/GOARCH from the caller would make a
#    cross build; regal_standalone is the tag the release binaries are built with.
log "building Regal $VERSION with Go (this takes a minute or two the first time)..."
started=$SECONDS
mkdir -p "$WORK/src"
if ! (
    cd "$WORK/src" &&
        unset GOOS GOARCH &&
        export CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" &&
        go mod init kordon.local/regal-build >/dev/null 2>&1 &&
        go get "$MODULE@v$VERSION" &&
        go build -trimpath -tags regal_standalone \
            -ldflags "-s -w -X $MODULE/pkg/version.Version=$VERSION" \
            -o "$WORK/regal" "$MODULE"
) >&2; then
    die "could not build Regal $VERSION with Go (see messages above)"
fi

log "built in $((SECONDS - started)) s"
install_candidate "$WORK/regal" || die "could not install Regal $VERSION"
