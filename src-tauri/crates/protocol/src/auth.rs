//! Pairing, token rotation and scopes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a token may do. A token only ever carries the scopes it was issued with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "catalog:write")]
    CatalogWrite,
    #[serde(rename = "orders:read")]
    OrdersRead,
    #[serde(rename = "orders:write")]
    OrdersWrite,
    #[serde(rename = "unknown", other)]
    Unknown,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::CatalogWrite, Scope::OrdersRead, Scope::OrdersWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CatalogWrite => "catalog:write",
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
            Scope::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Scope {
        Scope::ALL.into_iter().find(|x| x.as_str() == s).unwrap_or(Scope::Unknown)
    }
}

/// `POST /v1/auth/pair`: trade a one-time code issued by the marketplace admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairRequest {
    pub pairing_code: String,
    /// Free label shown to the admin ("Caisse du magasin").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
}

/// A freshly issued bearer token. The server keeps only its hash: this is the
/// one and only time the secret is visible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenGrant {
    pub shop_id: String,
    pub token: String,
    pub scopes: Vec<Scope>,
}

/// `POST /v1/auth/rotate`: the new token, and until when the old one still works
/// (so a response lost in transit never locks the shop out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RotatedToken {
    pub shop_id: String,
    pub token: String,
    pub scopes: Vec<Scope>,
    pub previous_token_expires_at: DateTime<Utc>,
}
