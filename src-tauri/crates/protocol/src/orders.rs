//! Click-and-collect orders and their state machine.
//!
//! ```text
//! pending_acceptance ─┬─> accepted ──> ready_for_pickup ──> collected
//!                     ├─> refused         │      │
//!                     ├─> cancelled <─────┴──────┘ (customer or merchant)
//!                     └─> expired (acceptance deadline or ready_until passed)
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PendingAcceptance,
    Accepted,
    Refused,
    ReadyForPickup,
    Collected,
    Cancelled,
    Expired,
    #[serde(other)]
    Unknown,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::PendingAcceptance,
        OrderStatus::Accepted,
        OrderStatus::Refused,
        OrderStatus::ReadyForPickup,
        OrderStatus::Collected,
        OrderStatus::Cancelled,
        OrderStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingAcceptance => "pending_acceptance",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Refused => "refused",
            OrderStatus::ReadyForPickup => "ready_for_pickup",
            OrderStatus::Collected => "collected",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Expired => "expired",
            OrderStatus::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> OrderStatus {
        OrderStatus::ALL.into_iter().find(|x| x.as_str() == s).unwrap_or(OrderStatus::Unknown)
    }

    /// Terminal statuses never change again.
    pub fn is_terminal(self) -> bool {
        matches!(self, OrderStatus::Refused | OrderStatus::Collected | OrderStatus::Cancelled | OrderStatus::Expired)
    }

    /// Where the merchant may move an order from this status via
    /// `POST /v1/orders/{id}/transitions`.
    pub fn merchant_transitions(self) -> &'static [OrderStatus] {
        match self {
            OrderStatus::PendingAcceptance => &[OrderStatus::Accepted, OrderStatus::Refused],
            OrderStatus::Accepted => &[OrderStatus::ReadyForPickup, OrderStatus::Cancelled],
            OrderStatus::ReadyForPickup => &[OrderStatus::Collected, OrderStatus::Cancelled],
            _ => &[],
        }
    }

    /// Where the customer may move it (storefront cancellation).
    pub fn customer_can_cancel(self) -> bool {
        matches!(self, OrderStatus::PendingAcceptance | OrderStatus::Accepted)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Customer,
    Merchant,
    Marketplace,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub line_id: String,
    pub sku: String,
    pub product_external_id: String,
    pub title: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    pub quantity: i64,
    /// The price charged for one unit, a running promotion's when there was one.
    pub unit_price_ttc: i64,
    pub vat_rate: String,
    /// MSP/1.1: the promotion that set `unit_price_ttc`, and the variant's regular price
    /// at that time. Absent when the regular price was charged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regular_price_ttc: Option<i64>,
    /// Set when the merchant accepted the order without this line.
    #[serde(default)]
    pub refused: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pickup {
    pub code: String,
    pub ready_until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub by: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Full snapshot of an order, as carried by every event and endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub shop_id: String,
    pub version: i64,
    pub status: OrderStatus,
    pub customer: Customer,
    pub lines: Vec<OrderLine>,
    /// Sum of the lines not refused, in cents.
    pub total_ttc: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// After this instant a still-pending order expires.
    pub accept_before: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<Pickup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Cancellation>,
}

/// `POST /v1/orders/{id}/transitions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionRequest {
    pub to: OrderStatus,
    pub base_version: i64,
    /// `accepted`: lines the shop cannot supply (at least one line must remain).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused_line_ids: Vec<String>,
    /// Required for `refused`; optional for `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Required for `ready_for_pickup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_until: Option<DateTime<Utc>>,
    /// `ready_for_pickup`: the code the customer shows; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_code: Option<String>,
}

impl TransitionRequest {
    pub fn to(to: OrderStatus, base_version: i64) -> Self {
        Self { to, base_version, refused_line_ids: Vec::new(), reason: None, ready_until: None, pickup_code: None }
    }
}

/// `GET /v1/orders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdersPage {
    pub items: Vec<Order>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Pass `server_time - orders_overlap_seconds` as the next `updated_since`.
    pub server_time: DateTime<Utc>,
}
