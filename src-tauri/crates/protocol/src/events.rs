//! The per-shop event log: a monotonic `seq`, delivered at least once and in order
//! by SSE (`GET /v1/events/stream`) and long-poll (`GET /v1/events`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::Moderation;
use crate::orders::Order;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "order.created")]
    OrderCreated,
    #[serde(rename = "order.updated")]
    OrderUpdated,
    #[serde(rename = "order.cancelled")]
    OrderCancelled,
    #[serde(rename = "stock.changed")]
    StockChanged,
    #[serde(rename = "product.moderated")]
    ProductModerated,
    #[serde(rename = "unknown", other)]
    Unknown,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderCreated => "order.created",
            EventType::OrderUpdated => "order.updated",
            EventType::OrderCancelled => "order.cancelled",
            EventType::StockChanged => "stock.changed",
            EventType::ProductModerated => "product.moderated",
            EventType::Unknown => "unknown",
        }
    }
}

/// One event. `data` is the order snapshot for `order.*`, a [`StockChanged`] or a
/// [`ProductModerated`]; kept raw so an unknown event type still parses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
}

impl Event {
    pub fn order(&self) -> Option<Order> {
        match self.event_type {
            EventType::OrderCreated | EventType::OrderUpdated | EventType::OrderCancelled => {
                serde_json::from_value(self.data.clone()).ok()
            }
            _ => None,
        }
    }

    pub fn stock(&self) -> Option<StockChanged> {
        (self.event_type == EventType::StockChanged).then(|| serde_json::from_value(self.data.clone()).ok()).flatten()
    }

    pub fn moderation(&self) -> Option<ProductModerated> {
        (self.event_type == EventType::ProductModerated)
            .then(|| serde_json::from_value(self.data.clone()).ok())
            .flatten()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockChangeReason {
    /// A customer ordered.
    OrderPlaced,
    /// A refused line, refused/cancelled/expired order gave the stock back.
    OrderReleased,
    /// The shop itself (`POST /v1/stock/batch`).
    Merchant,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockChanged {
    pub sku: String,
    pub product_external_id: String,
    pub available: i64,
    pub product_version: i64,
    pub reason: StockChangeReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductModerated {
    pub external_id: String,
    pub version: i64,
    pub moderation: Moderation,
}

/// `GET /v1/events?after=SEQ&wait=SECONDS&limit=N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsPage {
    pub events: Vec<Event>,
    /// Pass as the next `after` (the last delivered seq, or `after` if none).
    pub last_seq: i64,
    /// More events are already waiting: ask again without `wait`.
    pub has_more: bool,
}
