//! `POST /v1/catalog/batch` and `GET /v1/catalog/state`.
//!
//! Products and categories are sent as desired state, keyed by the shop's own
//! `external_id`, each with the `base_version` the client last saw (0 = create).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    Upsert,
    Delete,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectType {
    Category,
    Product,
    #[serde(other)]
    Unknown,
}

impl ObjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Category => "category",
            ObjectType::Product => "product",
            ObjectType::Unknown => "unknown",
        }
    }
}

/// One operation of a batch. `data` is kept as raw JSON so that the server can
/// report a precise pointer for a bad field of one op without failing the others;
/// build it with [`CatalogOp::upsert_product`] / [`CatalogOp::upsert_category`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogOp {
    pub op: OpKind,
    #[serde(rename = "type")]
    pub object_type: ObjectType,
    pub external_id: String,
    pub base_version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl CatalogOp {
    pub fn upsert_product(external_id: impl Into<String>, base_version: i64, data: &ProductData) -> Self {
        Self {
            op: OpKind::Upsert,
            object_type: ObjectType::Product,
            external_id: external_id.into(),
            base_version,
            data: serde_json::to_value(data).ok(),
        }
    }

    pub fn upsert_category(external_id: impl Into<String>, base_version: i64, data: &CategoryData) -> Self {
        Self {
            op: OpKind::Upsert,
            object_type: ObjectType::Category,
            external_id: external_id.into(),
            base_version,
            data: serde_json::to_value(data).ok(),
        }
    }

    pub fn delete(object_type: ObjectType, external_id: impl Into<String>, base_version: i64) -> Self {
        Self { op: OpKind::Delete, object_type, external_id: external_id.into(), base_version, data: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogBatchRequest {
    pub ops: Vec<CatalogOp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryData {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_external_id: Option<String>,
    #[serde(default)]
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductData {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub category_external_ids: Vec<String>,
    /// Ordered sha256 of photos already uploaded with `PUT /v1/media/{sha256}`.
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub published: bool,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub sku: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Price including VAT, in cents.
    pub price_ttc: i64,
    pub currency: String,
    /// French VAT rate as a decimal string: "20", "10", "5.5" or "2.1".
    pub vat_rate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ean: Option<String>,
    pub stock: Stock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stock {
    pub available: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    Ok,
    Conflict,
    Invalid,
    #[serde(other)]
    Unknown,
}

/// One result per op, in request order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpResult {
    pub external_id: String,
    #[serde(rename = "type")]
    pub object_type: ObjectType,
    pub status: OpStatus,
    /// On `ok`: the version now stored (0 after deleting something that never existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// On `conflict`: the version the server holds (0 = absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// On `invalid`, pointers relative to the whole request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogBatchResponse {
    pub results: Vec<OpResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationStatus {
    Approved,
    Rejected,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moderation {
    pub status: ModerationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One object of `GET /v1/catalog/state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateItem {
    #[serde(rename = "type")]
    pub object_type: ObjectType,
    pub external_id: String,
    pub version: i64,
    pub deleted: bool,
    /// [`crate::hash::content_hash`] of the stored data; absent once deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<Moderation>,
    pub updated_at: DateTime<Utc>,
}

/// One page of `GET /v1/catalog/state`.
pub type StatePage = crate::Page<StateItem>;

/// One live object of `GET /v1/catalog/content`: the data the marketplace holds for it,
/// exactly as stored (stock as the marketplace counts it, images as sha256 of media the
/// shop can read back with `GET /v1/media/{sha256}`). What a shop with no backup needs to
/// rebuild its catalogue on a new PC; deleted objects are left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentItem {
    #[serde(rename = "type")]
    pub object_type: ObjectType,
    pub external_id: String,
    pub version: i64,
    /// [`crate::hash::content_hash`] of the data.
    pub hash: String,
    /// Set when `type` is `category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<CategoryData>,
    /// Set when `type` is `product`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<ProductData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<Moderation>,
}

/// One page of `GET /v1/catalog/content`, ordered by (type, external_id).
pub type ContentPage = crate::Page<ContentItem>;
