#!/usr/bin/env bash
# A throwaway PostgreSQL 15 + PostGIS 3 cluster for the encounter benchmark.
#
#   bench/tracks/pg.sh start    install if needed (Debian: postgresql, postgresql-15-postgis-3),
#                               initdb into bench/data/pg/db, start it on a unix socket in
#                               bench/data/pg (no TCP), create the database `tally` with PostGIS
#   bench/tracks/pg.sh stop     stop it and delete bench/data/pg (KEEP=1 keeps the data directory)
#   bench/tracks/pg.sh status   print the socket directory and port if it runs
#   bench/tracks/pg.sh psql ... psql into it (arguments passed on)
#
# Environment: TALLY_PG_DIR (default bench/data/pg), TALLY_PG_PORT (default 5439; only names the
# socket file, nothing listens on TCP), TALLY_PG_SHARED_BUFFERS, TALLY_PG_WORK_MEM, TALLY_PG_JIT,
# TALLY_PG_PARALLEL (max_parallel_workers_per_gather).
#
# Run as root, the server runs as the `postgres` user; run as another user, it runs as that user.
# Settings are for the benchmark machine (2 cores, 24 GiB) and a throwaway cluster: durability
# off (fsync, full_page_writes, synchronous_commit), wal_level minimal. They only make PostgreSQL faster.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=${TALLY_PG_DIR:-$ROOT/bench/data/pg}
PORT=${TALLY_PG_PORT:-5439}
PGBIN=/usr/lib/postgresql/15/bin
DB=$DIR/db
SOCK=$DIR

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_if_needed() {
  if [ -x "$PGBIN/postgres" ] && [ -f /usr/share/postgresql/15/extension/postgis.control ]; then return; fi
  if [ "$(id -u)" != 0 ]; then
    echo "pg.sh: PostgreSQL 15 with PostGIS is not installed; as root: apt-get install -y postgresql postgresql-15-postgis-3" >&2
    exit 1
  fi
  echo "pg.sh: installing postgresql and postgresql-15-postgis-3" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-15-postgis-3 >&2
}

running() {
  [ -f "$DB/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$DB" status >/dev/null 2>&1
}

start() {
  install_if_needed
  if [ ${#SOCK} -gt 90 ]; then echo "pg.sh: socket directory path too long: $SOCK (set TALLY_PG_DIR)" >&2; exit 1; fi
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
  if running; then echo "pg.sh: already running in $DB" >&2; status; return; fi
  if [ ! -f "$DB/PG_VERSION" ]; then
    rm -rf "$DB"
    as_owner "$PGBIN/initdb" -D "$DB" -U postgres --auth=trust --encoding=UTF8 --locale=C -N >/dev/null
    cat >>"$DB/postgresql.conf" <<EOF
# tally bench (2 cores, 24 GiB, throwaway)
listen_addresses = ''
port = $PORT
unix_socket_directories = '$SOCK'
shared_buffers = ${TALLY_PG_SHARED_BUFFERS:-4GB}
work_mem = ${TALLY_PG_WORK_MEM:-1GB}
maintenance_work_mem = 2GB
effective_cache_size = 16GB
max_worker_processes = 4
max_parallel_workers = 2
max_parallel_workers_per_gather = ${TALLY_PG_PARALLEL:-2}
max_parallel_maintenance_workers = 2
jit = ${TALLY_PG_JIT:-off}
random_page_cost = 1.1
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 16GB
checkpoint_timeout = 1h
autovacuum = off
logging_collector = off
EOF
  fi
  as_owner "$PGBIN/pg_ctl" -D "$DB" -l "$DIR/server.log" -w -t 60 start >/dev/null
  as_owner "$PGBIN/psql" -X -q -h "$SOCK" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'EOF'
SELECT 'CREATE DATABASE tally' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'tally') \gexec
\c tally
CREATE EXTENSION IF NOT EXISTS postgis;
EOF
  status
}

stop() {
  if running; then as_owner "$PGBIN/pg_ctl" -D "$DB" -m fast -w stop >/dev/null; fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$DIR"; fi
}

status() {
  if running; then echo "host=$SOCK port=$PORT user=postgres dbname=tally"; else echo "pg.sh: not running" >&2; return 1; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  psql) shift; exec "$PGBIN/psql" -X -h "$SOCK" -p "$PORT" -U postgres -d tally "$@" ;;
  *) echo "usage: $0 start|stop|status|psql [args]" >&2; exit 2 ;;
esac
