//! Native file dialogs (GTK on Linux, the common dialogs on Windows, NSOpenPanel on
//! macOS) opened from Rust, so the web side needs no file-system permission at all:
//! it receives a path and hands it back to a command.
//!
//! The dialogs need the real app handle; they are installed into [`AppState`] at
//! start-up behind [`FileDialogs`], which keeps the commands independent of the Tauri
//! runtime type (the IPC tests run them on the mock runtime, without dialogs).

use std::future::Future;
use std::pin::Pin;

use comptoir_core::Error;
use serde::Deserialize;
use tauri::State;
use tauri_plugin_dialog::{DialogExt, FilePath};

use super::CmdResult;
use crate::AppState;

/// What the dialog is for: sets its file filters.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// CSV, TSV, TXT, XLSX, XLS, ODS.
    Spreadsheet,
    Xlsx,
    Csv,
    /// A printable page.
    Html,
    /// Photos: JPEG, PNG, WebP, HEIC.
    Photos,
    /// The support report.
    Zip,
}

impl FileKind {
    fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            FileKind::Spreadsheet => ("Tableurs", &["csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods"]),
            FileKind::Xlsx => ("Classeur Excel", &["xlsx"]),
            FileKind::Csv => ("CSV (Excel)", &["csv"]),
            FileKind::Html => ("Page à imprimer", &["html"]),
            FileKind::Photos => ("Photos", &["jpg", "jpeg", "png", "webp", "heic", "heif", "JPG", "JPEG", "PNG"]),
            FileKind::Zip => ("Archive zip", &["zip"]),
        }
    }
}

type Answer = Pin<Box<dyn Future<Output = Option<String>> + Send>>;
type Answers = Pin<Box<dyn Future<Output = Vec<String>> + Send>>;

pub trait FileDialogs: Send + Sync {
    fn open(&self, kind: FileKind) -> Answer;
    fn open_many(&self, kind: FileKind) -> Answers;
    fn folder(&self) -> Answer;
    fn save(&self, kind: FileKind, suggested_name: String) -> Answer;
}

/// The OS dialogs through tauri-plugin-dialog (which runs them on the UI thread).
pub struct NativeDialogs(pub tauri::AppHandle);

fn into_path(p: Option<FilePath>) -> Option<String> {
    p.and_then(|p| p.into_path().ok()).map(|p| p.display().to_string())
}

impl FileDialogs for NativeDialogs {
    fn open(&self, kind: FileKind) -> Answer {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (name, ext) = kind.filter();
        self.0.dialog().file().set_title("Choisir un fichier").add_filter(name, ext).pick_file(move |p| {
            let _ = tx.send(into_path(p));
        });
        Box::pin(async move { rx.await.ok().flatten() })
    }

    fn open_many(&self, kind: FileKind) -> Answers {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (name, ext) = kind.filter();
        self.0.dialog().file().set_title("Choisir des fichiers").add_filter(name, ext).pick_files(move |p| {
            let _ = tx.send(p.unwrap_or_default().into_iter().filter_map(|p| into_path(Some(p))).collect());
        });
        Box::pin(async move { rx.await.unwrap_or_default() })
    }

    fn folder(&self) -> Answer {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0.dialog().file().set_title("Choisir un dossier").pick_folder(move |p| {
            let _ = tx.send(into_path(p));
        });
        Box::pin(async move { rx.await.ok().flatten() })
    }

    fn save(&self, kind: FileKind, suggested_name: String) -> Answer {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (name, ext) = kind.filter();
        self.0
            .dialog()
            .file()
            .set_title("Enregistrer sous")
            .set_file_name(suggested_name)
            .add_filter(name, ext)
            .save_file(move |p| {
                let _ = tx.send(into_path(p));
            });
        Box::pin(async move { rx.await.ok().flatten() })
    }
}

fn dialogs(state: &AppState) -> CmdResult<std::sync::Arc<dyn FileDialogs>> {
    state
        .dialogs()
        .ok_or_else(|| Error::Conflict("Les fenêtres de choix de fichier ne sont pas disponibles".into()).into())
}

/// "Ouvrir…": the chosen file's path, or nothing when the shopkeeper cancels.
#[tauri::command]
#[specta::specta]
pub async fn pick_file(state: State<'_, AppState>, kind: FileKind) -> CmdResult<Option<String>> {
    Ok(dialogs(&state)?.open(kind).await)
}

/// "Ouvrir…" with several files (none when the shopkeeper cancels).
#[tauri::command]
#[specta::specta]
pub async fn pick_files(state: State<'_, AppState>, kind: FileKind) -> CmdResult<Vec<String>> {
    Ok(dialogs(&state)?.open_many(kind).await)
}

/// "Choisir un dossier…".
#[tauri::command]
#[specta::specta]
pub async fn pick_folder(state: State<'_, AppState>) -> CmdResult<Option<String>> {
    Ok(dialogs(&state)?.folder().await)
}

/// "Enregistrer sous…", proposing `suggested_name`.
#[tauri::command]
#[specta::specta]
pub async fn pick_save_path(
    state: State<'_, AppState>,
    kind: FileKind,
    suggested_name: String,
) -> CmdResult<Option<String>> {
    Ok(dialogs(&state)?.save(kind, suggested_name).await)
}
