//! The import screen: choose a file, map its columns, simulate, import, undo; and the
//! catalogue export. Reading and checking run off the UI thread with progress events;
//! "Annuler" sets the running step's cancel flag (the transaction is rolled back).

use std::path::PathBuf;
use std::sync::Arc;

use comptoir_core::backup::{self, Reason};
use comptoir_core::import::{self, Control, FilePreview, ImportProgress, ImportReport, ImportSettings, Simulation};
use comptoir_core::storage::imports::{ImportBatch, UndoReport};
use comptoir_core::{Error, ErrorPayload};
use tauri::State;
use tauri::ipc::Channel;

use super::{CmdResult, now};
use crate::AppState;
use crate::state::ImportSession;

/// Starts a long step: installs a fresh control whose progress goes to the UI's
/// channel (reading, checking, writing: done / total).
fn begin(state: &AppState, on_progress: Channel<ImportProgress>) -> Control {
    let control = Control::with_progress(move |p| {
        // A lost progress message only delays the bar; never fail the import for it.
        let _ = on_progress.send(p);
    });
    *state.import_control.lock().unwrap_or_else(|e| e.into_inner()) = Some(control.clone());
    control
}

fn end(state: &AppState) {
    state.import_control.lock().unwrap_or_else(|e| e.into_inner()).take();
}

fn no_file() -> ErrorPayload {
    Error::invalid("file", "no_file", "Choisissez d'abord un fichier à importer").into()
}

/// Reads the spreadsheet at `path` (`sheet`: another sheet than the first table) and
/// proposes the column mapping.
#[tauri::command]
#[specta::specta]
pub async fn import_open(
    state: State<'_, AppState>,
    on_progress: Channel<ImportProgress>,
    path: String,
    sheet: Option<String>,
) -> CmdResult<FilePreview> {
    let control = begin(&state, on_progress);
    let p = PathBuf::from(&path);
    let read = {
        let control = control.clone();
        let p = p.clone();
        tokio::task::spawn_blocking(move || import::read_file(&p, sheet.as_deref(), &control)).await
    };
    end(&state);
    let source = match read {
        Ok(r) => r?,
        Err(e) => return Err(Error::Io(std::io::Error::other(e.to_string())).into()),
    };
    let preview = import::preview(&state.db, &source).await?;
    *state.import.lock().await = Some(ImportSession { path: p, source: Arc::new(source), last_errors: Vec::new() });
    Ok(preview)
}

/// Everything the import would do with these settings; nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn import_simulate(
    state: State<'_, AppState>,
    on_progress: Channel<ImportProgress>,
    settings: ImportSettings,
) -> CmdResult<Simulation> {
    let source = current_source(&state).await?;
    let control = begin(&state, on_progress);
    let sim = import::simulate(&state.db, &source, &settings, now(), &control).await;
    end(&state);
    let sim = sim?;
    remember_errors(&state, &sim).await;
    Ok(sim)
}

/// Imports the valid rows in one transaction, recorded as an undoable batch.
#[tauri::command]
#[specta::specta]
pub async fn import_apply(
    state: State<'_, AppState>,
    on_progress: Channel<ImportProgress>,
    settings: ImportSettings,
) -> CmdResult<ImportReport> {
    let source = current_source(&state).await?;
    let control = begin(&state, on_progress);
    // A backup first: an import changes the shop in bulk (see backup::then).
    let t = now();
    let work = import::apply(&state.db, &source, &settings, t, &control);
    let report = backup::then(&state.data_dir, Some(&*state.backup_keychain), Reason::BeforeImport, t, work).await;
    end(&state);
    let report = report?;
    state.changed();
    remember_errors(&state, &report.result).await;
    Ok(report)
}

/// Cancels the running step (reading, simulation or import); nothing is written.
#[tauri::command]
#[specta::specta]
pub fn import_cancel(state: State<'_, AppState>) {
    if let Some(c) = state.import_control.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        c.cancel();
    }
}

/// Writes the refused rows of the last simulation to `dest` (XLSX with an "Erreur"
/// column) so they can be fixed and imported again.
#[tauri::command]
#[specta::specta]
pub async fn import_save_rejected(
    state: State<'_, AppState>,
    settings: ImportSettings,
    dest: String,
) -> CmdResult<u32> {
    let guard = state.import.lock().await;
    let session = guard.as_ref().ok_or_else(no_file)?;
    let bytes = import::rejected_rows_xlsx(&session.source, &settings, &session.last_errors)?;
    std::fs::write(&dest, bytes).map_err(Error::from)?;
    Ok(session.last_errors.len() as u32)
}

#[tauri::command]
#[specta::specta]
pub async fn import_history(state: State<'_, AppState>) -> CmdResult<Vec<ImportBatch>> {
    Ok(state.db.import_batches().await?)
}

/// Puts the catalogue back exactly as it was before the batch.
#[tauri::command]
#[specta::specta]
pub async fn import_undo(state: State<'_, AppState>, batch_id: i64) -> CmdResult<UndoReport> {
    let r = import::undo(&state.db, batch_id, now()).await?;
    state.changed();
    Ok(r)
}

/// Writes the catalogue to `dest` (.xlsx or .csv); returns the number of lines.
#[tauri::command]
#[specta::specta]
pub async fn export_catalogue(state: State<'_, AppState>, dest: String) -> CmdResult<u32> {
    Ok(comptoir_core::export::export_catalogue(&state.db, std::path::Path::new(&dest), now()).await? as u32)
}

async fn current_source(state: &AppState) -> CmdResult<Arc<comptoir_core::import::Source>> {
    state.import.lock().await.as_ref().map(|s| s.source.clone()).ok_or_else(no_file)
}

async fn remember_errors(state: &AppState, sim: &Simulation) {
    if let Some(s) = state.import.lock().await.as_mut() {
        s.last_errors = sim.errors.clone();
    }
}
