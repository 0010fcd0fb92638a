//! The "Place de marché" screen and the status bar: connect (pairing code or token),
//! disconnect, status, "Synchroniser maintenant", and the window's live channel.

use chrono::{Local, Offset};
use comptoir_core::sync::{self, Connection, SyncStatus, WorkerState};
use serde::Serialize;
use tauri::State;
use tauri::ipc::Channel;

use super::CmdResult;
use crate::AppState;
use crate::services::{FeedView, LiveEvent};

/// Everything the status bar and the settings screen show.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MarketStatus {
    pub sync: SyncStatus,
    pub worker: WorkerState,
    pub feed: FeedView,
}

#[tauri::command]
#[specta::specta]
pub async fn market_status(state: State<'_, AppState>) -> CmdResult<MarketStatus> {
    // The shop's UTC offset is read here, at the edge ("hors ligne depuis 14 h 32").
    let offset = Local::now().offset().fix();
    Ok(MarketStatus {
        sync: sync::sync_status(&state.db, offset).await?,
        worker: state.sync.state().borrow().clone(),
        feed: state.live.feed(),
    })
}

/// Pairs with a code (or takes a token), checks it, keeps the token in the OS keychain.
#[tauri::command]
#[specta::specta]
pub async fn market_connect(
    state: State<'_, AppState>,
    url: String,
    pairing_code: Option<String>,
    token: Option<String>,
) -> CmdResult<Connection> {
    let cred = match token.filter(|t| !t.trim().is_empty()) {
        Some(t) => sync::engine::Credential::Token(t),
        None => sync::engine::Credential::PairingCode(pairing_code.unwrap_or_default()),
    };
    let c = sync::connect(&state.db, &url, cred, &*state.keychain).await?;
    state.sync.sync_now();
    state.live.restart_feed();
    Ok(c)
}

/// Forgets the connection; the token leaves the keychain; the catalogue stays.
#[tauri::command]
#[specta::specta]
pub async fn market_disconnect(state: State<'_, AppState>) -> CmdResult<()> {
    sync::disconnect(&state.db, &*state.keychain).await?;
    state.live.restart_feed();
    Ok(())
}

/// "Synchroniser maintenant": a pass at once, even during a backoff wait.
#[tauri::command]
#[specta::specta]
pub fn sync_now(state: State<'_, AppState>) {
    state.sync.sync_now();
}

/// The window's channel for what happens in the background.
#[tauri::command]
#[specta::specta]
pub fn live_subscribe(state: State<'_, AppState>, channel: Channel<LiveEvent>) {
    state.live.subscribe(channel);
}

/// One product's place on the marketplace (published, pending, rejected with the
/// reason) and which of its photos the marketplace holds, for the product editor.
#[tauri::command]
#[specta::specta]
pub async fn product_sync_detail(
    state: State<'_, AppState>,
    product_id: i64,
) -> CmdResult<comptoir_core::sync::detail::ProductSyncDetail> {
    Ok(sync::detail::product_sync_detail(&state.db, product_id).await?)
}
