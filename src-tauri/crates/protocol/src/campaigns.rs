//! `GET /v1/campaigns` (MSP/1.1): the moments the marketplace announces (« Noël en
//! Orne, 1er–24 décembre »). A shop joins one by naming it in the `campaign` of the
//! promotions it sends with its products.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// Stable id (« noel-2026 »), the one a promotion's `campaign.id` names.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
}

/// `POST /admin/v1/campaigns`: the département announces a campaign (or replaces the
/// one with the same id) with exactly what the shops will read: `id` is
/// `[a-z0-9-]{1,64}`, `ends_at` after `starts_at` (`422 campaign_invalid` otherwise).
pub type CampaignCreate = Campaign;

pub type CampaignPage = crate::Page<Campaign>;
