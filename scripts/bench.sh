#!/usr/bin/env bash
# Benchmarks in bench/ against a throw-away database with rma_unex installed
# (no demo data). Extra arguments go to the benchmark (e.g. --sizes 1000,10000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

check_odoo
ensure_venv
ensure_postgres

DB=rma_unex_bench_$$
CONF=$RUN/bench-$$.conf
LOG=$RUN/logs/install-$DB.log
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  dropdb --if-exists "$DB" >/dev/null 2>&1 || true
  rm -rf "$RUN/data/filestore/$DB" "$CONF"
  stop_private_postgres_if_started
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

write_odoo_conf "$CONF" "$DB" "$(free_port)"
say "Installing rma_unex (without demo data) into $DB ..."
odoo_bin -c "$CONF" -d "$DB" -i rma_unex --without-demo=all --stop-after-init >"$LOG" 2>&1 \
  || die "install failed, see $LOG"
cd "$ROOT"
rc=0
PYTHONPATH=$ODOO_SRC "$VENV/bin/python" bench/warranty_lookup.py --config "$CONF" --database "$DB" "$@" || rc=$?
PYTHONPATH=$ODOO_SRC:$ROOT/bench "$VENV/bin/python" bench/register_xlsx.py --config "$CONF" --database "$DB" \
  ${RMA_UNEX_REGISTER_SIZES:+--sizes "$RMA_UNEX_REGISTER_SIZES"} || rc=$?
exit "$rc"
