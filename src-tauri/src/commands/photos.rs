//! The photo studio: bring photos in (files, folders, a drop on the window, the watched
//! folder, the webcam), follow the batch, review the products proposed by file name,
//! and edit a product's photos (order, main, rotate, crop, alt text). The pipeline and
//! every rule live in `comptoir_core::photos`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use comptoir_core::photos::{
    self, CancelFlag, Crop, ImportReport, LibraryPhoto, MatchProposal, Preset, ProductPhoto, Progress, Studio,
};
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;

use super::{CmdResult, now};
use crate::AppState;
use crate::services::LiveEvent;

/// Processes files and folders (sub-folders included) with progress on `on_progress`;
/// each bad file is reported by name and the batch goes on. Nothing is attached to a
/// product here: the proposals are reviewed first.
#[tauri::command]
#[specta::specta]
pub async fn photos_import(
    state: State<'_, AppState>,
    on_progress: Channel<Progress>,
    paths: Vec<String>,
) -> CmdResult<ImportReport> {
    let paths = paths.into_iter().map(PathBuf::from).collect();
    let (progress, cancel) = begin(&state, on_progress);
    let report = state.studio().import(paths, progress, cancel, now()).await;
    end(&state);
    Ok(report?)
}

type OnProgress = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Starts a long photo batch: its progress goes to the window's channel and its cancel
/// switch is installed where "Annuler" ([`photos_cancel`]) reaches it.
fn begin(state: &AppState, on_progress: Channel<Progress>) -> (OnProgress, CancelFlag) {
    let cancel = CancelFlag::new();
    *state.photos_cancel.lock().unwrap_or_else(|e| e.into_inner()) = Some(cancel.clone());
    let progress = Arc::new(move |p: &Progress| {
        // A lost progress message only delays the bar.
        let _ = on_progress.send(p.clone());
    });
    (progress, cancel)
}

fn end(state: &AppState) {
    state.photos_cancel.lock().unwrap_or_else(|e| e.into_inner()).take();
}

/// "Annuler": the photos in flight finish, no new one starts.
#[tauri::command]
#[specta::specta]
pub fn photos_cancel(state: State<'_, AppState>) {
    if let Some(c) = state.photos_cancel.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        c.cancel();
    }
}

/// A frame from the webcam (JPEG bytes made by the window), through the same pipeline.
#[tauri::command]
#[specta::specta]
pub async fn photos_capture(state: State<'_, AppState>, jpeg: Vec<u8>) -> CmdResult<ImportReport> {
    Ok(state.studio().import_capture(jpeg, &state.data_dir, now()).await?)
}

/// The library, newest first; `unattached_only`: the photos no product shows yet.
#[tauri::command]
#[specta::specta]
pub async fn photos_library(state: State<'_, AppState>, unattached_only: bool) -> CmdResult<Vec<LibraryPhoto>> {
    Ok(state.studio().library(unattached_only, 500).await?)
}

/// Attaches the proposals the shopkeeper kept on the review screen.
#[tauri::command]
#[specta::specta]
pub async fn photos_apply_matches(state: State<'_, AppState>, proposals: Vec<MatchProposal>) -> CmdResult<u32> {
    let n = state.studio().apply_matches(&proposals, now()).await?;
    state.changed();
    Ok(n)
}

/// The watched folder and the preset in force.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct StudioSettings {
    pub preset: Preset,
    pub watch_folder: Option<String>,
    /// Why the folder is not watched right now (French), if it is set but failed.
    pub watch_error: Option<String>,
    /// Said in the studio when this build cannot read iPhone HEIC photos (French).
    pub heic_note: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn photos_settings(state: State<'_, AppState>) -> CmdResult<StudioSettings> {
    let folder = photos::settings::watch_folder(&state.db).await?;
    Ok(StudioSettings {
        preset: state.studio().preset,
        watch_folder: folder.map(|f| f.display().to_string()),
        watch_error: state.watch_error(),
        heic_note: photos::capabilities().heic_note(),
    })
}

/// Watches `folder` (or stops watching): its new photos come into the studio by
/// themselves, and the window is told on the live channel.
#[tauri::command]
#[specta::specta]
pub async fn photos_watch(state: State<'_, AppState>, folder: Option<String>) -> CmdResult<StudioSettings> {
    let folder = folder.filter(|f| !f.trim().is_empty()).map(PathBuf::from);
    photos::settings::set_watch_folder(&state.db, folder.as_deref()).await?;
    state.watch(folder.as_deref());
    photos_settings(state).await
}

/// Keeps a new preset (size of the main image, square on white) and re-renders every
/// photo made with another one from its original, with progress; returns how many.
#[tauri::command]
#[specta::specta]
pub async fn photos_set_preset(
    state: State<'_, AppState>,
    on_progress: Channel<Progress>,
    preset: Preset,
) -> CmdResult<u32> {
    let preset = photos::settings::set_preset(&state.db, preset).await?;
    state.set_preset(preset);
    // The watcher renders with the preset it was started with: restart it.
    state.watch(photos::settings::watch_folder(&state.db).await?.as_deref());
    let (progress, cancel) = begin(&state, on_progress);
    let n = state.studio().rebuild_stale(progress, cancel, now()).await;
    end(&state);
    let n = n?;
    state.changed();
    Ok(n)
}

