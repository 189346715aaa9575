#!/usr/bin/env bash
# Installs what the HTTP tests need, idempotently: Chromium (dashboard screenshots), promtool
# (Prometheus text-format checks) and an OpenAPI 3.1 validator from npm into .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "install-test-deps: need ${need_apt[*]} (run as root, or install them yourself)" >&2
  fi
fi
# prometheus starts a service on install; the tests only need promtool.
if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus >/dev/null 2>&1 || true; fi
pkill -x prometheus >/dev/null 2>&1 || true

if command -v npm >/dev/null 2>&1 && [ ! -d .tools/node_modules/@readme/openapi-parser ]; then
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund --prefix . @readme/openapi-parser@9.0.0 >/dev/null)
fi
echo "install-test-deps: chromium $(command -v chromium || echo missing), promtool $(command -v promtool || echo missing), openapi-parser $( [ -d .tools/node_modules/@readme/openapi-parser ] && echo ok || echo missing)"
