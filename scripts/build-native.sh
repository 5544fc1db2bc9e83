#!/usr/bin/env bash
# Build (or reuse) the wheel of native/kordon-bpe, Kordon's counting-only BPE (tiktoken-exact
# prompt token counts, app/quota/tokens.py), install it into a virtualenv and print the wheel's
# path on stdout (that one line only; progress and errors go to stderr).
#
#   scripts/build-native.sh [VENV]      VENV defaults to .venv
#
# The wheel is cached outside the checkout, in $CACHE/kordon-bpe/<key>/, where <key> hashes
# the crate's sources, Cargo.lock, its build settings and the platform: a fresh clone whose
# native sources are unchanged installs the cached wheel and needs no Rust. Otherwise cargo
# builds it through maturin (pip's build isolation; maturin pinned in the crate's pyproject.toml,
# crate versions --locked to Cargo.lock), with cargo's build directory kept in the cache too.
#
# Environment:
#   KORDON_CACHE_DIR    cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kordon)
set -euo pipefail

log() { printf 'build-native: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CRATE="$REPO/native/kordon-bpe"
VENV="${1:-$REPO/.venv}"
[[ -x "$VENV/bin/python" ]] || die "no virtualenv at $VENV"

CACHE_ROOT="${KORDON_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?set KORDON_CACHE_DIR or HOME}/.cache}/kordon}"
CACHE="$CACHE_ROOT/kordon-bpe"

# Everything the wheel is built from, by name and content, plus the platform it runs on.
key="$(
    cd "$CRATE"
    {
        sha256sum Cargo.toml Cargo.lock pyproject.toml kordon_bpe.pyi src/*.rs
        uname -sm
    } | sha256sum | cut -c1-16
)"
DEST="$CACHE/$key"

wheel() { compgen -G "$DEST/kordon_bpe-*.whl" | head -n1; }

if [[ -z "$(wheel)" ]]; then
    command -v cargo >/dev/null 2>&1 ||
        die "no cached wheel for these sources and no cargo to build one: install Rust (https://rustup.rs)"
    log "building the kordon-bpe wheel (cargo, release; a minute or two the first time)..."
    mkdir -p "$CACHE"
    work="$(mktemp -d "$CACHE/build.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    CARGO_TARGET_DIR="$CACHE/target" "$VENV/bin/python" -m pip wheel -q --no-deps \
        --wheel-dir "$work/wheel" "$CRATE" >&2 || die "building the wheel failed"
    # Into place in one rename, so a concurrent run never sees half a cache entry.
    mv -T "$work/wheel" "$DEST" 2>/dev/null || [[ -n "$(wheel)" ]] || die "could not fill $DEST"
fi

found="$(wheel)"
"$VENV/bin/python" -m pip install -q --no-deps --force-reinstall "$found" >&2
printf '%s\n' "$found"
