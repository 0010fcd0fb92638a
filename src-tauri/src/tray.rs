//! Comptoir keeps running in the system tray when its window is closed, so orders
//! still arrive and notify (the shop PC often has the window closed all day).
//! "Quitter" in the tray menu really quits. Where the desktop has no tray at all,
//! closing the window quits, as anywhere else: the shopkeeper must never lose the app
//! behind an icon nobody can see.

use std::sync::atomic::{AtomicBool, Ordering};

use tauri::menu::{MenuBuilder, MenuItemBuilder};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{App, AppHandle, Manager, Window, WindowEvent};

/// Whether a tray icon exists (closing the window then hides it).
static IN_TRAY: AtomicBool = AtomicBool::new(false);

pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Creates the tray icon and its menu. A failure (no tray on this desktop) is not an
/// error: the app simply quits when its window closes.
pub fn install(app: &App) {
    let built = (|| -> tauri::Result<()> {
        let open = MenuItemBuilder::with_id("open", "Ouvrir Comptoir").build(app)?;
        let quit = MenuItemBuilder::with_id("quit", "Quitter Comptoir").build(app)?;
        let menu = MenuBuilder::new(app).items(&[&open, &quit]).build()?;
        let mut tray = TrayIconBuilder::with_id("main")
            .tooltip("Comptoir — les commandes arrivent même fenêtre fermée")
            .menu(&menu)
            .show_menu_on_left_click(false)
            .on_menu_event(|app, e| match e.id().as_ref() {
                "open" => show_main(app),
                "quit" => app.exit(0),
                _ => {}
            })
            .on_tray_icon_event(|tray, e| {
                if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = e {
                    show_main(tray.app_handle());
                }
            });
        if let Some(icon) = app.default_window_icon() {
            tray = tray.icon(icon.clone());
        }
        tray.build(app)?;
        Ok(())
    })();
    IN_TRAY.store(built.is_ok(), Ordering::Relaxed);
}

/// Closing the main window hides it while the tray icon is there.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event
        && window.label() == "main"
        && IN_TRAY.load(Ordering::Relaxed)
        && std::env::var_os(QUIT_ON_CLOSE).is_none()
    {
        api.prevent_close();
        let _ = window.hide();
    }
}

/// Set (to anything) to make closing the window quit even with a tray icon: for
/// kiosk set-ups and for the end-to-end tests, whose driver closes windows to end
/// a session.
pub const QUIT_ON_CLOSE: &str = "COMPTOIR_QUIT_ON_CLOSE";
