#!/usr/bin/env bash
# Installs what Comptoir needs on Debian 12 / Ubuntu 22.04+, skipping what is there.
# Used by scripts/start.sh (run the app) and scripts/test-all.sh (every test, CI).
set -euo pipefail

# Build: WebKitGTK and friends for Tauri; cmake + nasm build libjpeg-turbo for photos.
# Tests: Xvfb (a display for the real window), WebKitWebDriver (end-to-end), a private
# D-Bus with gnome-keyring (Secret Service) and dunst (notifications).
PACKAGES=(
  build-essential pkg-config curl ca-certificates
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev
  cmake nasm
  xvfb xauth webkit2gtk-driver xdotool
  dbus dbus-x11 gnome-keyring libsecret-tools dunst
  imagemagick
  # the footprint bench's floor: a minimal WebKitGTK window (../shared/tools/min-webkit-window.py)
  python3-gi gir1.2-webkit2-4.1
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js 20+ and npm for the UI.
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Paquets système à installer : ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq -o DPkg::Lock::Timeout=600
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "Rust (cargo) est requis : https://rustup.rs puis relancez ce script." >&2
  exit 1
fi
