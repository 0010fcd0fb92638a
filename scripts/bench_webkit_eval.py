#!/usr/bin/env python3
"""What WebKitGTK keeps per script evaluated in a page (issue 17's memory creep).

Tauri delivers each message of a `Channel` (the app's live events: orders, sync
progress, photos) by evaluating a new script in the page (`tauri/src/ipc/channel.rs`:
payloads under 8 KB directly, larger ones through a fetch the script names). Every
message is then a distinct script for JavaScriptCore. This opens a minimal window with
the app's WebKit settings, evaluates N small scripts — all distinct, as the channel's
are, or all identical — and prints the web process's anonymous memory before and after.

    xvfb-run -a /usr/bin/python3 scripts/bench_webkit_eval.py 10000 distinct
    xvfb-run -a /usr/bin/python3 scripts/bench_webkit_eval.py 10000 identical

Needs Debian's python3-gi and gir1.2-webkit2-4.1 (scripts/setup-system.sh installs them).
"""
import os
import subprocess
import sys

# The app's settings (src-tauri/src/main.rs), before GTK starts.
os.environ.setdefault("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
os.environ.setdefault("JSC_useJIT", "0")

import gi  # noqa: E402

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
DISTINCT = (sys.argv[2] if len(sys.argv) > 2 else "distinct") == "distinct"

window = Gtk.Window()
window.set_default_size(800, 600)
view = WebKit2.WebView()
window.add(view)
view.load_html("<html><body><script>window.cb = (id, m) => { window.last = m; };</script>Comptoir</body></html>", "about:blank")
state = {"sent": 0, "pending": 0, "before": 0.0}


def web_anonymous_mb():
    """Anonymous memory (heaps) of this window's web process, in MB."""
    pids = subprocess.run(["pgrep", "-P", str(os.getpid()), "-f", "WebKitWebProcess"], capture_output=True, text=True).stdout.split()
    kb = 0
    for pid in pids:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            kb += sum(int(line.split()[1]) for line in f if line.startswith("Anonymous:"))
    return kb / 1024


def evaluated(*_):
    state["pending"] -= 1


def send_some():
    for _ in range(50):
        i = state["sent"]
        if i >= N:
            if state["pending"] == 0:
                GLib.timeout_add(3000, finish)
                return False
            return True
        # A sync progress event as the channel sends it; identical ones repeat the first.
        k = i if DISTINCT else 0
        payload = f'{{"type":"sync","state":{{"running":true,"done":{k},"bytes":{k * 1234}}}}}'
        state["pending"] += 1
        view.evaluate_javascript(f"window.cb(7, {payload})", -1, None, None, None, evaluated)
        state["sent"] += 1
    return True


def start():
    state["before"] = web_anonymous_mb()
    GLib.timeout_add(5, send_some)
    return False


def finish():
    kind = "distinct" if DISTINCT else "identical"
    print(f"{N} {kind} scripts evaluated: web process anonymous memory {state['before']:.1f} → {web_anonymous_mb():.1f} MB", flush=True)
    Gtk.main_quit()
    return False


window.show_all()
GLib.timeout_add(2000, start)
Gtk.main()
