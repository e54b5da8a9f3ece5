#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 runs on nothing newer), or explains
# exactly what to install. Looks at PATH, then pyenv's versions folder, then common places.
set -u
candidates=(python3.10)
if command -v pyenv >/dev/null 2>&1; then
  for p in "$(pyenv root)"/versions/3.10.*/bin/python3.10; do candidates+=("$p"); done
fi
for p in "$HOME"/.pyenv/versions/3.10.*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  candidates+=("$p")
done
for c in "${candidates[@]}"; do
  if "$c" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then
    command -v "$c" 2>/dev/null || echo "$c"
    exit 0
  fi
done
cat >&2 <<'MSG'
Frontdesk needs Python 3.10 for Rasa 3.6 (it does not run on 3.11 or newer), and none was found
(looked for python3.10 on PATH, in pyenv's versions folder and in /usr/bin, /usr/local/bin).
Install one, then run the command again:
  with pyenv:  pyenv install 3.10
  on Debian:   apt-get install python3.10 python3.10-venv   (where your release packages it)
MSG
exit 1
