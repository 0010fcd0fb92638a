// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// Imports plan rows on one thread while SQLite writes them on another: with the system
// allocator every string freed on the other thread is a locked operation (glibc's
// arenas); mimalloc frees them cheaply, on Windows, macOS and Linux alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    #[cfg(target_os = "linux")]
    tune_webkit();
    comptoir_app::run();
}

/// WebKitGTK settings that cost memory for nothing here (issue 17, `tests/app/bench.rs`,
/// PSS of the app and its WebKit processes on 50,000 products). WebKit reads them from
/// the environment when GTK and the web process start, so they are set here, before
/// `run()` starts any thread; one the user set himself is left as it is, and
/// `COMPTOIR_WEBKIT_DEFAULTS` (`all`, or a list of `compositing`, `jit`) keeps WebKit's
/// default (the benchmark's "before", or to rule one out when a display misbehaves).
/// Windows (WebView2) and macOS (WKWebView) read no such variables (see `webview.rs`).
///
/// - `WEBKIT_DISABLE_COMPOSITING_MODE=1`: compositing (GPU layers, or their llvmpipe
///   stand-in on the shop PCs, which have no usable GPU) doubles the web process's
///   memory for a page that never animates a layer: 220 → 116 MB.
/// - `JSC_useJIT=0`: JavaScriptCore's compilers and the machine code they keep cost the
///   web process 13 MB (124 → 111 MB). The page's script is event handlers and a
///   virtual list of a few dozen rows: the interpreter runs it at the same speed as
///   seen by the shopkeeper (scroll to row 50,000 and cold start unchanged within noise,
///   in the bench).
#[cfg(target_os = "linux")]
fn tune_webkit() {
    let kept: Vec<String> = std::env::var("COMPTOIR_WEBKIT_DEFAULTS")
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    let keeps = |name: &str| kept.iter().any(|k| k == "all" || k == name);
    for (setting, var, value) in [("compositing", "WEBKIT_DISABLE_COMPOSITING_MODE", "1"), ("jit", "JSC_useJIT", "0")] {
        if keeps(setting) || std::env::var_os(var).is_some() {
            continue;
        }
        // SAFETY: the first thing `main` does, while the process has a single thread: no
        // other thread can be reading the environment.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(var, value);
        }
    }
}
