#!/usr/bin/env bash
# Remove what the scripts made: .venv and .run (stopping the private PostgreSQL
# cluster in .run/pgdata first, if one runs), and the demo database on the
# local server (and make test-fast's), whose filestore lived in .run and is gone with it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ -f $RUN/pgdata/postmaster.pid ]]; then
  say "Stopping private PostgreSQL in $RUN/pgdata"
  as_pg pg_ctl -D "$RUN/pgdata" -m fast -w stop >/dev/null 2>&1 || true
fi
# the demo database and the one of make test-fast
for DB in "${RMA_UNEX_DEMO_DB:-rma_unex_demo}" "${RMA_UNEX_DEV_DB:-rma_unex_dev}"; do
  if psql -X -q -d postgres -c 'select 1' >/dev/null 2>&1 && db_exists "$DB"; then
    dropdb "$DB" && say "dropped database $DB"
  fi
done
rm -rf "$VENV" "$RUN" "$ROOT/.pytest_cache"
echo "removed .venv, .run and .pytest_cache"
