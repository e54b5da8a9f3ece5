#!/usr/bin/env bash
# Creates what Frontdesk needs to run, when missing: the bridge's environment (.venv, Python 3.11+),
# Rasa's environment (.venv-rasa, Python 3.10, exact pins), and the browser bundle (widget/dist).
# Safe to run again: each step is skipped when its inputs have not changed.
# `setup.sh bridge` creates only .venv (what `make test-fast` and `make lint` need).
set -euo pipefail
only=${1:-all}
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

export PATH="$HOME/.local/bin:$PATH"  # where a previous run installed uv
if ! command -v uv >/dev/null 2>&1; then
  say "Installing uv (the Python package installer) with pip"
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
fi
UV=$(command -v uv || echo "python3 -m uv")

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

bridge_key=$(cat pyproject.toml uv.lock | sha256sum | cut -c1-16)
if ! stamp_ok .venv/.frontdesk-stamp "$bridge_key"; then
  say "Creating the bridge environment (.venv)"
  $UV sync --frozen --extra s3  # the S3 option of attachments (boto3) comes along: it is small
  echo "$bridge_key" > .venv/.frontdesk-stamp
fi

[ "$only" = bridge ] && exit 0

rasa_key=$(sha256sum requirements/rasa.txt | cut -c1-16)
if ! stamp_ok .venv-rasa/.frontdesk-stamp "$rasa_key"; then
  py310=$(bash scripts/find-python310.sh)
  say "Creating the Rasa environment (.venv-rasa) with $py310 — about 2.5 GB, the first time takes a few minutes"
  [ -x .venv-rasa/bin/python ] || $UV venv --quiet --python "$py310" .venv-rasa
  $UV pip sync --python .venv-rasa/bin/python requirements/rasa.txt
  echo "$rasa_key" > .venv-rasa/.frontdesk-stamp
fi

widget_key=$(cat widget/package.json widget/package-lock.json widget/build.mjs $(find widget/src -type f | sort) | sha256sum | cut -c1-16)
if ! stamp_ok widget/dist/.frontdesk-stamp "$widget_key"; then
  say "Building the widget and console (widget/dist)"
  (cd widget && npm ci --no-audit --no-fund --loglevel=error && node build.mjs)
  echo "$widget_key" > widget/dist/.frontdesk-stamp
fi
