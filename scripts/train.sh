#!/usr/bin/env bash
# Trains the Rasa model into models/ when the assistant's data or config changed.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
printf '\033[1m==> %s\033[0m\n' "Training the assistant if its data changed (models/)"
start=$(date +%s)
.venv-rasa/bin/rasa train --quiet --out models
echo "training step took $(( $(date +%s) - start ))s"
