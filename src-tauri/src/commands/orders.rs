//! The orders screen: list and detail, accept / refuse / ready / collected (queued
//! with an Idempotency-Key, sent at once when the line is up, else shown as pending),
//! and the exports producers ask for (order list, pick list).

use chrono::{Duration, NaiveDate};
use comptoir_core::orders::{self, Action, LocalOrder, OrderFilter, actions, client_from_connection};
use comptoir_core::{Error, export};
use serde::Deserialize;
use tauri::State;

use super::{CmdResult, now};
use crate::AppState;
use crate::services::LiveEvent;

#[tauri::command]
#[specta::specta]
pub async fn orders_list(state: State<'_, AppState>, filter: OrderFilter) -> CmdResult<Vec<LocalOrder>> {
    Ok(orders::list(&state.db, &filter).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn order_get(state: State<'_, AppState>, order_id: String) -> CmdResult<LocalOrder> {
    Ok(orders::get(&state.db, &order_id).await?)
}

/// What the shopkeeper decided on an order.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderAction {
    /// Accept; the listed lines are refused (out of stock).
    Accept {
        refused_line_ids: Vec<String>,
    },
    Refuse {
        reason: String,
    },
    /// Ready for pickup; kept this many days (3 unless told).
    Ready {
        keep_days: Option<u32>,
    },
    Collected,
}

/// Queues the action, then tries to send it at once. Offline, it stays queued (the
/// order shows "en attente d'envoi") and the orders feed sends it when the line is back.
#[tauri::command]
#[specta::specta]
pub async fn order_act(state: State<'_, AppState>, order_id: String, action: OrderAction) -> CmdResult<LocalOrder> {
    let t = now();
    let action = match action {
        OrderAction::Accept { refused_line_ids } => Action::Accept { refused_line_ids },
        OrderAction::Refuse { reason } => Action::Refuse { reason },
        OrderAction::Ready { keep_days } => Action::ready(t, keep_days.map(|d| Duration::days(i64::from(d))), None)?,
        OrderAction::Collected => Action::Collected,
    };
    let (order, _key) = actions::queue(&state.db, &order_id, &action, t).await?;
    if let Ok(client) = client_from_connection(&state.db, &*state.keychain).await {
        // A failure here is not the shopkeeper's: the action is queued and retried.
        let _ = actions::flush(&state.db, &client, now()).await;
    }
    state.live.send(LiveEvent::Orders);
    Ok(orders::get(&state.db, &order.server_id).await?)
}

fn day(s: &str, field: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, "date", format!("Date illisible : « {s} » (attendu : AAAA-MM-JJ)")))
}

/// The orders created between two days (inclusive) to `dest` (.xlsx or .csv).
#[tauri::command]
#[specta::specta]
pub async fn export_orders(state: State<'_, AppState>, dest: String, from: String, to: String) -> CmdResult<u32> {
    let (from, to) = (day(&from, "from")?, day(&to, "to")?);
    Ok(export::orders::export_orders(&state.db, std::path::Path::new(&dest), from, to).await? as u32)
}

/// The pick list of a pickup day as an XLSX at `dest`.
#[tauri::command]
#[specta::specta]
pub async fn export_picklist(state: State<'_, AppState>, dest: String, date: String) -> CmdResult<u32> {
    let p = export::orders::export_pick_list(&state.db, std::path::Path::new(&dest), day(&date, "date")?).await?;
    Ok(p.items.len() as u32)
}

/// The pick list of a pickup day as a printable page (escaped HTML made by core).
#[tauri::command]
#[specta::specta]
pub async fn picklist_html(state: State<'_, AppState>, date: String) -> CmdResult<String> {
    let p = export::orders::pick_list(&state.db, day(&date, "date")?).await?;
    Ok(export::orders::pick_list_html(&p))
}

#[tauri::command]
#[specta::specta]
pub async fn order_settings(state: State<'_, AppState>) -> CmdResult<orders::settings::OrderSettings> {
    Ok(orders::settings::load(&state.db).await?)
}

/// Saves the reminder delay and the sound; the orders feed picks them up at once.
#[tauri::command]
#[specta::specta]
pub async fn save_order_settings(
    state: State<'_, AppState>,
    settings: orders::settings::OrderSettings,
) -> CmdResult<()> {
    orders::settings::save(&state.db, &settings).await?;
    state.live.restart_feed();
    Ok(())
}
