#!/usr/bin/env bash
# README command 2 (and CI's .ci/run): installs what is missing, starts the services
# the tests need (Xvfb, a private D-Bus session), then runs every lint and test.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - START ))"; }

step "Paquets système"
scripts/setup-system.sh

step "Outils (tauri-driver)"
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --version '^2' --locked --quiet
fi

step "Interface : npm ci + build"
scripts/setup-ui.sh

step "Services : Xvfb et un D-Bus de session privé"
# shellcheck source=scripts/services.sh
source scripts/services.sh
start_services
trap stop_services EXIT

# Every check runs even when an earlier one fails, so one CI run shows every problem;
# the script fails at the end if any did.
FAILED=()
check() {
  local name=$1
  shift
  step "$name"
  "$@" || FAILED+=("$name")
}

check "Format Rust (rustfmt)" cargo fmt --all -- --check
check "Lints Rust (clippy -D warnings)" cargo clippy --workspace --all-targets --features comptoir-cli/market-benches --locked -- -D warnings
check "Interface : eslint + prettier" bash -c "cd ui && npm run --silent lint"
check "Interface : svelte-check" bash -c "cd ui && npm run --silent check"
check "Interface : vitest" bash -c "cd ui && npx vitest run"
if command -v cargo-nextest >/dev/null; then
  check "Tests Rust (cœur, CLI, serveur, IPC, fenêtre réelle)" cargo nextest run --workspace --locked --no-fail-fast
else
  check "Tests Rust (cœur, CLI, serveur, IPC, fenêtre réelle)" cargo test --workspace --locked --no-fail-fast
fi

step "Terminé"
if [ ${#FAILED[@]} -gt 0 ]; then
  printf 'Échec : %s\n' "${FAILED[@]}" >&2
  exit 1
fi
