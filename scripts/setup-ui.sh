#!/usr/bin/env bash
# Installs the UI's npm packages (exactly as locked) and builds it into ui/dist, which
# the Rust build embeds in the app binary.
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
