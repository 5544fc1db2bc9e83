# shellcheck shell=bash
# Shared by scripts/install-opa.sh and scripts/install-regal.sh: argument handling, the
# per-user cache, and finding a binary that already reports the pinned version.
# Source it after setting TOOL (a command name) and VERSION (x.y.z); it sets BIN_DIR and BIN,
# and prints the path and exits when the pinned binary is already there (PATH, then cache).
# With --check it never installs: it exits 1 when nothing is found.

log() { printf 'install-%s: %s\n' "$TOOL" "$*" >&2; }
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
BIN_DIR="$CACHE_ROOT/$TOOL/v$VERSION"
BIN="$BIN_DIR/$TOOL"

# The version a binary reports ("Version: 1.22.2", Regal pads and may prefix a v), or nothing.
version_of() {
    local out
    out="$("$1" version 2>/dev/null)" || return 0
    printf '%s\n' "$out" | awk '$1 == "Version:" { sub(/^v/, "", $2); print $2 }'
}

is_pinned() {
    [[ -f "$1" && -x "$1" ]] && [[ "$(version_of "$1")" == "$VERSION" ]]
}

# a) one on PATH with exactly the pinned version; b) the cached binary
if found="$(command -v "$TOOL" 2>/dev/null)" && is_pinned "$found"; then
    printf '%s\n' "$found"
    exit 0
fi
if is_pinned "$BIN"; then
    printf '%s\n' "$BIN"
    exit 0
fi
if [[ "$mode" == check ]]; then
    log "$TOOL $VERSION is not available (neither on PATH nor at $BIN)"
    exit 1
fi

mkdir -p "$BIN_DIR"
# The work directory lives beside the destination so the final mv is a rename on one
# filesystem (atomic): a concurrent run never sees a half-written binary.
WORK="$(mktemp -d "$BIN_DIR/.tmp.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Moves a candidate that reports the pinned version into place and prints its path.
install_candidate() {
    local candidate="$1" got
    chmod 0755 "$candidate"
    got="$(version_of "$candidate")"
    if [[ "$got" != "$VERSION" ]]; then
        log "the new binary reports version '${got:-<none>}', expected $VERSION"
        return 1
    fi
    mv -f "$candidate" "$BIN" || {
        log "could not move the binary into $BIN"
        return 1
    }
    log "installed $TOOL $VERSION at $BIN"
    printf '%s\n' "$BIN"
}
