//! The promotions the screens list (with their state and whether the marketplace has
//! them), the catalogue list's badge, and the promotion each row of a spreadsheet shows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{PromotionBadge, PromotionState, PromotionView, format_local, state_at};
use crate::storage::promotions::PromotionSelect;
use crate::{Db, Result};

/// Which promotions a screen lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PromotionQuery {
    pub product_id: Option<i64>,
    pub campaign_id: Option<i64>,
    /// Include those over (the history); by default only running and planned ones.
    pub include_ended: bool,
}

pub async fn list(db: &Db, q: &PromotionQuery, now: DateTime<Utc>) -> Result<Vec<PromotionView>> {
    let select = PromotionSelect {
        ids: None,
        product_ids: q.product_id.map(|p| vec![p]),
        campaign_id: q.campaign_id,
        not_over_at: (!q.include_ended).then_some(now),
    };
    Ok(db.promotions(&select).await?.into_iter().map(|p| PromotionView::new(p, now)).collect())
}

/// The catalogue list's page with each product's promotion badge.
pub async fn product_page(
    db: &Db,
    filter: &crate::catalogue::ProductFilter,
    now: DateTime<Utc>,
) -> Result<crate::catalogue::ProductPage> {
    let mut page = db.list_products(filter).await?;
    let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
    let select = PromotionSelect { product_ids: Some(ids), not_over_at: Some(now), ..Default::default() };
    let mut badges: HashMap<i64, PromotionBadge> = HashMap::new();
    for p in db.promotions(&select).await? {
        let state = state_at(p.starts_at, p.ends_at, now);
        let when_text = match state {
            PromotionState::Running => p.ends_at.map(|e| format_local(e, true)),
            _ => Some(format_local(p.starts_at, false)),
        };
        let candidate = PromotionBadge { state, price_cents: p.price_cents, when_text };
        badges
            .entry(p.product_id)
            .and_modify(|b| {
                let better = (candidate.state == PromotionState::Running && b.state != PromotionState::Running)
                    || (candidate.state == b.state && candidate.price_cents < b.price_cents);
                if better {
                    *b = candidate.clone();
                }
            })
            .or_insert(candidate);
    }
    for row in &mut page.items {
        row.promotion = badges.remove(&row.id);
    }
    Ok(page)
}

/// The promotion of each variant a row of a spreadsheet shows: the running one, else
/// the next planned one (by variant id).
pub async fn shown_by_variant(db: &Db, now: DateTime<Utc>) -> Result<HashMap<i64, PromotionView>> {
    let mut shown: HashMap<i64, PromotionView> = HashMap::new();
    let select = PromotionSelect { not_over_at: Some(now), ..Default::default() };
    for p in db.promotions(&select).await? {
        let variant = p.variant_id;
        // Ordered by start: the first not over is the running one or the next one.
        shown.entry(variant).or_insert_with(|| PromotionView::new(p, now));
    }
    Ok(shown)
}
