#!/usr/bin/env bash
# Build the real-portal test oracle: PostgreSQL, a Python 3.11 venv with the LCO
# Observation Portal, and its migrated database.  Idempotent: run it again to
# start PostgreSQL after a reboot; finished steps are skipped.
#
#   bash oracle/setup.sh        # then: .venv/bin/python -m pytest -m oracle
#
# Needs root for apt-get and for starting the system's PostgreSQL cluster (CI
# runs as root).  The portal is a test oracle only: lco_validate never imports it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

PORTAL_VERSION="4.18.10"
RISE_SET_VERSION="0.6.6"
export DB_NAME="${DB_NAME:-lco_oracle}" DB_USER="${DB_USER:-lco_oracle}" \
       DB_PASSWORD="${DB_PASSWORD:-lco_oracle}" DB_HOST="${DB_HOST:-127.0.0.1}" DB_PORT="${DB_PORT:-5432}"

say() { printf 'oracle: %s\n' "$*" >&2; }

# 1. System packages: PostgreSQL (the portal's models need it: ArrayField,
#    __contains lookups) and gfortran (pyslalib, under ocs-rise-set, has no
#    wheel for every platform and then builds from Fortran source).
missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v gfortran >/dev/null || missing+=(gfortran)
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. PostgreSQL running, with our role and database.
read -r pg_version pg_cluster pg_status < <(pg_lsclusters --no-header | awk 'NR==1 {print $1, $2, $4}')
if [[ "$pg_status" != online* ]]; then
    say "starting PostgreSQL $pg_version/$pg_cluster"
    pg_ctlcluster "$pg_version" "$pg_cluster" start
fi
psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"; }
if [[ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]]; then
    psql_admin -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
fi
if [[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]]; then
    psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
fi

# 3. The portal in its own venv (it requires Python < 3.12).
python=".venv/bin/python"
if ! "$python" -c "import observation_portal, rise_set" 2>/dev/null \
   || [[ "$("$python" -c 'import importlib.metadata as m; print(m.version("django-ocs-observation-portal"))')" != "$PORTAL_VERSION" ]]; then
    base="${ORACLE_PYTHON:-python3.11}"
    command -v "$base" >/dev/null || base=python3
    say "creating oracle/.venv with $("$base" --version) and the portal $PORTAL_VERSION"
    "$base" -m venv .venv
    "$python" -m pip install --quiet --upgrade pip
    # (This machine's pip lists extra local indexes; their "ignored" warnings are noise.)
    "$python" -m pip install --quiet "django-ocs-observation-portal==$PORTAL_VERSION" \
        "ocs-rise-set==$RISE_SET_VERSION" 2> >(grep -v "^WARNING: Location" >&2)
fi

# 4. Schema and the fixed records (user, proposal, semesters, allocations).
"$python" portal_worker.py --prepare
say "ready: $("$python" -c 'import importlib.metadata as m; print("portal", m.version("django-ocs-observation-portal"), "rise_set", m.version("ocs-rise-set"))')"
