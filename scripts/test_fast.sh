#!/usr/bin/env bash
# The quick developer loop: run rma_unex's unit tests on a kept database.
# The database (rma_unex_dev, or RMA_UNEX_DEV_DB) is installed with demo data
# on first use and updated (-u rma_unex) when the addon's code, views or data
# changed since the last run; test files alone never trigger an update, so a
# change to one test file runs in seconds. No lint, no system tests: make test
# is the whole thing and is what CI runs.
# Arguments go to pytest: make test-fast ARGS="rma_unex/tests/test_tsr.py -k mac"
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DB=${RMA_UNEX_DEV_DB:-rma_unex_dev}
CONF=$RUN/$DB.conf
STAMP=$RUN/$DB.addon.sha256

check_odoo
ensure_apt chromium:chromium wkhtmltopdf:wkhtmltopdf pdftotext:poppler-utils
ensure_cjk_font
ensure_venv
ensure_wkhtmltopdf
ensure_postgres
trap stop_private_postgres_if_started EXIT

# Everything Odoo loads from the addon, test modules excepted (pytest imports
# those itself); tours live under static/ and are part of it.
addon_sum() {
  (cd "$ROOT" && git ls-files -co --exclude-standard rma_unex \
    | grep -v '^rma_unex/tests/' | sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
}

write_odoo_conf "$CONF" "$DB" "$(free_port)"
sum=$(addon_sum)
if ! db_exists "$DB" || [[ $(module_state "$DB" rma_unex) != installed ]]; then
  dropdb --if-exists "$DB" >/dev/null 2>&1 || true
  install_addon "$CONF" "$DB" "$RUN/logs/install-$DB.log"
  echo "$sum" >"$STAMP"
elif [[ ! -f $STAMP || $(cat "$STAMP") != "$sum" ]]; then
  say "rma_unex changed since the last run: updating $DB ..."
  t0=$(date +%s)
  log=$RUN/logs/update-$DB.log
  odoo_bin -c "$CONF" -d "$DB" -u rma_unex --stop-after-init >"$log" 2>&1 \
    || die "update of $DB failed, see $log (dropdb $DB to start afresh)"
  if grep -Eq '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log"; then
    grep -E ' (ERROR|CRITICAL) ' "$log" | head -20 >&2
    die "update of $DB logged errors, see $log"
  fi
  say "Update took $(($(date +%s) - t0))s"
  echo "$sum" >"$STAMP"
fi

cd "$ROOT"
PYTHONPATH=$ODOO_SRC:$ROOT/scripts "$VENV/bin/pytest" \
  --rootdir="$ROOT" -p pytest_noskip \
  --odoo-database="$DB" --odoo-config="$CONF" --odoo-http \
  -q -rfEs "${@:-rma_unex/tests}"
