#!/usr/bin/env bash
# Create or update the Rasa environment: Rasa Open Source 3.6 and rasa_sdk 3.6 on Python 3.10.
#
# Rasa 3.6 does not run on the bot's Python 3.11 and pins old SQLAlchemy, aiohttp and pydantic,
# so it gets a virtual environment of its own and runs as a separate process.
# Idempotent: a stamp records what was installed; a second run with nothing changed returns at
# once.
#
#   RASA_VENV    where the environment lives (default: .venv-rasa at the repository root)
#   RASA_PYTHON  a Python 3.10 interpreter (default: python3.10 on PATH, else pyenv's 3.10)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${RASA_VENV:-$ROOT/.venv-rasa}"
CONSTRAINTS="$ROOT/scripts/rasa-constraints.txt"
RASA_VERSION="3.6.21"
RASA_SDK_VERSION="3.6.2"
# The action server's tests (actions/tests) run in this environment, where rasa_sdk lives.
TEST_PACKAGES="pytest==8.4.2 pytest-asyncio==1.5.0"

find_python() {
    if [[ -n "${RASA_PYTHON:-}" ]]; then
        echo "$RASA_PYTHON"
        return
    fi
    if command -v python3.10 >/dev/null 2>&1 && python3.10 -c "" >/dev/null 2>&1; then
        command -v python3.10
        return
    fi
    if command -v pyenv >/dev/null 2>&1; then
        local version
        version="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -V | tail -n 1 || true)"
        if [[ -n "$version" ]]; then
            PYENV_VERSION="$version" pyenv which python3.10
            return
        fi
    fi
    echo "rasa-env: no Python 3.10 found; install one (e.g. 'pyenv install 3.10') or set RASA_PYTHON" >&2
    exit 1
}

PYTHON="$(find_python)"
if [[ "$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "3.10" ]]; then
    echo "rasa-env: $PYTHON is not Python 3.10 (Rasa $RASA_VERSION needs 3.10)" >&2
    exit 1
fi

stamp="$VENV/.outreach-rasa-env"
wanted="rasa==$RASA_VERSION rasa-sdk==$RASA_SDK_VERSION $TEST_PACKAGES $(sha256sum "$CONSTRAINTS" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" && -x "$VENV/bin/rasa" ]]; then
    echo "rasa-env: $VENV is up to date (rasa $RASA_VERSION)" >&2
    exit 0
fi

started=$SECONDS
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "rasa-env: creating $VENV with $("$PYTHON" --version)" >&2
    "$PYTHON" -m venv "$VENV"
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=24"
echo "rasa-env: installing rasa $RASA_VERSION and rasa-sdk $RASA_SDK_VERSION (a few minutes)" >&2
"$VENV/bin/python" -m pip install --quiet -c "$CONSTRAINTS" \
    "rasa==$RASA_VERSION" "rasa-sdk==$RASA_SDK_VERSION" "setuptools" $TEST_PACKAGES
"$VENV/bin/python" -m pip check >&2
echo "$wanted" >"$stamp"
echo "rasa-env: ready in $((SECONDS - started)) s: $VENV" >&2
