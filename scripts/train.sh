#!/usr/bin/env bash
# Builds the Rasa project of the site pack $SITE (default lantern-street) from the base and
# sites/$SITE/, and trains it into models/$SITE/ when anything it is made of changed.
# A stamp of every training input is kept next to the model, so an unchanged assistant starts at once
# (rasa train is forced: its own cache keys a component by its config, not its code, so a changed
# component in actions/ would otherwise keep its old training).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
site=${SITE:-lantern-street}
out=models/$site
.venv/bin/python scripts/build_site.py "$site" >/dev/null
key=$(cat config.yml domain.yml requirements/rasa.txt bot/site.py scripts/build_site.py scripts/paraphrase.py \
  $(find data actions "sites/$site" -name '*.yml' -o -name '*.py' | sort) | sha256sum | cut -c1-16)
latest=$(ls -t "$out"/*.tar.gz 2>/dev/null | head -1 || true)
if [ -n "$latest" ] && [ -f "$out/.frontdesk-stamp" ] && [ "$(cat "$out/.frontdesk-stamp")" = "$key $latest" ]; then
  printf '\033[1m==> %s\033[0m\n' "The assistant of $site is up to date ($latest)"
  exit 0
fi
printf '\033[1m==> %s\033[0m\n' "Training the assistant of $site ($out/)"
start=$(date +%s)
# `rasa train` without the libraries' deprecation and solver warnings (scripts/rasa_quiet.py says
# which, and why PYTHONWARNINGS cannot hide them); Rasa's own warnings and every error still show.
.venv-rasa/bin/python scripts/rasa_quiet.py train --force --quiet --config "build/$site/config.yml" \
  --domain "build/$site/domain.yml" --data data "build/$site/data" --out "$out"
echo "training $site took $(( $(date +%s) - start ))s"
latest=$(ls -t "$out"/*.tar.gz | head -1)
ls -t "$out"/*.tar.gz | tail -n +4 | xargs -r rm -f  # keep the three newest models
echo "$key $latest" > "$out/.frontdesk-stamp"
