//! « Aide »: the updates of Comptoir itself and the report for the département's
//! support staff.

use comptoir_core::report::{self, ReportInput, ReportSummary};
use comptoir_core::update::UpdateStatus;
use tauri::State;

use super::{CmdResult, now};
use crate::AppState;
use crate::updates::{Action, Updates};

/// The running version and the update known of (offered, downloading, waiting…).
#[tauri::command]
#[specta::specta]
pub fn update_status(updates: State<'_, Updates>) -> UpdateStatus {
    updates.status()
}

/// « Rechercher une mise à jour »: asks the server now; unreachable or refused is said.
#[tauri::command]
#[specta::specta]
pub async fn update_check(updates: State<'_, Updates>) -> CmdResult<UpdateStatus> {
    updates.run(Action::Check).await
}

/// « Installer maintenant »: Comptoir restarts into the new version once it is in.
#[tauri::command]
#[specta::specta]
pub async fn update_install_now(updates: State<'_, Updates>) -> CmdResult<UpdateStatus> {
    updates.run(Action::InstallNow).await
}

/// « À la prochaine fermeture »: downloaded now, installed when Comptoir is quit.
#[tauri::command]
#[specta::specta]
pub async fn update_install_at_quit(updates: State<'_, Updates>) -> CmdResult<UpdateStatus> {
    updates.run(Action::InstallAtQuit).await
}

/// « Créer un rapport pour l'assistance »: one zip at `path` (chosen in the save
/// dialog), with no token and no customer's details in it.
#[tauri::command]
#[specta::specta]
pub async fn support_report(state: State<'_, AppState>, path: String) -> CmdResult<ReportSummary> {
    // The token never goes in the report: it is given so that it is masked even where
    // it leaked (a log line, an error message).
    let secrets = report::secrets(&state.db, &*state.keychain, &*state.backup_keychain).await;
    let input =
        ReportInput { data_dir: state.data_dir.clone(), program: format!("Comptoir {}", crate::version()), secrets };
    Ok(report::write(&state.db, &input, std::path::Path::new(&path), now()).await?)
}
