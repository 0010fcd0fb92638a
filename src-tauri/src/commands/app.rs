use comptoir_core::catalogue::CatalogueStats;
use serde::Serialize;
use tauri::State;

use super::{CmdResult, now};
use crate::AppState;

const ONBOARDED: &str = "onboarded";

#[derive(Serialize, specta::Type)]
pub struct AppStatus {
    pub stats: CatalogueStats,
    /// False until the user chose the demo shop or a clean start.
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
        onboarded: db.setting(ONBOARDED).await?.is_some(),
        data_dir: db.path().parent().map(|p| p.display().to_string()).unwrap_or_default(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Installs the demo shop (only into an empty catalogue).
#[tauri::command]
#[specta::specta]
pub async fn start_demo(state: State<'_, AppState>) -> CmdResult<u32> {
    let n = comptoir_core::demo::seed(&state.db, now()).await?;
    state.db.set_setting(ONBOARDED, "demo").await?;
    Ok(n as u32)
}

#[tauri::command]
#[specta::specta]
pub async fn start_clean(state: State<'_, AppState>) -> CmdResult<()> {
    state.db.set_setting(ONBOARDED, "clean").await?;
    Ok(())
}
