//! The minimal public storefront of the reference server (customers, simulator).
//! Not part of the merchant API; lives under `/storefront/v1`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::orders::Customer;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorefrontVariant {
    pub sku: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    pub price_ttc: i64,
    pub currency: String,
    pub available: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorefrontProduct {
    pub external_id: String,
    pub title: String,
    pub description: String,
    pub images: Vec<String>,
    pub variants: Vec<StorefrontVariant>,
}

pub type StorefrontPage = crate::Page<StorefrontProduct>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLineRequest {
    pub sku: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceOrderRequest {
    pub customer: Customer,
    pub lines: Vec<OrderLineRequest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerCancelRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
