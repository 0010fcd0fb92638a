use comptoir_core::catalogue::CatalogueStats;
use comptoir_core::shop::{self, FirstSteps, StartChoice};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::{CmdResult, now};
use crate::AppState;

#[derive(Serialize, specta::Type)]
pub struct AppStatus {
    pub stats: CatalogueStats,
    /// Whether the shop has started (core's rule: a choice made on the welcome screen,
    /// or products, orders or a marketplace connection already there).
    pub onboarded: bool,
    pub data_dir: String,
    pub version: String,
}

#[tauri::command]
#[specta::specta]
pub async fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let db = &state.db;
    Ok(AppStatus {
        stats: db.catalogue_stats().await?,
        onboarded: shop::has_started(db).await?,
        data_dir: db.path().parent().map(|p| p.display().to_string()).unwrap_or_default(),
        version: crate::version().into(),
    })
}

/// One stage of the page's start, by its own clock (`performance.now()`, ms).
#[derive(Debug, Deserialize, specta::Type)]
pub struct PageStage {
    pub stage: String,
    pub ms: f64,
}

/// The window painted its first catalogue rows: the start's last stage, logged (once),
/// with the page's stages before it; `now` is the page's clock at the call.
#[tauri::command]
#[specta::specta]
pub fn startup_painted(stages: Vec<PageStage>, now: f64) {
    let stages: Vec<(String, f64)> = stages.into_iter().map(|s| (s.stage, s.ms)).collect();
    crate::startup::painted(&stages, now);
}

/// Where the guided start stands (« Premiers pas »), from what the shop holds.
#[tauri::command]
#[specta::specta]
pub async fn first_steps(state: State<'_, AppState>) -> CmdResult<FirstSteps> {
    Ok(shop::first_steps(&state.db).await?)
}

/// The printable one-page quick start, as HTML (printed like the pick list).
#[tauri::command]
#[specta::specta]
pub fn quick_start_html() -> String {
    shop::quick_start_html(crate::version())
}

/// Installs the demo shop (only into an empty catalogue).
#[tauri::command]
#[specta::specta]
pub async fn start_demo(state: State<'_, AppState>) -> CmdResult<u32> {
    Ok(shop::start(&state.db, StartChoice::Demo, now()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn start_clean(state: State<'_, AppState>) -> CmdResult<()> {
    shop::start(&state.db, StartChoice::Clean, now()).await?;
    Ok(())
}
