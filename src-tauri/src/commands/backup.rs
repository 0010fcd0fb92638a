//! The "Sauvegardes" screen, the status bar's backup line, and the welcome screen's
//! « Restaurer une sauvegarde » and « Récupérer mon catalogue depuis la place de marché ».

use std::path::PathBuf;

use comptoir_core::backup::{
    self, BackupConfig, BackupEntry, BackupOptions, BackupReport, BackupStatus, Reason, RecoverReport, RestoreReport,
};
use tauri::State;

use super::{CmdResult, now};
use crate::AppState;

/// How old the last good backup is, and whether the chosen destination is missing.
#[tauri::command]
#[specta::specta]
pub async fn backup_status(state: State<'_, AppState>) -> CmdResult<BackupStatus> {
    Ok(backup::backup_status(&state.db, &state.data_dir, now()).await?)
}

/// The backups on the PC and at the destination (when plugged in), newest first.
#[tauri::command]
#[specta::specta]
pub async fn backup_list(state: State<'_, AppState>) -> CmdResult<Vec<BackupEntry>> {
    let dir = state.data_dir.clone();
    Ok(tauri::async_runtime::spawn_blocking(move || backup::list_backups(&dir))
        .await
        .map_err(|e| comptoir_core::Error::Io(std::io::Error::other(e.to_string())))??)
}

/// « Sauvegarder maintenant ».
#[tauri::command]
#[specta::specta]
pub async fn backup_now(state: State<'_, AppState>) -> CmdResult<BackupReport> {
    let opts = BackupOptions { reason: Some(Reason::Manual), ..BackupOptions::default() };
    Ok(backup::backup_now(&state.data_dir, &opts, Some(&*state.backup_keychain), now()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn backup_config(state: State<'_, AppState>) -> CmdResult<BackupConfig> {
    Ok(backup::config(&state.db).await?)
}

/// Chooses the destination (`""`: none, backups stay on the PC) and whether its copy
/// is encrypted; a new passphrase goes to the keychain.
#[tauri::command]
#[specta::specta]
pub async fn backup_configure(
    state: State<'_, AppState>,
    destination: String,
    encrypt: bool,
    passphrase: Option<String>,
) -> CmdResult<BackupConfig> {
    Ok(backup::configure(
        &state.db,
        &*state.backup_keychain,
        PathBuf::from(destination),
        encrypt,
        passphrase.as_deref().filter(|p| !p.is_empty()),
    )
    .await?)
}

/// What a backup folder holds (date, products, photos, orders), before restoring it.
#[tauri::command]
#[specta::specta]
pub fn backup_describe(path: String) -> CmdResult<BackupEntry> {
    Ok(backup::describe(std::path::Path::new(&path))?)
}

/// Checks the backup now, then restarts Comptoir, which restores it before opening
/// the shop (see `backup::request_restore`). Returns only when the check failed.
#[tauri::command]
#[specta::specta]
pub async fn backup_restore(
    state: State<'_, AppState>,
    path: String,
    passphrase: Option<String>,
) -> CmdResult<BackupEntry> {
    let entry = backup::request_restore(
        &state.data_dir,
        std::path::Path::new(&path),
        passphrase.as_deref(),
        &*state.backup_keychain,
    )
    .await?;
    state.restart();
    Ok(entry)
}

/// How the restore asked for before this start went (once; `None` afterwards).
#[tauri::command]
#[specta::specta]
pub fn restore_outcome(state: State<'_, AppState>) -> CmdResult<Option<RestoreReport>> {
    match state.restored.lock().unwrap_or_else(|e| e.into_inner()).take() {
        None => Ok(None),
        Some(r) => r.map(Some),
    }
}

/// What recovery from the marketplace loses, to show before starting (French).
#[tauri::command]
#[specta::specta]
pub fn recover_warning() -> String {
    backup::recover::WARNING.to_owned()
}

/// « Récupérer mon catalogue depuis la place de marché »: pairs this empty shop and
/// fills it with what the marketplace holds.
#[tauri::command]
#[specta::specta]
pub async fn recover_from_marketplace(
    state: State<'_, AppState>,
    url: String,
    pairing_code: String,
) -> CmdResult<RecoverReport> {
    let r = backup::recover(&state.data_dir, &url, &pairing_code, &*state.keychain, now()).await?;
    state.live.restart_feed();
    state.sync.sync_now();
    Ok(r)
}
