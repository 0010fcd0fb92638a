#!/usr/bin/env bash
# Builds Comptoir's release packages that this machine can build — Linux .deb and .rpm —
# with Tauri's bundler (npm's @tauri-apps/cli, locked in ui/package-lock.json), and
# copies them to OUT (default dist/). Windows (NSIS, MSI) and macOS (dmg) are built the
# same way on those systems: see the README, « Paquets d'installation ».
#
# Update signing: with TAURI_SIGNING_PRIVATE_KEY (the key, or the path to it) and
# TAURI_SIGNING_PRIVATE_KEY_PASSWORD in the environment, each package gets its .sig
# (minisign) for the updater, and OUT/latest.json is written for the update server.
# Without a key, packages are built unsigned (installable, not publishable as updates).
#
# Usage: scripts/package.sh [--version X.Y.Z] [--notes TEXT] [--out DIR]
#          [--pubkey FILE --endpoint URL]   (test builds: another key and update address)
set -euo pipefail
cd "$(dirname "$0")/.."

version="" notes="" out="dist" pubkey="" endpoint=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --notes) notes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --pubkey) pubkey="$2"; shift 2 ;;
    --endpoint) endpoint="$2"; shift 2 ;;
    *) echo "package.sh : option inconnue « $1 »" >&2; exit 2 ;;
  esac
done

# The build's settings that differ from tauri.conf.json, merged over it by the CLI.
overlay=$(mktemp --suffix=.json)
trap 'rm -f "$overlay"' EXIT
python3 - "$overlay" "$version" "$pubkey" "$endpoint" "${TAURI_SIGNING_PRIVATE_KEY:-}" <<'PY'
import json, sys
path, version, pubkey, endpoint, key = sys.argv[1:6]
o = {}
if version:
    o["version"] = version
if not key:
    # Without the private key the bundler refuses to make updater artefacts.
    o["bundle"] = {"createUpdaterArtifacts": False}
upd = {}
if pubkey:
    upd["pubkey"] = open(pubkey).read().strip()
if endpoint:
    upd["endpoints"] = [endpoint]
    # A loopback address for the packaging test: http is allowed there only.
    if endpoint.startswith("http://127.0.0.1") or endpoint.startswith("http://localhost"):
        upd["dangerousInsecureTransportProtocol"] = True
if upd:
    o["plugins"] = {"updater": upd}
json.dump(o, open(path, "w"))
PY

[ -x ui/node_modules/.bin/tauri ] || scripts/setup-ui.sh
if [ -z "${TAURI_SIGNING_PRIVATE_KEY:-}" ]; then
  echo "package.sh : pas de TAURI_SIGNING_PRIVATE_KEY, paquets non signés pour les mises à jour" >&2
fi

start=$(date +%s)
# The bundler writes the package kind into the binary (deb, rpm), which the updater reads.
ui/node_modules/.bin/tauri build --ci --bundles deb,rpm --config "$overlay" -- -p comptoir
echo "package.sh : construit en $(( $(date +%s) - start )) s"

v=$(python3 -c 'import json,sys; c=json.load(open("tauri.conf.json")); o=json.load(open(sys.argv[1])); print(o.get("version", c["version"]))' "$overlay")
mkdir -p "$out"
bundle=target/release/bundle
cp -f "$bundle"/deb/Comptoir_"$v"_*.deb "$bundle"/rpm/Comptoir-"$v"-*.rpm "$out"/
for sig in "$bundle"/deb/Comptoir_"$v"_*.deb.sig "$bundle"/rpm/Comptoir-"$v"-*.rpm.sig; do
  [ -f "$sig" ] && cp -f "$sig" "$out"/
done

# The update server's manifest (the static JSON the updater reads), when signed.
deb=$(ls "$out"/Comptoir_"$v"_*.deb)
if [ -f "$deb.sig" ]; then
  base=${endpoint%/*}
  base=${base:-https://comptoir.orne.fr/mises-a-jour}
  python3 - "$out" "$v" "$notes" "$base" <<'PY'
import json, sys, glob, os, datetime
out, v, notes, base = sys.argv[1:5]
plat = {}
for pkg, kind in ((glob.glob(f"{out}/Comptoir_{v}_*.deb")[0], "deb"), (glob.glob(f"{out}/Comptoir-{v}-*.rpm")[0], "rpm")):
    sig = open(pkg + ".sig").read().strip()
    entry = {"url": f"{base}/{os.path.basename(pkg)}", "signature": sig}
    plat[f"linux-x86_64-{kind}"] = entry
    plat.setdefault("linux-x86_64", entry)
json.dump({"version": v, "notes": notes or f"Comptoir {v}", "pub_date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "platforms": plat},
          open(f"{out}/latest.json", "w"), ensure_ascii=False, indent=2)
PY
fi
ls -l "$out"
