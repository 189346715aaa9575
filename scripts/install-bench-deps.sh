#!/usr/bin/env bash
# Installs what the benchmarks' peer baseline needs, idempotently: the Debian package nats-server
# (NATS request-reply is the yardstick for a relayed call). Without it, scripts/bench still runs
# and says that the NATS baseline was skipped. Needs root (or sudo) and apt-get.
set -euo pipefail

if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
  echo "install-bench-deps: nats-server is missing and this user cannot install packages (run as root, or apt-get install nats-server)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-bench-deps: nats-server is missing and apt-get is not available: install nats-server another way" >&2
  exit 1
fi
# The package would start a system-wide server; the benchmark starts its own on a free port.
policy=/usr/sbin/policy-rc.d
added_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  added_policy=true
fi
trap '[ "$added_policy" = true ] && $sudo rm -f "$policy"' EXIT
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nats-server >/dev/null
echo "install-bench-deps: $(/usr/sbin/nats-server --version 2>/dev/null || nats-server --version)"
