//! The campaigns the Promotions screen shows: the shop's own, and those the marketplace
//! announces (as of the last sync) with the shop's campaign that joined each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{PromotionState, format_local, state_at};
use crate::{Db, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CampaignView {
    pub id: i64,
    pub name: String,
    pub starts_at: String,
    pub ends_at: Option<String>,
    pub starts_text: String,
    pub ends_text: Option<String>,
    /// The marketplace's campaign it joins.
    pub market_id: Option<String>,
    pub promotion_count: i64,
    pub state: PromotionState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MarketCampaignView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub starts_at: String,
    pub ends_at: Option<String>,
    pub starts_text: String,
    pub ends_text: Option<String>,
    /// The shop's campaign that joined it, if it did.
    pub joined: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Campaigns {
    pub own: Vec<CampaignView>,
    /// Announced by the marketplace (as of the last sync), not over.
    pub market: Vec<MarketCampaignView>,
}

pub async fn campaigns(db: &Db, now: DateTime<Utc>) -> Result<Campaigns> {
    let own_rows = db.campaigns().await?;
    let market = db
        .market_campaigns()
        .await?
        .into_iter()
        .filter(|m| m.ends_at.is_none_or(|e| e > now))
        .map(|m| MarketCampaignView {
            joined: own_rows.iter().find(|c| c.market_id.as_deref() == Some(m.id.as_str())).map(|c| c.id),
            starts_at: crate::storage::ts(m.starts_at),
            ends_at: m.ends_at.map(crate::storage::ts),
            starts_text: format_local(m.starts_at, false),
            ends_text: m.ends_at.map(|e| format_local(e, true)),
            id: m.id,
            name: m.name,
            description: m.description,
        })
        .collect();
    let own = own_rows
        .into_iter()
        .map(|c| CampaignView {
            state: state_at(c.starts_at, c.ends_at, now),
            starts_at: crate::storage::ts(c.starts_at),
            ends_at: c.ends_at.map(crate::storage::ts),
            starts_text: format_local(c.starts_at, false),
            ends_text: c.ends_at.map(|e| format_local(e, true)),
            id: c.id,
            name: c.name,
            market_id: c.market_id,
            promotion_count: c.promotion_count,
        })
        .collect();
    Ok(Campaigns { own, market })
}
