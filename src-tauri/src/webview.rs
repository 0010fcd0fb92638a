//! Web view settings the platforms do not agree on.
//!
//! getUserMedia (the studio's webcam) is off by default in WebKitGTK and wry does not
//! turn it on; WebView2 (Windows) and WKWebView (macOS) have it on and only ask for
//! permission, which `on_permission_request` in `lib.rs` answers.

#[cfg(target_os = "linux")]
pub fn enable_camera(app: &tauri::App) {
    use tauri::Manager;
    use webkit2gtk::{SettingsExt, WebViewExt};
    // Tests have no camera: WebKit's mock capture device stands in for one (a test
    // pattern), so the real capture path still runs end to end.
    let mock = std::env::var_os("COMPTOIR_MOCK_CAMERA").is_some();
    for w in app.webview_windows().values() {
        let _ = w.with_webview(move |pw| {
            if let Some(settings) = pw.inner().settings() {
                settings.set_enable_media_stream(true);
                if mock {
                    settings.set_enable_mock_capture_devices(true);
                }
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
pub fn enable_camera(_app: &tauri::App) {}
