#!/usr/bin/env bash
# Translations of rma_unex: regenerate i18n/rma_unex.pot from the code, merge
# it into every i18n/*.po and report what is still untranslated.
#
#   scripts/i18n.sh              export from a throw-away database (~2 min)
#   scripts/i18n.sh --db NAME    export from NAME, where rma_unex is installed
#                                and up to date, *without* demo data
#   scripts/i18n.sh --check      no export: only report on the .po files
#
# The template comes from a database without demo data: demo records would
# otherwise leak their names into it. Exit status 1 when a .po file has
# untranslated or fuzzy entries, or fails `msgfmt --check`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ADDON=rma_unex
I18N=$ROOT/$ADDON/i18n
POT=$I18N/$ADDON.pot
DB=""
EXPORT=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --db) DB=${2:?--db needs a database name}; shift 2 ;;
    --check) EXPORT=0; shift ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" 2 ;;
  esac
done

ensure_apt msgmerge:gettext

# Globals, for the EXIT trap.
OWN_DB=0 CONF="" TMP_POT=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ $OWN_DB == 1 ]]; then
    dropdb --if-exists "$DB" >/dev/null 2>&1 || say "warning: could not drop $DB"
    rm -rf "$RUN/data/filestore/$DB"
  fi
  rm -f "$CONF" "$TMP_POT"
  stop_private_postgres_if_started
  exit "$rc"
}

export_pot() {
  local log
  check_odoo
  ensure_venv
  ensure_postgres
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  if [[ -z $DB ]]; then
    DB=${ADDON}_i18n_$$
    OWN_DB=1
  fi
  CONF=$RUN/i18n-$$.conf
  TMP_POT=$(mktemp --suffix=.pot)
  log=$RUN/logs/i18n-$DB.log
  write_odoo_conf "$CONF" "$DB" "$(free_port)"
  mkdir -p "$(dirname "$log")"
  if [[ $OWN_DB == 1 ]]; then
    say "Installing $ADDON without demo data into $DB (log: $log) ..."
    odoo_bin -c "$CONF" -d "$DB" -i "$ADDON" --without-demo=all --stop-after-init >"$log" 2>&1 \
      || die "install of $ADDON failed, see $log"
  fi
  [[ $(module_state "$DB" "$ADDON") == installed ]] || die "$ADDON is not installed in $DB"
  [[ $(psql -X -At -d "$DB" -c "select demo from ir_module_module where name = '$ADDON'") == f ]] \
    || die "$DB has the demo data of $ADDON: its strings would leak into the template"
  say "Exporting the template from $DB ..."
  odoo_bin -c "$CONF" -d "$DB" --i18n-export="$TMP_POT" --modules="$ADDON" >>"$log" 2>&1 \
    || die "export failed, see $log"
  grep -q '^msgid ' "$TMP_POT" || die "the exported template is empty, see $log"
  mkdir -p "$I18N"
  cp "$TMP_POT" "$POT"
  say "Wrote ${POT#"$ROOT"/} ($(grep -c '^msgid ' "$POT") entries with the header)"
}

merge_po() {
  local po=$1
  # No fuzzy matching: a guessed translation of a changed string is worse
  # than none. Entries gone from the code are dropped, not kept as obsolete.
  msgmerge --quiet --no-fuzzy-matching --update --backup=none "$po" "$POT"
  msgattrib --no-obsolete --output-file="$po" "$po"
}

# list_msgids PREFIX — one line per msgid of a .po on stdin (header skipped),
# its continuation lines joined.
list_msgids() {
  awk -v prefix="$1" '
    /^msgid / { id = substr($0, 7); inid = 1; next }
    inid && /^"/ { id = id $0; next }
    inid { inid = 0; gsub(/""/, "", id); if (id != "") print prefix id }
  '
}

report_po() {
  local po=$1 stats untranslated fuzzy ok=0
  # --check validates the header and the placeholders of c/python-format entries.
  stats=$(msgfmt --check --statistics --output-file=/dev/null "$po" 2>&1) || ok=1
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
  # Both counts include the header entry when anything is listed.
  ((untranslated > 0)) && untranslated=$((untranslated - 1))
  ((fuzzy > 0)) && fuzzy=$((fuzzy - 1))
  echo "${po#"$ROOT"/}: $stats"
  if ((untranslated + fuzzy > 0)); then
    ok=1
    echo "  $untranslated untranslated, $fuzzy fuzzy:"
    msgattrib --untranslated --no-obsolete --no-wrap "$po" | list_msgids "    "
    msgattrib --only-fuzzy --no-obsolete --no-wrap "$po" | list_msgids "    (fuzzy) "
  fi
  return "$ok"
}

[[ $EXPORT == 0 ]] || export_pot
[[ -f $POT ]] || die "no template at ${POT#"$ROOT"/}: run without --check first"

mapfile -t pos < <(find "$I18N" -name '*.po' | sort)
rc=0
for po in "${pos[@]}"; do
  [[ $EXPORT == 0 ]] || merge_po "$po"
  report_po "$po" || rc=1
done
if [[ $rc == 0 ]]; then
  echo "i18n: every entry of ${#pos[@]} .po file(s) is translated"
else
  say "i18n: untranslated or invalid entries above"
fi
exit "$rc"
