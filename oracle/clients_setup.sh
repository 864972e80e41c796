#!/usr/bin/env bash
# Build the real clients that tests/test_clients.py drives against `lco-validate serve`:
# TOM Toolkit and AEONlib, each in its own Python 3.12 virtual environment (both need
# 3.12; the project runs on 3.11), under oracle/clients/ (git ignores every .venv).
# Idempotent and quick when done: an environment with the pinned version is kept.
#
#   bash oracle/clients_setup.sh     # then: .venv/bin/python -m pytest tests/test_clients.py
#
# CLIENTS_PYTHON names the interpreter to build them with (default: a Python 3.12 found
# on PATH or among pyenv's versions).  The clients are test material only: lco_validate
# never imports them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

TOMTOOLKIT_VERSION="3.1.0"
AEONLIB_VERSION="0.2.0"

say() { printf 'clients: %s\n' "$*" >&2; }

# A Python 3.12: pyenv's shim named python3.12 exists but fails unless that version is
# selected, so each candidate is asked to run, not only looked up.
find_python() {
    local candidate
    for candidate in "${CLIENTS_PYTHON:-}" python3.12 \
        "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.12*/bin/python3.12; do
        [[ -n "$candidate" ]] || continue
        if "$candidate" -c 'import sys, venv; assert sys.version_info[:2] == (3, 12)' 2>/dev/null
        then
            command -v "$candidate" || echo "$candidate"
            return 0
        fi
    done
    return 1
}

# build NAME DISTRIBUTION VERSION: clients/NAME/.venv with DISTRIBUTION==VERSION.
build() {
    local name="$1" distribution="$2" version="$3"
    local python="clients/$name/.venv/bin/python"
    if [[ -x "$python" ]] && [[ "$("$python" -c "import importlib.metadata as m; \
print(m.version('$distribution'))" 2>/dev/null)" == "$version" ]]; then
        return 0
    fi
    say "creating oracle/clients/$name/.venv with $("$base" --version) and $distribution $version"
    rm -rf "clients/$name/.venv"
    mkdir -p "clients/$name"
    "$base" -m venv "clients/$name/.venv"
    # (This machine's pip lists extra local indexes; their "ignored" warnings are noise.)
    "$python" -m pip install --quiet --disable-pip-version-check "$distribution==$version" \
        2> >(grep -v "^WARNING: Location" >&2)
}

if ! base="$(find_python)"; then
    say "no Python 3.12 found (set CLIENTS_PYTHON to one)"
    exit 1
fi

# The two are independent: build them side by side; either failing fails the script.
build tom tomtoolkit "$TOMTOOLKIT_VERSION" &
tom=$!
build aeonlib aeonlib "$AEONLIB_VERSION" &
aeonlib=$!
wait "$tom"
wait "$aeonlib"
say "ready: $(clients/tom/.venv/bin/python -c 'import importlib.metadata as m; \
print("tomtoolkit", m.version("tomtoolkit"))'), $(clients/aeonlib/.venv/bin/python -c \
'import importlib.metadata as m; print("aeonlib", m.version("aeonlib"))')"
