#!/usr/bin/env bash
# README command 1: install whatever is missing, build, and launch Comptoir with a
# local database (in the OS application-data directory, or $COMPTOIR_DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-system.sh
scripts/setup-ui.sh
echo "==> Compilation de Comptoir (la première fois : quelques minutes)…"
exec cargo run --quiet -p comptoir -- "$@"
