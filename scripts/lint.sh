#!/usr/bin/env bash
# ruff and mypy (config in pyproject.toml), with the number of findings per folder.
# Exit status: non-zero when either found anything (`make test` starts with it, so CI fails).
set -uo pipefail
cd "$(dirname "$0")/.."
folders=(bot actions tests scripts bench)
status=0

echo "==> ruff"
.venv/bin/ruff check --output-format concise "${folders[@]}" > /tmp/frontdesk-ruff.$$ || status=1
echo "==> mypy"
.venv/bin/mypy > /tmp/frontdesk-mypy.$$ || status=1

printf '%-10s %6s %6s\n' folder ruff mypy
for folder in "${folders[@]}"; do
  printf '%-10s %6s %6s\n' "$folder" \
    "$(grep -c "^$folder/" /tmp/frontdesk-ruff.$$)" "$(grep -c "^$folder/.*: error:" /tmp/frontdesk-mypy.$$)"
done
if [ "$status" -ne 0 ]; then
  echo "Findings (first 40 of each):"
  grep "^[a-z]*/" /tmp/frontdesk-ruff.$$ | head -40
  grep ": error:" /tmp/frontdesk-mypy.$$ | head -40
fi
rm -f /tmp/frontdesk-ruff.$$ /tmp/frontdesk-mypy.$$
exit "$status"
