#!/usr/bin/env bash
# Installs what the HTTP end-to-end tests need, idempotently (a second run changes nothing):
#   - chromium  (Debian package): renders the dashboard and /docs headless, saves screenshots
#   - promtool  (Debian package prometheus): checks /metrics as Prometheus text
#   - tmux      (Debian package): renders `easyremote map`'s progress bar on a real terminal screen
#   - @readme/openapi-parser (npm, pinned) into .tools/node_modules (gitignored): validates /openapi.json
#   - @modelcontextprotocol/sdk (npm, pinned) into .tools/node_modules: the official MCP client the /mcp tests drive
#   - postgresql (Debian package): the job store's tests run against a real server, started by
#     scripts/postgres.sh as the postgres user in a temporary directory (the packaged cluster stays stopped)
#   - @redocly/cli (npm, pinned) into .tools: lints /openapi.json with its recommended rules
#   - typescript (npm, pinned) into .tools: compiles the TypeScript client generated from /openapi.json
#   - python3-grpcio, python3-grpc-tools (Debian packages, for /usr/bin/python3): a Python gRPC client
#     generated from our .proto calls a real gateway (PythonGrpcClientTest)
#   - nats-server (Debian package): the cluster module's tests start real servers (a 3-server cluster
#     with routes) on free loopback ports; the packaged system service stays stopped
# Needs root (or sudo) for apt-get, and npm with access to its registry. The tests fail with a
# message naming this script when something is missing; they never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENAPI_PARSER_VERSION=9.0.0
MCP_SDK_VERSION=1.32.2
REDOCLY_VERSION=2.11.1
TYPESCRIPT_VERSION=5.9.3

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
# Debian's Python modules install for the system interpreter, whatever python3 comes first on PATH.
/usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || missing+=(python3-grpcio)
/usr/bin/python3 -c 'import grpc_tools.protoc' >/dev/null 2>&1 || missing+=(python3-grpc-tools)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
# Debian puts nats-server in /usr/sbin, which is not on every user's PATH.
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-test-deps: need the Debian packages ${missing[*]}: run as root or install them yourself" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: apt-get is not available: install ${missing[*]} (chromium, promtool, tmux, postgresql, Python grpcio, nats-server) another way" >&2
    exit 1
  fi
  # Only promtool is wanted from the prometheus package, and only the binaries from postgresql and
  # nats-server: keep their servers from being started
  # (policy-rc.d exit 101 = "do not start services"), and leave an existing policy alone.
  policy=/usr/sbin/policy-rc.d
  added_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    added_policy=true
  fi
  trap '[ "$added_policy" = true ] && $sudo rm -f "$policy"' EXIT
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages into .tools/node_modules, each at its pinned version (installed again only when it differs).
npm_pinned() { # name version
  local dir=".tools/node_modules/$1"
  if [ ! -f "$dir/package.json" ] || ! grep -q "\"version\": \"$2\"" "$dir/package.json"; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "install-test-deps: npm is missing: install Node.js and npm (Debian: nodejs npm)" >&2
      exit 1
    fi
    mkdir -p .tools
    npm install --silent --no-audit --no-fund --save-exact --prefix .tools "$1@$2" >/dev/null
  fi
}
npm_pinned @readme/openapi-parser "$OPENAPI_PARSER_VERSION"
npm_pinned @modelcontextprotocol/sdk "$MCP_SDK_VERSION"
npm_pinned @redocly/cli "$REDOCLY_VERSION"
npm_pinned typescript "$TYPESCRIPT_VERSION"
parser=.tools/node_modules/@readme/openapi-parser
mcp_sdk=.tools/node_modules/@modelcontextprotocol/sdk

nats="$(command -v nats-server || echo /usr/sbin/nats-server)"
echo "install-test-deps: chromium $(command -v chromium), promtool $(command -v promtool), tmux $(command -v tmux)," \
  "nats-server $("$nats" --version 2>/dev/null | sed 's/^nats-server: //')," \
  "postgresql $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)," \
  "grpcio $(/usr/bin/python3 -c 'import grpc; print(grpc.__version__)')," \
  "@readme/openapi-parser $(node -p "require('./$parser/package.json').version")," \
  "@modelcontextprotocol/sdk $(node -p "require('./$mcp_sdk/package.json').version")," \
  "@redocly/cli $(node -p "require('./.tools/node_modules/@redocly/cli/package.json').version")," \
  "typescript $(node -p "require('./.tools/node_modules/typescript/package.json').version")"
