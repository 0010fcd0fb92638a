// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// Imports plan rows on one thread while SQLite writes them on another: with the system
// allocator every string freed on the other thread is a locked operation (glibc's
// arenas); mimalloc frees them cheaply, on Windows, macOS and Linux alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    #[cfg(target_os = "linux")]
    disable_webkit_compositing();
    comptoir_app::run();
}

/// WebKitGTK's compositing mode (GPU layers, or their llvmpipe stand-in on the shop PCs,
/// which have no usable GPU) doubles the web process's memory for a page that never
/// animates a layer: 220 → 116 MB PSS on 50,000 products (issue 17, `tests/app/bench.rs`).
/// WebKit reads the variable when GTK and the web process start, so it is set here,
/// before `run()` starts any thread, unless the user set it (to 0 to try compositing) or
/// `COMPTOIR_WEBKIT_DEFAULTS` is `all` or `compositing` (WebKit's default: the benchmark's
/// "before", or to rule this out when a display misbehaves). Windows (WebView2) and macOS
/// (WKWebView) compose on their own and read no such variable.
#[cfg(target_os = "linux")]
fn disable_webkit_compositing() {
    const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    let keep_default = std::env::var("COMPTOIR_WEBKIT_DEFAULTS")
        .is_ok_and(|v| v.split(',').map(str::trim).any(|s| s == "all" || s == "compositing"));
    if keep_default || std::env::var_os(VAR).is_some() {
        return;
    }
    // SAFETY: the first thing `main` does, while the process has a single thread: no
    // other thread can be reading the environment.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var(VAR, "1");
    }
}
