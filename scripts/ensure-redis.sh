#!/usr/bin/env bash
# Tests run against a real redis-server; install Debian's when it is missing.
set -euo pipefail
command -v redis-server >/dev/null && exit 0
echo "ensure-redis: installing Debian's redis-server" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
# Debian starts a system instance; tests start their own on free ports.
command -v redis-server >/dev/null
