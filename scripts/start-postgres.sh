#!/usr/bin/env bash
# Installs (from Debian's packages) and starts a local PostgreSQL server for the service's tests and
# benchmarks, and creates the role and database they use. Prints the URL to give --database:
#   postgres://modelvet:modelvet@127.0.0.1:5432/modelvet
# Usage: scripts/start-postgres.sh            (as root, or with sudo available)
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql ; } >&2
fi
version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$version main"; then
  $SUDO pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  $SUDO pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "start-postgres.sh: the server did not start" >&2; exit 1; }
psql_admin() { $SUDO -u postgres psql -v ON_ERROR_STOP=1 -q -X "$@"; }
if [ -z "$SUDO" ]; then psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -q -X $(printf '%q ' "$@")"; }; fi
if ! psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'modelvet'" | grep -q 1; then
  psql_admin -c "CREATE ROLE modelvet LOGIN PASSWORD 'modelvet' CREATEDB"
fi
if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'modelvet'" | grep -q 1; then
  psql_admin -c "CREATE DATABASE modelvet OWNER modelvet"
fi
echo "postgres://modelvet:modelvet@127.0.0.1:5432/modelvet"
