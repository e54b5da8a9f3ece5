#!/usr/bin/env bash
# Trains the Rasa model into models/ when the assistant's data or config changed.
# A stamp of every training input is kept next to the model, so an unchanged assistant starts at once
# (rasa train's own fingerprint check still loads the whole graph: about 20 s).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
key=$(cat config.yml domain.yml requirements/rasa.txt $(find data actions -name '*.yml' -o -name '*.py' | sort) \
  | sha256sum | cut -c1-16)
latest=$(ls -t models/*.tar.gz 2>/dev/null | head -1 || true)
if [ -n "$latest" ] && [ -f models/.frontdesk-stamp ] && [ "$(cat models/.frontdesk-stamp)" = "$key $latest" ]; then
  printf '\033[1m==> %s\033[0m\n' "The assistant is up to date ($latest)"
  exit 0
fi
printf '\033[1m==> %s\033[0m\n' "Training the assistant (models/)"
start=$(date +%s)
.venv-rasa/bin/rasa train --quiet --out models
echo "training step took $(( $(date +%s) - start ))s"
latest=$(ls -t models/*.tar.gz | head -1)
ls -t models/*.tar.gz | tail -n +4 | xargs -r rm -f  # keep the three newest models
echo "$key $latest" > models/.frontdesk-stamp
