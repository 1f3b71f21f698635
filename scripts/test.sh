#!/usr/bin/env bash
# Install rma_unex with demo data into a throw-away database, then run its
# tests with pytest-odoo. Extra arguments go to pytest (make test ARGS="-k mac").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

check_odoo
# HttpCase tours need a browser and PDF reports need wkhtmltopdf; without a
# browser Odoo *skips* tours, which pytest_noskip turns into a failure anyway.
# The zh_TW tests read the PDF text back with pdftotext.
ensure_apt chromium:chromium wkhtmltopdf:wkhtmltopdf pdftotext:poppler-utils
ensure_cjk_font
ensure_venv
ensure_postgres

DB=rma_unex_test_$$
CONF=$RUN/test-$$.conf
LOG=$RUN/logs/install-$DB.log

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  dropdb --if-exists "$DB" >/dev/null 2>&1 || say "warning: could not drop $DB"
  rm -rf "$RUN/data/filestore/$DB" "$CONF"
  [[ $rc != 0 ]] || rm -f "$LOG"   # keep the install log only when it matters
  stop_private_postgres_if_started
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # run cleanup on Ctrl-C / kill as well

# The port only matters for this config: pytest-odoo >= 2.3 picks its own free
# port for the HTTP server; a free one keeps a running demo on 8069 safe anyway.
write_odoo_conf "$CONF" "$DB" "$(free_port)"
install_addon "$CONF" "$DB" "$LOG"

cd "$ROOT"
paths=(rma_unex/tests)
[[ -d tests ]] && paths+=(tests)
say "Running pytest on ${paths[*]} against $DB ..."
t0=$(date +%s)
rc=0
# scripts/ on PYTHONPATH so `-p pytest_noskip` can import the plugin early.
PYTHONPATH=$ODOO_SRC:$ROOT/scripts "$VENV/bin/pytest" \
  --rootdir="$ROOT" -p pytest_noskip \
  --odoo-database="$DB" --odoo-config="$CONF" --odoo-http \
  -q -rfEs "${paths[@]}" "$@" || rc=$?
say "Test suite took $(($(date +%s) - t0))s (pytest exit $rc)"
if [[ $rc == 5 ]]; then
  say "ERROR: pytest collected no tests: that counts as a failure."
fi
# Lint is part of the test command, so CI refuses code that does not pass it.
lint_rc=0
bash "$ROOT/scripts/lint.sh" || lint_rc=$?
[[ $rc != 0 ]] || rc=$lint_rc
exit "$rc"
