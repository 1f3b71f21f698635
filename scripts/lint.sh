#!/usr/bin/env bash
# Static checks of the rma_unex addon: pylint + pylint-odoo (Python, manifest,
# SQL injection, translations) and OCA's odoo-pre-commit-hooks (XML, CSV, PO),
# which pylint-odoo >= 9 no longer covers. Exits non-zero on any finding.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_venv
cd "$ROOT"
ADDON=${1:-rma_unex}
[[ -f $ADDON/__manifest__.py ]] || die "no Odoo addon at $ROOT/$ADDON"
rc=0

echo "== pylint (pylint-odoo, .pylintrc) on $ADDON"
color=(); [[ -t 1 ]] && color=(--output-format=colorized)
"$VENV/bin/pylint" --rcfile=.pylintrc "${color[@]}" "$ADDON" || rc=1

# Disabled: OCA publishing/formatting conventions, not correctness (README
# format, Weblate name length, the exact spelling of the <?xml ?> header, and
# <field name="sequence">10</field> without eval=, which Odoo converts anyway).
echo "== oca-checks-odoo-module (XML, CSV, manifest data files) on $ADDON"
"$VENV/bin/oca-checks-odoo-module" \
  --disable=prefer-readme-rst,weblate-component-too-long,xml-header-missing,xml-header-wrong,xml-field-numeric-without-eval \
  "$ADDON" 2> >(grep -v '^fatal: not a git repository' >&2) || rc=1

mapfile -t po < <(find "$ADDON" -name '*.po' -o -name '*.pot' | sort)
if [[ ${#po[@]} -gt 0 ]]; then
  echo "== oca-checks-po on ${#po[@]} translation file(s)"
  "$VENV/bin/oca-checks-po" --disable=po-pretty-format "${po[@]}" || rc=1
fi

if [[ $rc == 0 ]]; then echo "lint: no findings"; else say "lint: findings above"; fi
exit "$rc"
