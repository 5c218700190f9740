# shellcheck shell=bash
# Shared set-up for scripts/run, scripts/test and scripts/api-key.
# Sourced, not executed: it sets up what is missing and exports what the
# callers need (VENV, ODOO_BIN, ODOO_RC, DB_* variables).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC_EXPLICIT="${ODOO_SRC:+1}"
ODOO_SRC="${ODOO_SRC:-/opt/odoo/18.0}"
VENV="${VENV:-$REPO_ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
STATE_DIR="$REPO_ROOT/.state"
ODOO_RC="$STATE_DIR/odoo.conf"
ODOO_NIGHTLY_URL="${ODOO_NIGHTLY_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}"

die() { echo "error: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

ensure_python() {
    command -v "$PYTHON" >/dev/null || die "no $PYTHON found: install Python 3.10-3.12 (apt-get install python3 python3-venv python3-dev)"
    "$PYTHON" - <<'PY' || die "Odoo 18.0 needs Python 3.10 to 3.12: set PYTHON to such an interpreter"
import sys
sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)
PY
}

ensure_odoo_source() {
    if [ -f "$ODOO_SRC/odoo/release.py" ]; then
        grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" \
            || die "the source at $ODOO_SRC is not Odoo 18.0: set ODOO_SRC to an Odoo 18.0 source tree"
        return
    fi
    if [ -n "${ODOO_SRC_EXPLICIT:-}" ]; then
        die "no Odoo 18.0 source at $ODOO_SRC: set ODOO_SRC to an Odoo 18.0 source tree"
    fi
    step "no Odoo 18.0 source at $ODOO_SRC: downloading the official 18.0 nightly source archive"
    local dest="$STATE_DIR/odoo-src"
    mkdir -p "$dest"
    if ! curl -fsSL "$ODOO_NIGHTLY_URL" | tar -xz -C "$dest" --strip-components=1; then
        die "no Odoo 18.0 source at $ODOO_SRC and the nightly archive could not be downloaded: set ODOO_SRC to an Odoo 18.0 source tree"
    fi
    ODOO_SRC="$dest"
}

pip_install() {
    # Some machines list local package folders that do not exist; pip says so on every
    # package: keep the rest of its messages.
    PIP_CONSTRAINT="$STATE_DIR/pip-constraints.txt" "$VENV/bin/pip" install -q \
        --disable-pip-version-check "$@" 2> >(grep -v "is ignored: it is neither" >&2)
}

ensure_venv() {
    local stamp="$VENV/.iot-setup-stamp"
    local want
    want="$(cat "$REPO_ROOT/requirements.txt" "$REPO_ROOT/scripts/_env.sh" "$ODOO_SRC/requirements.txt" | sha1sum | cut -d' ' -f1) $ODOO_SRC"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        step "creating the virtual environment $VENV"
        "$PYTHON" -m venv "$VENV" || die "cannot create a virtual environment: apt-get install python3-venv"
    fi
    local constraints="$STATE_DIR/pip-constraints.txt"
    # cbor2==5.4.2 (pinned by Odoo for Python < 3.12) only builds with an old setuptools.
    echo "setuptools<70" >"$constraints"
    # python-ldap needs the LDAP headers and only serves auth_ldap, which we do not use.
    grep -v -i '^python-ldap' "$ODOO_SRC/requirements.txt" >"$STATE_DIR/odoo-requirements.txt"
    step "installing Odoo's requirements"
    pip_install "setuptools<70" wheel || die "pip could not install setuptools"
    pip_install -r "$STATE_DIR/odoo-requirements.txt" || die "pip could not install Odoo's requirements"
    step "installing Odoo 18.0 from $ODOO_SRC"
    pip_install --no-build-isolation --no-deps -e "$ODOO_SRC" || die "pip could not install Odoo from $ODOO_SRC"
    step "installing requirements.txt"
    pip_install -r "$REPO_ROOT/requirements.txt" || die "pip could not install requirements.txt"
    echo "$want" >"$stamp"
}

