//! The desktop shell: windows, OS glue, and thin commands over comptoir-core.
//!
//! A command here parses nothing and decides nothing: it takes typed input from the
//! UI, calls one core function with the current time, and maps the error to
//! `{code, message, fields}`. Anything longer belongs in comptoir-core.

pub mod commands;
mod memory;
pub mod services;
mod startup;
mod state;
mod tray;
pub mod updates;
mod webview;

use std::path::PathBuf;

use tauri::Manager;

pub use state::AppState;

/// The typed command list, shared by the real app, the mock-runtime tests and the
/// bindings generator.
pub fn specta_builder<R: tauri::Runtime>() -> tauri_specta::Builder<R> {
    use commands::*;
    tauri_specta::Builder::<R>::new().commands(tauri_specta::collect_commands![
        app::app_status,
        app::startup_painted,
        app::first_steps,
        app::quick_start_html,
        app::start_demo,
        app::start_clean,
        backup::backup_status,
        backup::backup_list,
        backup::backup_now,
        backup::backup_config,
        backup::backup_configure,
        backup::backup_describe,
        backup::backup_restore,
        backup::restore_outcome,
        backup::recover_warning,
        backup::recover_from_marketplace,
        catalogue::list_products,
        catalogue::get_product,
        catalogue::save_product,
        catalogue::preview_product,
        catalogue::delete_product,
        catalogue::list_categories,
        catalogue::save_category,
        catalogue::delete_category,
        files::pick_file,
        files::pick_files,
        files::pick_folder,
        files::pick_save_path,
        import::import_open,
        import::import_simulate,
        import::import_apply,
        import::import_cancel,
        import::import_save_rejected,
        import::import_history,
        import::import_undo,
        import::export_catalogue,
        market::market_status,
        market::market_connect,
        market::market_disconnect,
        market::sync_now,
        market::live_subscribe,
        market::product_sync_detail,
        orders::orders_list,
        orders::order_get,
        orders::order_act,
        orders::export_orders,
        orders::export_picklist,
        orders::picklist_html,
        orders::order_settings,
        orders::save_order_settings,
        photos::photos_import,
        photos::photos_cancel,
        photos::photos_capture,
        photos::photos_library,
        photos::photos_apply_matches,
        photos::photos_settings,
        photos::photos_watch,
        photos::photos_set_preset,
        photos::product_photos,
        photos::photos_attach,
        photos::photos_reorder,
        photos::photos_set_main,
        photos::photos_rotate,
        photos::photos_crop,
        photos::photos_crop_source,
        photos::photos_set_alt,
        photos::photos_detach,
        promotions::promotion_preview,
        promotions::promotion_add,
        promotions::promotion_edit,
        promotions::promotion_end,
        promotions::promotions_end,
        promotions::promotions_list,
        promotions::campaigns_list,
        support::update_status,
        support::update_check,
        support::update_install_now,
        support::update_install_at_quit,
        support::support_report,
    ])
}

/// Writes the TypeScript bindings the UI imports. Run by the `bindings` test, which
/// fails in CI when the committed file is stale.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder::<tauri::Wry>()
        .dangerously_cast_bigints_to_number()
        .disable_serde_phases()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from the Rust commands by `UPDATE_BINDINGS=1 cargo test --test app bindings`. Do not edit.\n/* eslint-disable */"),
            path,
        )
        .map_err(|e| e.to_string())
}

/// The data directory: `--data-dir DIR` on the command line, else `COMPTOIR_DATA_DIR`,
/// else the OS application-data directory.
fn data_dir_from_env() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--data-dir=")) {
            return Some(PathBuf::from(v));
        }
    }
    std::env::var_os(comptoir_core::paths::DATA_DIR_ENV).map(PathBuf::from)
}

static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// This build's version as its package says: tauri.conf.json's, which a packaging run
/// may set (scripts/package.sh --version); shown, reported, and compared by the updater.
pub fn version() -> &'static str {
    VERSION.get().map(String::as_str).unwrap_or(env!("CARGO_PKG_VERSION"))
}

