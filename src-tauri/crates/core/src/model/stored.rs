//! Rows as the database holds them, where a feature works on them directly: a
//! product's offer as its columns, and a product's stored rows kept for an import's
//! undo (the planner compares against them, undo writes them back).

use serde::{Deserialize, Serialize};

use super::catalogue::{Offer, ProductKind, StockPolicy};

/// An [`Offer`] as its columns hold it (also inside an import's undo snapshots, where
/// snapshots taken before these columns existed read as the defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOffer {
    #[serde(default)]
    pub packaging: Option<String>,
    #[serde(default = "goods")]
    pub kind: String,
    #[serde(default = "counted")]
    pub stock_policy: String,
    #[serde(default)]
    pub lead_time_days: Option<i64>,
    #[serde(default)]
    pub duration_min: Option<i64>,
    #[serde(default = "no_sessions")]
    pub sessions: String,
    #[serde(default)]
    pub food: Option<String>,
}

impl Default for StoredOffer {
    fn default() -> Self {
        StoredOffer::from_offer(&Offer::default())
    }
}

fn goods() -> String {
    ProductKind::Goods.as_str().into()
}
fn counted() -> String {
    StockPolicy::Counted.as_str().into()
}
fn no_sessions() -> String {
    "[]".into()
}

impl StoredOffer {
    pub fn from_offer(o: &Offer) -> Self {
        StoredOffer {
            packaging: o.packaging.clone(),
            kind: o.kind.as_str().to_owned(),
            stock_policy: o.stock_policy.as_str().to_owned(),
            lead_time_days: o.lead_time_days.map(i64::from),
            duration_min: o.duration_minutes.map(i64::from),
            // Most products have no session: not worth serde for every row of an import.
            sessions: if o.sessions.is_empty() {
                "[]".into()
            } else {
                serde_json::to_string(&o.sessions).unwrap_or_else(|_| "[]".into())
            },
            food: o.food.as_ref().and_then(|f| serde_json::to_string(f).ok()),
        }
    }

    /// The offer of a plain product (goods, stock counted, nothing else said), which is
    /// what the columns' own defaults hold (migration 0011): an INSERT may leave them out.
    pub fn is_default(&self) -> bool {
        self.packaging.is_none()
            && self.kind == ProductKind::Goods.as_str()
            && self.stock_policy == StockPolicy::Counted.as_str()
            && self.lead_time_days.is_none()
            && self.duration_min.is_none()
            && self.sessions == "[]"
            && self.food.is_none()
    }
}

/// A product's stored rows, exactly, for undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSnapshot {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub sort_key: String,
    pub description: String,
    pub category_id: Option<i64>,
    pub status: String,
    pub vat_bp: i64,
    pub unit: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(flatten)]
    pub offer: StoredOffer,
    pub variants: Vec<VariantSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantSnapshot {
    pub id: i64,
    pub sku: String,
    /// JSON text as stored.
    pub options: String,
    pub price_cents: i64,
    pub stock: i64,
    pub ean: Option<String>,
    #[serde(default)]
    pub net_quantity: Option<String>,
    /// Snapshots taken before schema 0011 hold grams and millilitres: read, turned into
    /// a net quantity on undo, never written again.
    #[serde(default, skip_serializing)]
    pub weight_g: Option<i64>,
    #[serde(default, skip_serializing)]
    pub volume_ml: Option<i64>,
    pub position: i64,
    pub created_at: String,
    pub updated_at: String,
}
