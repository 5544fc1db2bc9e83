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

log() { printf 'install-regal: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "$0" >&2
}

mode=install
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage
        die "unknown argument: $1"
        ;;
esac
[[ $# -le 1 ]] || die "too many arguments"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not an exact version: $VERSION"

if [[ -n "${KORDON_CACHE_DIR:-}" ]]; then
    CACHE_ROOT="$KORDON_CACHE_DIR"
elif [[ -n "${XDG_CACHE_HOME:-}" ]]; then
    CACHE_ROOT="$XDG_CACHE_HOME/kordon"
elif [[ -n "${HOME:-}" ]]; then
    CACHE_ROOT="$HOME/.cache/kordon"
else
    die "cannot choose a cache directory: set KORDON_CACHE_DIR, XDG_CACHE_HOME or HOME"
fi
BIN_DIR="$CACHE_ROOT/regal/v$VERSION"
BIN="$BIN_DIR/regal"

# The version a Regal binary reports ("Version:       0.42.0"), without a leading v, or nothing.
regal_version_of() {
    local out
    out="$("$1" version 2>/dev/null)" || return 0
    printf '%s\n' "$out" | awk '$1 == "Version:" { sub(/^v/, "", $2); print $2 }'
}

is_pinned() {
    [[ -f "$1" && -x "$1" ]] && [[ "$(regal_version_of "$1")" == "$VERSION" ]]
}

# a) a regal on PATH with exactly the pinned version
if path_regal="$(command -v regal 2>/dev/null)" && is_pinned "$path_regal"; then
    printf '%s\n' "$path_regal"
    exit 0
fi

# b) the cached binary
if is_pinned "$BIN"; then
    printf '%s\n' "$BIN"
    exit 0
fi

if [[ "$mode" == check ]]; then
    log "Regal $VERSION is not available (neither on PATH nor at $BIN)"
    exit 1
fi

command -v go >/dev/null 2>&1 ||
    die "cannot build Regal $VERSION: 'go' is not on PATH. Install Go (https://go.dev/dl/)," \
        "or put a 'regal' $VERSION binary on PATH."

mkdir -p "$BIN_DIR"
# The work directory lives beside the destination so the final mv is a rename on one
# filesystem (atomic).
WORK="$(mktemp -d "$BIN_DIR/.tmp.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

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

chmod 0755 "$WORK/regal"
got="$(regal_version_of "$WORK/regal")"
[[ "$got" == "$VERSION" ]] || die "built binary reports version '${got:-<none>}', expected $VERSION"
mv -f "$WORK/regal" "$BIN" || die "could not move the binary into $BIN"
log "installed Regal $VERSION at $BIN (built in $((SECONDS - started)) s)"
printf '%s\n' "$BIN"
