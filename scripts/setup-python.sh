#!/usr/bin/env bash
# Creates the notebooks' Python environment, .venv at the repository root, from
# notebooks/requirements.txt: what the notebooks import, pytest with nbmake to run them
# headless, and JupyterLab to open them (`.venv/bin/jupyter lab notebooks/`). Idempotent:
# when .venv already holds exactly these requirements (a hash of the file and of the
# interpreter's version is stored in .venv), it does nothing. Needs only python3 and network
# access to PyPI; no apt packages.
#
#   scripts/setup-python.sh            # PYTHON=python3.11 scripts/setup-python.sh to choose
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
requirements="$root/notebooks/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

want="$({ cat "$requirements"; "$python" --version 2>&1; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$venv/bin/python" -c '' 2>/dev/null; then
    echo "setup-python: .venv is up to date"
    exit 0
fi

if ! "$venv/bin/python" -c '' 2>/dev/null; then
    rm -rf "$venv"
    echo "setup-python: creating .venv with $("$python" --version 2>&1)"
    # Some distributions ship python3 without ensurepip, so venv cannot install pip: fall
    # back to virtualenv, which brings its own.
    if ! "$python" -m venv "$venv"; then
        echo "setup-python: 'python3 -m venv' failed; using virtualenv instead" >&2
        rm -rf "$venv"
        "$python" -m pip install --disable-pip-version-check --no-input --quiet virtualenv
        "$python" -m virtualenv --quiet "$venv"
    fi
fi

rm -f "$stamp"
echo "setup-python: installing notebooks/requirements.txt"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --no-input --quiet --requirement "$requirements"
echo "$want" >"$stamp"
echo "setup-python: .venv ready; open the notebooks with: .venv/bin/jupyter lab notebooks/"
