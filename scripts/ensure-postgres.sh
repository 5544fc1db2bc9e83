#!/usr/bin/env bash
# Tests run against a real PostgreSQL server; install Debian's when it is missing.
set -euo pipefail
have() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }
have && exit 0
echo "ensure-postgres: installing Debian's postgresql" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
# Debian may start a system cluster; tests start their own in a temporary directory.
have
