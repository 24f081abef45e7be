#!/usr/bin/env bash
# Start / stop a throwaway PostgreSQL cluster from the machine's binaries.
#   source .ci/postgres.sh; pg_start; ...; pg_stop
# Exports SOKO_TEST_POSTGRES_URL. PostgreSQL refuses to run as root, so as root the
# server runs as the `postgres` user.

pg_bin_dir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$found" ]; then
    echo "PostgreSQL binaries missing: installing them with apt-get" >&2
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$found"
}

pg_as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
  local bin
  bin=$(pg_bin_dir) || return 1
  PG_TMP=$(mktemp -d /tmp/soko-pg.XXXXXX)
  PG_PORT=$(pg_free_port)
  if [ "$(id -u)" = "0" ]; then chown postgres "$PG_TMP"; fi
  pg_as_owner "$bin/initdb" -D "$PG_TMP/data" -U soko --auth=trust -E UTF8 --no-locale >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log"; return 1; }
  pg_as_owner "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$PG_TMP/server.log"; return 1; }
  "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U soko soko_test
  PG_BIN=$bin
  export PG_TMP PG_PORT PG_BIN
  export SOKO_TEST_POSTGRES_URL="postgresql+psycopg://soko@127.0.0.1:$PG_PORT/soko_test"
  echo "PostgreSQL running on port $PG_PORT ($PG_TMP)"
}

pg_stop() {
  [ -n "${PG_TMP:-}" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  unset PG_TMP
}
