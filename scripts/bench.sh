#!/usr/bin/env bash
# Benchmarks in bench/ against a throw-away database with rma_unex installed
# (no demo data) and, side by side, OCA's `rma` (18.0 wheel, downloaded into
# .run/bench-addons and added to this database's addons path only: never a
# dependency of rma_unex). Prints the details of each benchmark, then one
# table. Writes nothing into the repository outside the git-ignored .run/.
#   RMA_UNEX_BENCH_SIZES     delivered serials (default 1000,100000)
#   RMA_UNEX_BENCH_RETURNS   returns per batch (default 10,100)
#   RMA_UNEX_REGISTER_SIZES  xlsx register rows (default 10000,100000)
#   RMA_UNEX_FORM_SIZES      RMA application form rows (default 100,1000)
#   RMA_UNEX_LARGE_SIZES     units of one large case (default 50,500)
#   RMA_UNEX_PORTAL_SESSIONS portal sessions at once on a 4-worker server
#                            (default 50; 0 leaves the portal load out)
#   RMA_UNEX_PORTAL_SECONDS  how long they browse (default 60)
#   RMA_UNEX_CRON_SIZE       due records per scheduled action (default 10000)
#   RMA_UNEX_BENCH_OCA=0     without OCA rma
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

check_odoo
ensure_venv
ensure_wkhtmltopdf
ensure_postgres

OCA_RMA_SPEC='odoo-addon-rma==18.0.*'
BENCH_ADDONS=$RUN/bench-addons

DB=rma_unex_bench_$$
CONF=$RUN/bench-$$.conf
LOG=$RUN/logs/install-$DB.log
OUT=$(mktemp -d)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  dropdb --if-exists "$DB" >/dev/null 2>&1 || true
  rm -rf "$RUN/data/filestore/$DB" "$CONF" "$OUT"
  stop_private_postgres_if_started
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# OCA rma (and only it: its manifest depends on stock_account alone).
oca_rma_path() {
  local wheel dir=$BENCH_ADDONS/rma
  if [[ ! -f $dir/odoo/addons/rma/__manifest__.py ]]; then
    mkdir -p "$BENCH_ADDONS" "$RUN/logs"
    say "Downloading OCA rma ($OCA_RMA_SPEC) into $BENCH_ADDONS ..."
    "$VENV/bin/python" -m pip download --disable-pip-version-check --no-deps -q \
      -d "$BENCH_ADDONS" "$OCA_RMA_SPEC" >"$RUN/logs/pip-bench.log" 2>&1 \
      || die "pip download $OCA_RMA_SPEC failed, see $RUN/logs/pip-bench.log"
    wheel=$(ls -t "$BENCH_ADDONS"/odoo_addon_rma-18.0.*.whl | head -1)
    rm -rf "$dir" && mkdir -p "$dir"
    "$VENV/bin/python" -m zipfile -e "$wheel" "$dir"
  fi
  echo "$dir/odoo/addons"
}

write_odoo_conf "$CONF" "$DB" "$(free_port)"
modules=rma_unex
if [[ ${RMA_UNEX_BENCH_OCA:-1} != 0 ]]; then
  oca=$(oca_rma_path)
  sed -i "s|^addons_path = .*|&,$oca|" "$CONF"
  modules=rma_unex,rma
fi
say "Installing $modules (without demo data) into $DB ..."
odoo_bin -c "$CONF" -d "$DB" -i "$modules" --without-demo=all --stop-after-init >"$LOG" 2>&1 \
  || die "install failed, see $LOG"
cd "$ROOT"
rc=0
PYTHONPATH=$ODOO_SRC:$ROOT/bench "$VENV/bin/python" bench/suite.py --config "$CONF" \
  --database "$DB" --json "$OUT/suite.json" \
  ${RMA_UNEX_BENCH_SIZES:+--sizes "$RMA_UNEX_BENCH_SIZES"} \
  ${RMA_UNEX_BENCH_RETURNS:+--returns "$RMA_UNEX_BENCH_RETURNS"} "$@" || rc=$?
PYTHONPATH=$ODOO_SRC:$ROOT/bench "$VENV/bin/python" bench/register_xlsx.py --config "$CONF" \
  --database "$DB" --json "$OUT/register.json" \
  ${RMA_UNEX_REGISTER_SIZES:+--sizes "$RMA_UNEX_REGISTER_SIZES"} || rc=$?
PYTHONPATH=$ODOO_SRC:$ROOT/bench "$VENV/bin/python" bench/application_form.py --config "$CONF" \
  --database "$DB" --json "$OUT/application_form.json" \
  ${RMA_UNEX_FORM_SIZES:+--sizes "$RMA_UNEX_FORM_SIZES"} || rc=$?
PYTHONPATH=$ODOO_SRC:$ROOT/bench "$VENV/bin/python" bench/large_case.py --config "$CONF" \
  --database "$DB" --json "$OUT/large_case.json" \
  ${RMA_UNEX_LARGE_SIZES:+--sizes "$RMA_UNEX_LARGE_SIZES"} || rc=$?
if [[ ${RMA_UNEX_PORTAL_SESSIONS:-50} != 0 ]]; then
  PYTHONPATH=$ODOO_SRC:$ROOT/bench "$VENV/bin/python" bench/portal_load.py --config "$CONF" \
    --database "$DB" --json "$OUT/portal_load.json" \
    --sessions "${RMA_UNEX_PORTAL_SESSIONS:-50}" \
    ${RMA_UNEX_PORTAL_SECONDS:+--seconds "$RMA_UNEX_PORTAL_SECONDS"} || rc=$?
fi
PYTHONPATH=$ODOO_SRC:$ROOT/bench "$VENV/bin/python" bench/cron_batches.py --config "$CONF" \
  --database "$DB" --json "$OUT/cron_batches.json" \
  ${RMA_UNEX_CRON_SIZE:+--size "$RMA_UNEX_CRON_SIZE"} || rc=$?
if [[ -f $OUT/suite.json ]]; then
  "$VENV/bin/python" bench/table.py "$OUT/suite.json" \
    "$( [[ -f $OUT/register.json ]] && echo "$OUT/register.json")" || rc=$?
fi
exit "$rc"
