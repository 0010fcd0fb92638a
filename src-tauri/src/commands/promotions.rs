//! The Promotions screen and the editor's promotion section.

use comptoir_core::promotions::{
    self, AddedPromotions, Campaigns, EndOutcome, EndSummary, PromotionEdit, PromotionPlan, PromotionQuery,
    PromotionRequest, PromotionView,
};
use tauri::State;

use super::{CmdResult, now};
use crate::AppState;

/// What a promotion request would do, variant by variant, with each reference price.
/// Nothing is saved.
#[tauri::command]
#[specta::specta]
pub async fn promotion_preview(state: State<'_, AppState>, request: PromotionRequest) -> CmdResult<PromotionPlan> {
    Ok(promotions::preview(&state.db, &request, now()).await?)
}

/// Sets the promotion on every variant of the request (thousands at once), all or none.
#[tauri::command]
#[specta::specta]
pub async fn promotion_add(state: State<'_, AppState>, request: PromotionRequest) -> CmdResult<AddedPromotions> {
    let added = promotions::add(&state.db, &request, now()).await?;
    state.changed();
    Ok(added)
}

#[tauri::command]
#[specta::specta]
pub async fn promotion_edit(state: State<'_, AppState>, id: i64, edit: PromotionEdit) -> CmdResult<PromotionView> {
    let view = promotions::edit(&state.db, id, &edit, now()).await?;
    state.changed();
    Ok(view)
}

/// Ends a running promotion now, or withdraws a planned one.
#[tauri::command]
#[specta::specta]
pub async fn promotion_end(state: State<'_, AppState>, id: i64) -> CmdResult<EndOutcome> {
    let outcome = promotions::end(&state.db, id, now()).await?;
    state.changed();
    Ok(outcome)
}

/// Ends or withdraws many at once (a whole campaign's).
#[tauri::command]
#[specta::specta]
pub async fn promotions_end(state: State<'_, AppState>, ids: Vec<i64>) -> CmdResult<EndSummary> {
    let summary = promotions::end_many(&state.db, &ids, now()).await?;
    state.changed();
    Ok(summary)
}

#[tauri::command]
#[specta::specta]
pub async fn promotions_list(state: State<'_, AppState>, query: PromotionQuery) -> CmdResult<Vec<PromotionView>> {
    Ok(promotions::list(&state.db, &query, now()).await?)
}

/// The shop's campaigns and those the marketplace announces.
#[tauri::command]
#[specta::specta]
pub async fn campaigns_list(state: State<'_, AppState>) -> CmdResult<Campaigns> {
    Ok(promotions::campaigns(&state.db, now()).await?)
}
