#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL (from Debian's `postgresql` package) for tests and benchmarks:
#
#   scripts/postgres.sh start [PORT]   creates a temporary directory, initdb's a cluster there with a
#                                      random password, starts it on 127.0.0.1:PORT (a free port when
#                                      omitted) and prints key=value lines: dir, port, user, password, url
#   scripts/postgres.sh stop DIR       stops that server (immediate shutdown) and removes DIR
#
# PostgreSQL refuses to run as root: run as root, this script runs the server as the `postgres` user
# (created by the Debian package) through runuser; run as anyone else, it runs it as that user.
# Nothing listens beyond loopback and the unix socket lives in DIR. Needs: scripts/install-test-deps.sh.
set -euo pipefail

bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  echo "postgres.sh: PostgreSQL is not installed (pg_ctl not found): run scripts/install-test-deps.sh" >&2
  exit 1
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! port_in_use "$p"; then echo "$p"; return; fi
  done
  echo "postgres.sh: no free port found" >&2
  exit 1
}

start() {
  local bin dir port password try
  bin="$(bin_dir)"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "postgres.sh: running as root needs the 'postgres' user (created by the Debian package)" >&2
    exit 1
  fi
  dir="$(mktemp -d "${TMPDIR:-/tmp}/easyremote-pg.XXXXXX")"
  chmod 700 "$dir"
  password="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '%s\n' "$password" >"$dir/pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U easyremote --pwfile="$dir/pwfile" --auth=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  for try in 1 2 3 4 5; do
    port="${1:-$(free_port)}"
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=200" \
        start >/dev/null 2>&1; then
      printf 'dir=%s\nport=%s\nuser=easyremote\npassword=%s\nurl=jdbc:postgresql://127.0.0.1:%s/postgres\n' \
        "$dir" "$port" "$password" "$port"
      return
    fi
    if [ -n "${1:-}" ]; then break; fi
  done
  echo "postgres.sh: PostgreSQL did not start; its log:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
}

stop() {
  local dir="$1"
  case "$dir" in
    */easyremote-pg.*) ;;
    *) echo "postgres.sh: refusing to stop/remove '$dir' (not made by postgres.sh start)" >&2; exit 2 ;;
  esac
  if [ -d "$dir/data" ]; then
    as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "${1:?usage: postgres.sh stop DIR}" ;;
  *) echo "usage: scripts/postgres.sh start [PORT] | stop DIR" >&2; exit 2 ;;
esac