pub fn run() {
    startup::begin();
    let context = tauri::generate_context!();
    let _ = VERSION.set(context.package_info().version.to_string());
    let specta = specta_builder::<tauri::Wry>();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    tauri::async_runtime::set(runtime.handle().clone());
    // Log files first, so that a start that fails is in them (the support report reads them).
    let data_dir = data_dir_from_env();
    // Held until the app exits, when the last lines are written (see the exit hook).
    let logs = std::sync::Arc::new(std::sync::Mutex::new(
        comptoir_core::paths::resolve_data_dir(data_dir.as_deref())
            .and_then(|dir| comptoir_core::logs::init(&dir, comptoir_core::logs::Program::App, version()))
            .ok(),
    ));
    // The keychain and the database open on a thread of their own while GTK and WebKit
    // start on this one (issue 17: opening took 10–120 ms of the start here, GTK and the
    // web view 160–280 ms, and neither needs the other); the window's setup waits for
    // them, before the page can send its first command.
    let opening = {
        let handle = runtime.handle().clone();
        std::thread::spawn(move || handle.block_on(open_state(data_dir)))
    };
    let logs_at_exit = logs.clone();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        // Checks, downloads and verifies updates (public key and address: tauri.conf.json).
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(updates::Updates::new(updates::platform()))
        // Thumbnails and product photos: `photo://localhost/<name>` (see commands::photos::serve).
        .register_asynchronous_uri_scheme_protocol("photo", move |ctx, request, responder| {
            // Managed by the setup, before the page can ask for any photo.
            let store = ctx.app_handle().state::<AppState>().studio().store;
            let path = request.uri().path().to_owned();
            // File reads stay off the UI thread.
            tauri::async_runtime::spawn_blocking(move || responder.respond(commands::photos::serve(&store, &path)));
        })
        // The webcam in the studio: the shopkeeper asked for it by opening the capture
        // panel; the microphone is never used. (macOS asks the user once more through
        // NSCameraUsageDescription in Info.plist; Windows through its privacy settings.)
        .on_permission_request(|_, kind| match kind {
            tauri::webview::PermissionKind::Camera => tauri::webview::PermissionResponse::Allow,
            tauri::webview::PermissionKind::Microphone => tauri::webview::PermissionResponse::Deny,
            _ => tauri::webview::PermissionResponse::Default,
        })
        .invoke_handler(specta.invoke_handler())
        .on_window_event(tray::on_window_event)
        .on_page_load(|_, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                startup::mark("page chargée");
            }
        })
        .setup(move |app| {
            startup::mark("fenêtre et vue web créées");
            let state = match opening.join() {
                Ok(Ok(state)) => state,
                Ok(Err(e)) => {
                    // Nothing to show the window with: say it where a technician will look.
                    tracing::error!(error = %e, "Comptoir ne peut pas démarrer");
                    drop(logs.lock().unwrap_or_else(|e| e.into_inner()).take());
                    eprintln!("Comptoir ne peut pas démarrer : {e}");
                    std::process::exit(1);
                }
                Err(panic) => std::panic::resume_unwind(panic),
            };
            startup::mark("base prête pour la fenêtre");
            app.manage(state);
            specta.mount_events(app);
            let state = app.state::<AppState>();
            state.set_dialogs(std::sync::Arc::new(commands::files::NativeDialogs(app.handle().clone())));
            let handle = app.handle().clone();
            state.set_restarter(std::sync::Arc::new(move || handle.request_restart()));
            tray::install(app);
            startup::mark("icône de notification");
            webview::configure(app);
            updates::attach(app.handle());
            updates::spawn_checks(app.handle().clone());
            // A clicked order notification brings the window to the front on that order.
            let handle = app.handle().clone();
            let live = state.live.clone();
            state.live.set_notifier(std::sync::Arc::new(services::ClickableNotifier {
                on_click: std::sync::Arc::new(move |order_id| {
                    tray::show_main(&handle);
                    live.send(services::LiveEvent::OpenOrder { order_id });
                }),
            }));
            startup::mark("services de la fenêtre prêts");
            Ok(())
        })
        .build(context)
        .expect("Comptoir n'a pas pu ouvrir sa fenêtre")
        .run(move |app, event| {
            // An update chosen « à la prochaine fermeture » is installed as Comptoir quits
            // (after the work running ends and a backup); the install then exits.
            // (A restart — after a restore, after an update — goes on as asked.)
            match event {
                tauri::RunEvent::ExitRequested { api, code, .. }
                    if code != Some(tauri::RESTART_EXIT_CODE) && updates::on_exit_requested(app) =>
                {
                    api.prevent_exit();
                }
                // Tauri exits the process without unwinding: the log lines still queued
                // (« mise à jour installée » before a restart) are written now.
                tauri::RunEvent::Exit => drop(logs_at_exit.lock().unwrap_or_else(|e| e.into_inner()).take()),
                _ => {}
            }
        });
}

/// The keychains (the marketplace token's and the backup passphrase's) and the app's
/// state over the database: what the window's setup waits for.
async fn open_state(data_dir: Option<PathBuf>) -> comptoir_core::Result<AppState> {
    use comptoir_core::sync::credentials::{OsKeychain, TokenStore};
    use std::sync::Arc;
    // The marketplace token lives in the OS keychain only. Without one, Comptoir still
    // runs (catalogue, imports, photos); connecting then says plainly why it cannot.
    let keychain: Arc<dyn TokenStore> = match OsKeychain::open() {
        Ok(k) => Arc::new(k),
        Err(e) => Arc::new(NoKeychain(e.to_string())),
    };
    // The backup passphrase has its own entry (service) in the same keychain.
    let backup_keychain: Arc<dyn TokenStore> =
        match OsKeychain::open_service(comptoir_core::backup::crypt::KEYCHAIN_SERVICE) {
            Ok(k) => Arc::new(k),
            Err(e) => Arc::new(NoKeychain(e.to_string())),
        };
    let state = AppState::open(data_dir.as_deref(), keychain, backup_keychain).await?;
    startup::mark("base ouverte");
    memory::spawn_trimmer();
    Ok(state)
}

/// Stands in for the OS keychain when there is none: every use fails with the reason,
/// and nothing is ever written anywhere else (no plaintext fallback).
struct NoKeychain(String);

impl comptoir_core::sync::credentials::TokenStore for NoKeychain {
    fn set(&self, _: &str, _: &str) -> Result<(), comptoir_core::sync::credentials::KeychainError> {
        Err(comptoir_core::sync::credentials::KeychainError::Unavailable(self.0.clone()))
    }
    fn get(&self, _: &str) -> Result<String, comptoir_core::sync::credentials::KeychainError> {
        Err(comptoir_core::sync::credentials::KeychainError::Unavailable(self.0.clone()))
    }
    fn delete(&self, _: &str) -> Result<(), comptoir_core::sync::credentials::KeychainError> {
        Err(comptoir_core::sync::credentials::KeychainError::Unavailable(self.0.clone()))
    }
}
