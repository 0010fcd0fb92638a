#!/usr/bin/env bash
# The packaging test (issue 16), too slow for every CI run: builds release packages of
# Comptoir 0.1.0, 0.1.1 and 0.1.2 signed with a throwaway update key, then runs the
# ignored test `packaging::the_deb_installs_runs_updates_itself_and_refuses_a_tampered_update`,
# which installs 0.1.0 with apt, opens it, removes it (the data stays), reinstalls it,
# lets it update itself from a loopback server — to 0.1.1 when it is closed, to 0.1.2 at
# once with a restart — and refuses a tampered 0.1.3.
# Needs root (apt, dpkg), an X display or Xvfb, tauri-driver; starts what it needs like
# scripts/test-all.sh. Prints the timings and the sizes for the closing note.
# `--keep DIR`: build in DIR and keep it (the packages, the throwaway key); a second run
# with the same DIR reuses the packages already there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--keep" ]; then
  work=$2
  mkdir -p "$work"
  cleanup_work() { :; }
else
  work=$(mktemp -d /tmp/comptoir-packages.XXXXXX)
  cleanup_work() { rm -rf "$work"; }
fi
trap cleanup_work EXIT
export PATH="$HOME/.cargo/bin:$PATH"

# The updater installs a .deb through pkexec or sudo; a Debian desktop has one of them.
command -v sudo >/dev/null || apt-get install -y -q sudo
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked

# A throwaway key pair: the real private key never leaves the publisher's machine.
[ -f "$work/test.key" ] || ui/node_modules/.bin/tauri signer generate --ci -p test -w "$work/test.key" >/dev/null
export TAURI_SIGNING_PRIVATE_KEY="$work/test.key" TAURI_SIGNING_PRIVATE_KEY_PASSWORD=test
# The port is built into the packages: kept with them.
[ -f "$work/port" ] || python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' >"$work/port"
port=$(cat "$work/port")
endpoint="http://127.0.0.1:$port/latest.json"

built() { ls "$work/v$1"/Comptoir_"$1"_*.deb >/dev/null 2>&1; }
t0=$(date +%s)
built 0.1.0 || scripts/package.sh --version 0.1.0 --pubkey "$work/test.key.pub" --endpoint "$endpoint" --out "$work/v0.1.0"
t1=$(date +%s)
built 0.1.1 || scripts/package.sh --version 0.1.1 --pubkey "$work/test.key.pub" --endpoint "$endpoint" --out "$work/v0.1.1" \
  --notes "Comptoir 0.1.1 : corrections pour les fêtes de fin d'année."
t2=$(date +%s)
built 0.1.2 || scripts/package.sh --version 0.1.2 --pubkey "$work/test.key.pub" --endpoint "$endpoint" --out "$work/v0.1.2" \
  --notes "Comptoir 0.1.2 : les soldes d'hiver."
t3=$(date +%s)
echo "test-packages: 0.1.0 built in $((t1 - t0)) s, 0.1.1 in $((t2 - t1)) s, 0.1.2 in $((t3 - t2)) s"
# What the update server holds: both releases, and each one's manifest.
mkdir -p "$work/serve"
for v in 0.1.1 0.1.2; do
  cp "$work/v$v"/Comptoir_"$v"_*.deb* "$work/serve/"
  cp "$work/v$v/latest.json" "$work/serve/latest-$v.json"
done
ls -l "$work"/v0.1.0 "$work/serve"

# The display and services the window needs, as for scripts/test-all.sh.
# shellcheck source=scripts/services.sh
source scripts/services.sh
start_services
trap 'stop_services; cleanup_work' EXIT

COMPTOIR_PKG_OLD=$(ls "$work"/v0.1.0/Comptoir_0.1.0_*.deb) \
COMPTOIR_PKG_SERVE="$work/serve" \
COMPTOIR_PKG_PORT="$port" \
  cargo test -p comptoir --locked --test app -- --ignored --exact --nocapture \
  packaging::the_deb_installs_runs_updates_itself_and_refuses_a_tampered_update
echo "test-packages: done in $(( $(date +%s) - t0 )) s"
