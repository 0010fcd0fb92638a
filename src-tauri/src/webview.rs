//! Web view settings the platforms do not agree on.
//!
//! getUserMedia (the studio's webcam) is off by default in WebKitGTK and wry does not
//! turn it on; WebView2 (Windows) and WKWebView (macOS) have it on and only ask for
//! permission, which `on_permission_request` in `lib.rs` answers.
//!
//! Memory (issue 17): the shop PCs share 4 GB with the till and a browser. On Linux,
//! WebKitGTK's defaults suit a browser (a GPU compositor, a large in-memory cache, a
//! back/forward page cache); Comptoir is one local page, so they are tuned down here and
//! in `main.rs` (compositing, which must be decided before GTK starts). Figures:
//! `tests/app/bench.rs`.
//!
//! `COMPTOIR_WEBKIT_DEFAULTS` keeps WebKit's own default for some of these, to measure
//! them or to rule them out when a display misbehaves: `all`, or a comma-separated list
//! of `compositing`, `cache-model`, `page-cache`, `hw-accel`.

/// The variable that keeps WebKit's defaults (read here and in `main.rs`).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub const DEFAULTS_ENV: &str = "COMPTOIR_WEBKIT_DEFAULTS";

/// Whether the user (or the benchmark) asked to keep WebKit's default for `name`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn keep_default(name: &str) -> bool {
    std::env::var(DEFAULTS_ENV).map(|v| v.split(',').map(str::trim).any(|s| s == "all" || s == name)).unwrap_or(false)
}

/// Applies the web view settings to every window: the webcam, then the memory tuning.
#[cfg(target_os = "linux")]
pub fn configure(app: &tauri::App) {
    use tauri::Manager;
    use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
    // Tests have no camera: WebKit's mock capture device stands in for one (a test
    // pattern), so the real capture path still runs end to end.
    let mock = std::env::var_os("COMPTOIR_MOCK_CAMERA").is_some();
    let cache_model = !keep_default("cache-model");
    let page_cache = !keep_default("page-cache");
    let hw_accel = !keep_default("hw-accel");
    for w in app.webview_windows().values() {
        let _ = w.with_webview(move |pw| {
            let view = pw.inner();
            if let Some(settings) = view.settings() {
                settings.set_enable_media_stream(true);
                if mock {
                    settings.set_enable_mock_capture_devices(true);
                }
                // No back/forward navigation between pages in a single-page app: the
                // page cache would only keep a second copy of the UI alive.
                if page_cache {
                    settings.set_enable_page_cache(false);
                }
                // No GPU on the shop PCs (llvmpipe at best): compositing layers cost
                // the web process memory and buy nothing. Same effect as `main.rs`'s
                // WEBKIT_DISABLE_COMPOSITING_MODE, but also holds when a user set that
                // variable to 0 to try compositing.
                if hw_accel {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            }
            // Every resource is local (tauri://, photo://): WebKit's browser-sized memory
            // cache of decoded resources and pages is not needed.
            if cache_model {
                if let Some(context) = view.context() {
                    context.set_cache_model(CacheModel::DocumentViewer);
                }
            }
        });
    }
}

/// Windows: WebView2 (Chromium) has none of these knobs in wry — no compositing switch
/// (it composes through DirectComposition, on the GPU or WARP), no cache model, and its
/// back/forward cache only keeps pages one navigates away from, which Comptoir never
/// does. The webcam needs nothing either: WebView2 asks `on_permission_request`.
#[cfg(windows)]
pub fn configure(_app: &tauri::App) {}

/// macOS: WKWebView exposes no compositing, cache model or page cache settings (Core
/// Animation composes every view, and WebKit sizes its caches from the system's memory
/// pressure). The webcam needs nothing: WKWebView asks `on_permission_request`, and
/// macOS asks the user through NSCameraUsageDescription.
#[cfg(target_os = "macos")]
pub fn configure(_app: &tauri::App) {}

/// Other systems (the BSDs) run WebKitGTK too, but Comptoir is neither built nor
/// tested there: keep wry's defaults.
#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
pub fn configure(_app: &tauri::App) {}
