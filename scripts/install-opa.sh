#!/usr/bin/env bash
# Provide the pinned OPA binary and print its path on stdout (that one line only;
# progress and errors go to stderr).
#
#   scripts/install-opa.sh            find or install the pinned OPA, print its path
#   scripts/install-opa.sh --check    exit 0 (and print the path) only if the pinned
#                                     OPA is already available; never installs
#
# Lookup order:
#   a) an `opa` on PATH whose `opa version` reports exactly the pin
#   b) the cached binary  $CACHE/opa/v$VERSION/opa
#   c) `go install github.com/open-policy-agent/opa@v$VERSION` (if `go` is on PATH)
#   d) the official release asset, verified against its published .sha256
#
# Environment:
#   KORDON_OPA_VERSION  pin override (default below)
#   KORDON_CACHE_DIR    cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kordon)
#
# The binary is written to a temporary file in the destination directory and
# renamed into place, so a concurrent run never sees a half-written binary.
set -euo pipefail

OPA_VERSION=1.22.2
VERSION="${KORDON_OPA_VERSION:-$OPA_VERSION}"
VERSION="${VERSION#v}"

TOOL=opa
# shellcheck source-path=SCRIPTDIR source=lib/pinned-tool.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pinned-tool.sh"

# c) go install, from an empty directory so no go.mod/go.work in the caller's
#    working directory interferes
try_go() {
    command -v go >/dev/null 2>&1 || return 1
    log "building OPA $VERSION with go install (this takes a minute or two)..."
    mkdir -p "$WORK/gobin" "$WORK/src"
    # GOOS/GOARCH from the caller would make a cross build that go install refuses.
    if ! (cd "$WORK/src" && unset GOOS GOARCH &&
        CGO_ENABLED=0 GOBIN="$WORK/gobin" GOFLAGS=-buildvcs=false GOWORK=off \
            go install "github.com/open-policy-agent/opa@v$VERSION" >&2); then
        log "go install failed"
        return 1
    fi
    install_candidate "$WORK/gobin/opa"
}

# d) the official release asset, verified against its published SHA-256
release_asset() {
    local os arch
    case "$(uname -s)" in
        Linux) os=linux ;;
        Darwin) os=darwin ;;
        *) return 1 ;;
    esac
    case "$(uname -m)" in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) return 1 ;;
    esac
    case "$os/$arch" in
        linux/amd64) echo opa_linux_amd64_static ;;
        linux/arm64) echo opa_linux_arm64_static ;;
        darwin/arm64) echo opa_darwin_arm64_static ;;
        darwin/amd64) echo opa_darwin_amd64 ;; # no static build is published
    esac
}

fetch() { # fetch URL FILE
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 3 --connect-timeout 20 -o "$2" "$1"
    else
        wget -q -O "$2" "$1"
    fi
}

try_download() {
    local asset url expected dl="$WORK/dl"
    if ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then
        log "neither curl nor wget is available for the release download"
        return 1
    fi
    if ! asset="$(release_asset)" || [[ -z "$asset" ]]; then
        log "no published OPA release binary for $(uname -s)/$(uname -m)"
        return 1
    fi
    url="https://github.com/open-policy-agent/opa/releases/download/v$VERSION/$asset"
    log "downloading $url"
    mkdir -p "$dl"
    fetch "$url" "$dl/$asset" || {
        log "download failed: $url"
        return 1
    }
    fetch "$url.sha256" "$dl/$asset.sha256" || {
        log "download failed: $url.sha256"
        return 1
    }
    # The published file reads "<sha256>  <asset>"; rewrite it in that canonical
    # form so the checker looks at exactly the file we downloaded.
    expected="$(awk 'NR == 1 { print tolower($1) }' "$dl/$asset.sha256")"
    if [[ ! "$expected" =~ ^[0-9a-f]{64}$ ]]; then
        log "malformed checksum file: $url.sha256"
        return 1
    fi
    printf '%s  %s\n' "$expected" "$asset" >"$dl/SHA256SUM"
    if command -v sha256sum >/dev/null 2>&1; then
        (cd "$dl" && sha256sum -c --status SHA256SUM)
    elif command -v shasum >/dev/null 2>&1; then
        (cd "$dl" && shasum -a 256 -c --status SHA256SUM)
    else
        log "neither sha256sum nor shasum is available; refusing to install an unverified binary"
        return 1
    fi || {
        log "SHA-256 MISMATCH for $asset (expected $expected); refusing to install"
        return 1
    }
    log "SHA-256 verified for $asset"
    install_candidate "$dl/$asset"
}

if command -v go >/dev/null 2>&1; then
    try_go && exit 0
    log "falling back to the release download"
fi
if command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1; then
    try_download && exit 0
    die "could not install OPA $VERSION (see messages above)"
fi
die "cannot install OPA $VERSION: neither 'go' nor 'curl' (or wget) is on PATH." \
    "Install Go (https://go.dev/dl/) or curl, or put an 'opa' $VERSION binary on PATH."
