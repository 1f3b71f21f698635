#!/usr/bin/env bash
# Run Odoo with rma_unex and its demo data on http://127.0.0.1:8069.
# The database is kept between runs (make clean drops it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DB=${RMA_UNEX_DEMO_DB:-rma_unex_demo}
PORT=${RMA_UNEX_PORT:-8069}
CONF=$RUN/demo.conf

check_odoo
# Fail before any slow step when the port is taken (another demo/server).
if port_in_use "$PORT"; then
  die "port $PORT on 127.0.0.1 is already in use (another Odoo running?): stop it or set RMA_UNEX_PORT."
fi
ensure_venv
ensure_wkhtmltopdf
ensure_postgres
trap stop_private_postgres_if_started EXIT

write_odoo_conf "$CONF" "$DB" "$PORT"
if ! db_exists "$DB" || [[ $(module_state "$DB" rma_unex) != installed ]]; then
  install_addon "$CONF" "$DB" "$RUN/logs/install-$DB.log"
fi

echo
echo "Odoo with rma_unex: http://127.0.0.1:$PORT   (database $DB)"
echo "Demo logins (login / password — role):"
sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' -e 's/^/  /' "$ROOT/scripts/demo_logins.txt"
echo "Stop with Ctrl-C. To rebuild the demo data: dropdb $DB (or make clean), then make demo."
echo

# Foreground server. `exec` replaces the shell, which would skip the EXIT trap,
# so keep the shell only when it must stop a private cluster it started.
if [[ $PG_STARTED_HERE == 1 ]]; then
  odoo_bin -c "$CONF" --log-level=info || true
else
  trap - EXIT
  PYTHONPATH=$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH} exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$CONF" --log-level=info
fi
