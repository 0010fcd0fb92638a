#!/usr/bin/env bash
# Sourced by scripts/test-all.sh and scripts/test-packages.sh: the services the tests
# need — Xvfb, a private D-Bus session with no service activation, and a real Secret
# Service (gnome-keyring) with a fresh unlocked keyring. `start_services` exports
# DISPLAY, DBUS_SESSION_BUS_ADDRESS and friends; `stop_services` stops them.

stop_services() {
  [ -n "${DBUS_PID:-}" ] && kill "$DBUS_PID" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$RUN_DIR"
}

start_services() {
  RUN_DIR=$(mktemp -d /tmp/comptoir-test.XXXXXX)
  chmod 700 "$RUN_DIR"
  DISPLAY_NUM=$(( 90 + RANDOM % 400 ))
  Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >"$RUN_DIR/xvfb.log" 2>&1 &
  XVFB_PID=$!
  export DISPLAY=":$DISPLAY_NUM"
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
  # A session bus with no service activation: nothing starts behind the tests' backs.
  cat >"$RUN_DIR/session.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$RUN_DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
  read -r DBUS_SESSION_BUS_ADDRESS DBUS_PID < <(dbus-daemon --config-file="$RUN_DIR/session.conf" --fork --print-address=1 --print-pid=1 2>/dev/null | paste -sd' ')
  export DBUS_SESSION_BUS_ADDRESS
  export XDG_RUNTIME_DIR="$RUN_DIR/runtime" && mkdir -m 700 -p "$XDG_RUNTIME_DIR"
  export NO_AT_BRIDGE=1
  # A real Secret Service on that bus (the marketplace token's keychain in the sync tests):
  # gnome-keyring with a fresh, unlocked login keyring in a throw-away XDG_DATA_HOME.
  if command -v gnome-keyring-daemon >/dev/null; then
    export XDG_DATA_HOME="$RUN_DIR/data" && mkdir -p "$XDG_DATA_HOME"
    printf %s comptoir-tests | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
    for _ in $(seq 50); do
      dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
      sleep 0.1
    done
  fi
}