// ---- a product's photos ------------------------------------------------------------

#[tauri::command]
#[specta::specta]
pub async fn product_photos(state: State<'_, AppState>, product_id: i64) -> CmdResult<Vec<ProductPhoto>> {
    Ok(state.studio().product_photos(product_id).await?)
}

/// Puts library photos on a product (after its own), main first when it had none.
#[tauri::command]
#[specta::specta]
pub async fn photos_attach(
    state: State<'_, AppState>,
    product_id: i64,
    shas: Vec<String>,
) -> CmdResult<Vec<ProductPhoto>> {
    for sha in &shas {
        state.studio().attach(product_id, sha, now()).await?;
    }
    state.changed();
    Ok(state.studio().product_photos(product_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn photos_reorder(
    state: State<'_, AppState>,
    product_id: i64,
    ids: Vec<i64>,
) -> CmdResult<Vec<ProductPhoto>> {
    let r = state.studio().reorder(product_id, &ids, now()).await?;
    state.changed();
    Ok(r)
}

#[tauri::command]
#[specta::specta]
pub async fn photos_set_main(state: State<'_, AppState>, id: i64) -> CmdResult<Vec<ProductPhoto>> {
    let r = state.studio().set_main(id, now()).await?;
    state.changed();
    Ok(r)
}

#[tauri::command]
#[specta::specta]
pub async fn photos_rotate(state: State<'_, AppState>, id: i64, clockwise: bool) -> CmdResult<ProductPhoto> {
    let r = state.studio().rotate(id, clockwise, now()).await?;
    state.changed();
    Ok(r)
}

/// Crops to `crop` (fractions of the upright image), to the centred square with
/// `square`, or removes the crop when both are absent.
#[tauri::command]
#[specta::specta]
pub async fn photos_crop(
    state: State<'_, AppState>,
    id: i64,
    crop: Option<Crop>,
    square: bool,
) -> CmdResult<ProductPhoto> {
    let r = if square {
        state.studio().crop_square(id, now()).await?
    } else {
        state.studio().crop(id, crop, now()).await?
    };
    state.changed();
    Ok(r)
}

/// The photo turned as it is but not cropped, for the crop frame to be drawn on.
#[tauri::command]
#[specta::specta]
pub async fn photos_crop_source(state: State<'_, AppState>, id: i64) -> CmdResult<String> {
    Ok(state.studio().crop_source(id).await?.display().to_string())
}

#[tauri::command]
#[specta::specta]
pub async fn photos_set_alt(state: State<'_, AppState>, id: i64, alt: String) -> CmdResult<()> {
    state.studio().set_alt(id, &alt, now()).await?;
    state.changed();
    Ok(())
}

/// Takes the photo off the product; it stays in the library.
#[tauri::command]
#[specta::specta]
pub async fn photos_detach(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state.studio().detach(id, now()).await?;
    state.changed();
    Ok(())
}

/// Serves `photo://localhost/<derivative name>` (`http://photo.localhost/…` on
/// Windows) from the photo store, so the window can show thumbnails without any
/// file-system permission. Only derivative names resolve (see
/// `PhotoStore::public_derivative`); they are content-addressed, so they never change.
pub fn serve(store: &photos::PhotoStore, uri_path: &str) -> tauri::http::Response<Vec<u8>> {
    use tauri::http::{Response, StatusCode, header};
    let name = uri_path.trim_start_matches('/');
    let file = store.public_derivative(name).and_then(|p| std::fs::read(p).ok());
    match file {
        Some(bytes) => Response::builder()
            .header(header::CONTENT_TYPE, "image/jpeg")
            .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
            .body(bytes),
        None => Response::builder().status(StatusCode::NOT_FOUND).body(Vec::new()),
    }
    .unwrap_or_else(|_| Response::new(Vec::new()))
}

/// Starts watching `folder` on the runtime of `handle`: each new photo is imported and
/// the window is told (`LiveEvent::Photos`).
pub fn start_watcher(
    studio: Studio,
    live: Arc<crate::services::Live>,
    folder: &Path,
    handle: tokio::runtime::Handle,
) -> comptoir_core::Result<photos::FolderWatcher> {
    photos::watch_folder(folder, std::time::Duration::from_millis(800), move |paths| {
        let (studio, live) = (studio.clone(), live.clone());
        handle.spawn(async move {
            match studio.import(paths, Arc::new(|_: &Progress| {}), CancelFlag::new(), now()).await {
                Ok(report) => live.send(LiveEvent::Photos { report }),
                Err(e) => tracing::warn!("dossier surveillé : {e}"),
            }
        });
    })
}
