#!/usr/bin/env bash
# The lint gate: pre-commit with the local hooks of .pre-commit-config.yaml
# (OCA module / PO checks, README generated from readme/, pylint-odoo, ruff,
# XML / CSV / whitespace checks) on every tracked file, with the pinned tools
# of .venv. Exits non-zero on any finding. Arguments go to `pre-commit run`,
# e.g. `bash scripts/lint.sh ruff` runs one hook; SKIP=pylint-odoo skips one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_venv
cd "$ROOT"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 \
  || die "lint needs a git checkout: pre-commit checks the tracked files"

# Hooks are `language: system` and find python, pylint, ruff... on PATH; the
# pre-commit store stays in the git-ignored .run, not in $HOME.
export PATH=$VENV/bin:$PATH
export PRE_COMMIT_HOME=$RUN/pre-commit
mkdir -p "$PRE_COMMIT_HOME"

# pre-commit fails a hook when the work tree changes while it runs, which
# happens whenever someone edits this checkout meanwhile. So lint a snapshot:
# the files as they are now (tracked ones with their uncommitted edits, and
# new ones git does not ignore), in a throw-away repository. It never stashes
# or touches this checkout; in CI's fresh clone it is simply the clone.
snap=$(mktemp -d "${TMPDIR:-/tmp}/rma_unex_lint.XXXXXX")
trap 'rm -rf "$snap"' EXIT
git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$snap"
git -C "$snap" init -q && git -C "$snap" add -A
cd "$snap"
rc=0
pre-commit run --all-files "$@" || rc=$?
if [[ $rc == 0 ]]; then echo "lint: no findings"; else say "lint: findings above"; fi
exit "$rc"
