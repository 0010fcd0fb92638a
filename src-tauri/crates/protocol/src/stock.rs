//! `POST /v1/stock/batch`: absolute stock with compare-and-set, or adjustments.

use serde::{Deserialize, Serialize};

use crate::catalog::OpStatus;
use crate::problem::Problem;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StockOp {
    /// Set `available`; if `expected_available` is given the write only happens when
    /// the server still holds that value (otherwise `conflict`).
    Set {
        sku: String,
        available: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected_available: Option<i64>,
    },
    /// Add `delta` (negative to remove); never goes below zero.
    Adjust { sku: String, delta: i64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockBatchRequest {
    pub ops: Vec<StockOp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockResult {
    pub sku: String,
    pub status: OpStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
    /// The owning product's version after the write (stock is part of the product).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_version: Option<i64>,
    /// On `conflict`: what the server holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_available: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockBatchResponse {
    pub results: Vec<StockResult>,
}