APT_UPDATED=""
apt_install() {
    # Debian packages, as root; the package lists are refreshed once per run.
    if [ -z "$APT_UPDATED" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_browser() {
    # The tours and the every-view test drive a headless Chromium (Odoo's HttpCase looks
    # for google-chrome, chromium or chromium-browser on the PATH).
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" >/dev/null && return
    done
    [ "$(id -u)" = 0 ] || die "Chromium is not installed: run 'sudo apt-get install chromium'"
    step "installing Chromium"
    apt_install chromium || die "apt-get could not install chromium"
}

ensure_pdf_tools() {
    # Odoo prints PDF reports (the fleet usage statement, invoices) with wkhtmltopdf.
    command -v wkhtmltopdf >/dev/null && return
    [ "$(id -u)" = 0 ] || die "wkhtmltopdf is not installed: run 'sudo apt-get install wkhtmltopdf'"
    step "installing wkhtmltopdf (PDF reports)"
    apt_install wkhtmltopdf || die "apt-get could not install wkhtmltopdf"
}

ensure_postgres() {
    # An external server when PG* variables say so; otherwise the local one.
    if [ -n "${PGHOST:-}" ]; then
        DB_HOST="$PGHOST"
        DB_PORT="${PGPORT:-5432}"
        DB_USER="${PGUSER:-odoo}"
        DB_PASSWORD="${PGPASSWORD:-}"
        return
    fi
    DB_HOST=127.0.0.1
    DB_PORT="${PGPORT:-5432}"
    DB_USER="${PGUSER:-odoo}"
    DB_PASSWORD="${PGPASSWORD:-odoo}"
    [ "$DB_USER" != "postgres" ] || die "Odoo must not run as the database superuser: set PGUSER to another role"
    if ! command -v pg_lsclusters >/dev/null; then
        [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed: run 'sudo apt-get install postgresql' or set PGHOST"
        step "installing PostgreSQL"
        apt_install postgresql
    fi
    local cluster
    cluster="$(pg_lsclusters -h | awk -v p="$DB_PORT" '$3 == p {print $1" "$2" "$4; exit}')"
    if [ -z "$cluster" ]; then
        [ "$(id -u)" = 0 ] || die "no PostgreSQL cluster on port $DB_PORT: create one (pg_createcluster) or set PGHOST"
        local ver
        ver="$(ls /usr/lib/postgresql | sort -n | tail -1)"
        step "creating a PostgreSQL $ver cluster on port $DB_PORT"
        pg_createcluster -p "$DB_PORT" "$ver" main >/dev/null
        cluster="$ver main down"
    fi
    set -- $cluster
    if [ "$3" != "online" ]; then
        step "starting PostgreSQL $1/$2"
        if [ "$(id -u)" = 0 ]; then
            pg_ctlcluster "$1" "$2" start || die "PostgreSQL $1/$2 did not start: see /var/log/postgresql/"
        else
            sudo -n pg_ctlcluster "$1" "$2" start 2>/dev/null \
                || die "PostgreSQL $1/$2 is not running: run 'sudo pg_ctlcluster $1 $2 start' or set PGHOST"
        fi
    fi
    if ! PGPASSWORD="$DB_PASSWORD" psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        step "creating the PostgreSQL role $DB_USER"
        local as_pg=(runuser -u postgres --)
        [ "$(id -u)" = 0 ] || as_pg=(sudo -n -u postgres)
        "${as_pg[@]}" psql -p "$DB_PORT" -v ON_ERROR_STOP=1 -qc "
            DO \$\$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
                CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
              ELSE
                ALTER ROLE \"$DB_USER\" LOGIN CREATEDB NOSUPERUSER PASSWORD '$DB_PASSWORD';
              END IF;
            END \$\$;" >/dev/null \
            || die "cannot create the PostgreSQL role $DB_USER: create it (LOGIN CREATEDB) or set PGUSER/PGPASSWORD"
    fi
}

write_config() {
    mkdir -p "$STATE_DIR/data"
    cat >"$ODOO_RC" <<CONF
[options]
addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$REPO_ROOT
data_dir = $STATE_DIR/data
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
admin_passwd = ${ODOO_ADMIN_PASSWD:-admin}
list_db = False
without_demo = False
server_wide_modules = base,web,queue_job

[queue_job]
channels = root:1
CONF
    export ODOO_RC
}

iot_addons() {
    # Our addons, in the repository's top level, in dependency order.
    local names=()
    for d in iot_fleet iot_usage iot_contract_billing iot_receivables; do
        [ -f "$REPO_ROOT/$d/__manifest__.py" ] && names+=("$d")
    done
    local IFS=,
    echo "${names[*]}"
}

setup_all() {
    mkdir -p "$STATE_DIR"
    ensure_python
    ensure_odoo_source
    ensure_venv
    ensure_pdf_tools
    ensure_postgres
    write_config
    ODOO_BIN="$ODOO_SRC/odoo-bin"
    export ODOO_SRC VENV ODOO_BIN DB_HOST DB_PORT DB_USER DB_PASSWORD
}

odoo_cmd() {
    "$VENV/bin/python" "$ODOO_BIN" -c "$ODOO_RC" "$@"
}
