//! Web view settings the platforms do not agree on.
//!
//! getUserMedia (the studio's webcam) is off by default in WebKitGTK and wry does not
//! turn it on; WebView2 (Windows) and WKWebView (macOS) have it on and only ask for
//! permission, which `on_permission_request` in `lib.rs` answers.
//!
//! Memory (issue 17): the shop PCs share 4 GB with the till and a browser. What lowers
//! WebKitGTK's footprint is set in `main.rs`, before GTK starts: compositing off and
//! JavaScriptCore without its JIT. Measured and left out, because they saved nothing
//! (within ±5 MB, on the app and on the minimal window alike): the hardware acceleration
//! policy `Never` on top of compositing off (and it would override a user who set
//! WEBKIT_DISABLE_COMPOSITING_MODE=0 to try compositing), the page cache off (a
//! single-page app never navigates), Skia's CPU rendering, the DMA-BUF renderer off,
//! Mesa's softpipe instead of llvmpipe, and bmalloc replaced by the system's malloc
//! (`Malloc=1`). WebKit loads Mesa (and LLVM, 20 MB) in both processes whatever the
//! settings: without an EGL display the web process aborts.
//!
//! The web context's cache model is `DocumentViewer`. It saves nothing at start (the
//! footprint bench measures the same idle PSS with either), but WebKitGTK's default
//! (`WebBrowser`) keeps the images a page stopped showing, up to 32–64 MB on any PC with
//! 2 GB or more (WebKit's `Shared/CacheModel.cpp`: a quarter to a half of 128 MB), and
//! the studio shows new thumbnails and photos with every batch. A document viewer keeps
//! no such dead resource; the photos are the app's own files (`photo://`), so showing
//! one again costs a file read, not a download. It is not what makes the web process
//! grow over an hour of use (`tests/app/creep.rs` measures the same growth with it):
//! that is still to be found (issue 17).

/// Applies the web view settings to every window: the webcam, and the cache model.
#[cfg(target_os = "linux")]
pub fn configure(app: &tauri::App) {
    use tauri::Manager;
    use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};
    // Tests have no camera: WebKit's mock capture device stands in for one (a test
    // pattern), so the real capture path still runs end to end.
    let mock = std::env::var_os("COMPTOIR_MOCK_CAMERA").is_some();
    for w in app.webview_windows().values() {
        let _ = w.with_webview(move |pw| {
            if let Some(context) = pw.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if let Some(settings) = pw.inner().settings() {
                settings.set_enable_media_stream(true);
                if mock {
                    settings.set_enable_mock_capture_devices(true);
                }
            }
        });
    }
}

/// Windows: WebView2 (Chromium) needs nothing here. It has no compositing switch (it
/// composes through DirectComposition, on the GPU or WARP) and no cache model in wry, and
/// its back/forward cache only keeps pages one navigates away from, which Comptoir never
/// does. The webcam is on already: WebView2 asks `on_permission_request`.
#[cfg(windows)]
pub fn configure(_app: &tauri::App) {}

/// macOS: WKWebView needs nothing here. It exposes no compositing, cache model or page
/// cache setting (Core Animation composes every view; WebKit sizes its caches from the
/// system's memory pressure). The webcam is on already: WKWebView asks
/// `on_permission_request`, and macOS asks the user through NSCameraUsageDescription.
#[cfg(target_os = "macos")]
pub fn configure(_app: &tauri::App) {}

/// Other systems (the BSDs) would run WebKitGTK too, but Comptoir is neither built nor
/// tested there: wry's defaults.
#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
pub fn configure(_app: &tauri::App) {}
