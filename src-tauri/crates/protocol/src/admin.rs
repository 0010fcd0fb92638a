//! Marketplace-side administration (`/admin/v1`, admin token): onboarding shops,
//! issuing pairing codes, moderating products.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::Scope;
use crate::catalog::ModerationStatus;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateShopRequest {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopCreated {
    pub shop_id: String,
    pub token: String,
    pub pairing_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairingCode {
    pub pairing_code: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueTokenRequest {
    pub scopes: Vec<Scope>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModerationRequest {
    pub status: ModerationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpireResult {
    pub expired_order_ids: Vec<String>,
}

/// `POST /admin/v1/media/sweep`: what the sweep deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaSweepResult {
    /// Photos no product had referenced for the whole grace period.
    pub deleted: u64,
    /// Resumable uploads nobody had added to for a day.
    pub partial_uploads_deleted: u64,
}
