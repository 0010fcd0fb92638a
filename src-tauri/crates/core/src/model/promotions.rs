//! What a variant's reference price is computed from, as storage reads it: its price
//! now, its past prices and its other promotions (the rule, Code de la consommation,
//! art. L112-1-1, is in `promotions::reference`); and a promotion's state and badge, as
//! the catalogue list carries them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A regular price a variant had before its current one, and the instant it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastPrice {
    pub price_cents: i64,
    pub until: DateTime<Utc>,
}

/// Another promotion of the same variant, as far as the reference price cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherPromotion {
    /// Its id; minus its row number for one of a spreadsheet not saved yet.
    pub id: i64,
    pub price_cents: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub campaign_id: Option<i64>,
    /// `None`: perishable (no reference was needed).
    pub reference_cents: Option<i64>,
}

/// What the reference price of one variant is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceFacts {
    /// The regular price now.
    pub current_cents: i64,
    /// When the variant was created: before that it had no price at all.
    pub since: DateTime<Utc>,
    /// Past regular prices, in any order.
    pub history: Vec<PastPrice>,
    /// The variant's other promotions (the one being computed excluded).
    pub promotions: Vec<OtherPromotion>,
}

/// Where a promotion stands at an instant (`promotions::state_at` decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PromotionState {
    Planned,
    Running,
    Ended,
}

/// What the catalogue list shows of a product's promotions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PromotionBadge {
    /// Running if one of its variants is on promotion now, else planned.
    pub state: PromotionState,
    /// The lowest reduced price of those in that state.
    pub price_cents: i64,
    /// Paris time: when the running one ends, or when the planned one starts.
    pub when_text: Option<String>,
}
