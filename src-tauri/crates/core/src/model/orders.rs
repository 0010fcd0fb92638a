//! An order as the shop keeps it: what the orders screen, the exports and the CLI
//! read, and how the list is filtered. Received, stored and acted on in `orders`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use comptoir_protocol::orders::OrderStatus;
use comptoir_protocol::paris;
use serde::{Deserialize, Serialize};

/// One order as stored locally: what the orders screen and the CLI show.
/// Times cross IPC as RFC 3339 strings (serde's chrono format), money as cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LocalOrder {
    pub id: i64,
    /// The marketplace's id (`ord_…`).
    pub server_id: String,
    /// Short number shown to people ("n° 1042"), given locally in order of arrival.
    pub number: i64,
    #[specta(type = OrderStatusName)]
    pub status: OrderStatus,
    pub version: i64,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    #[specta(type = Option<String>)]
    pub pickup_at: Option<DateTime<Utc>>,
    pub pickup_code: Option<String>,
    pub payment_status: String,
    pub total_cents: i64,
    #[specta(type = String)]
    pub accept_before: DateTime<Utc>,
    pub refusal_reason: Option<String>,
    #[specta(type = String)]
    pub created_at: DateTime<Utc>,
    #[specta(type = String)]
    pub updated_at: DateTime<Utc>,
    #[specta(type = String)]
    pub received_at: DateTime<Utc>,
    #[specta(type = Option<String>)]
    pub notified_at: Option<DateTime<Utc>>,
    pub lines: Vec<LocalLine>,
    /// Merchant actions not yet accepted by the marketplace.
    pub pending_actions: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LocalLine {
    pub line_id: String,
    pub sku: String,
    pub title: String,
    pub options: BTreeMap<String, String>,
    pub quantity: i64,
    /// The price charged for one unit: a running promotion's when there was one.
    pub unit_price_cents: i64,
    pub vat_rate: String,
    pub refused: bool,
    /// The marketplace's promotion (« p12 ») that set the price, and the regular price then.
    pub promotion_id: Option<String>,
    pub regular_price_cents: Option<i64>,
}

impl LocalLine {
    pub fn total_cents(&self) -> i64 {
        self.quantity * self.unit_price_cents
    }

    /// "Miel de fleurs (500 g)": the title with its options.
    pub fn label(&self) -> String {
        if self.options.is_empty() {
            self.title.clone()
        } else {
            let opts: Vec<&str> = self.options.values().map(String::as_str).collect();
            format!("{} ({})", self.title, opts.join(", "))
        }
    }
}

/// Filters of the order list; `None` means any. Days cross IPC as `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct OrderFilter {
    #[specta(type = Option<OrderStatusName>)]
    pub status: Option<OrderStatus>,
    /// Created on or after this day (Paris time).
    #[specta(type = Option<String>)]
    pub from: Option<NaiveDate>,
    /// Created on or before this day (Paris time).
    #[specta(type = Option<String>)]
    pub to: Option<NaiveDate>,
    /// Pickup day (Paris time) — see [`LocalOrder::pickup_day`].
    #[specta(type = Option<String>)]
    pub pickup_day: Option<NaiveDate>,
}

/// The TypeScript shape of [`OrderStatus`], which lives in comptoir-protocol (no
/// specta there). Only used as a type for the bindings; a test keeps the names equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusName {
    PendingAcceptance,
    Accepted,
    Refused,
    ReadyForPickup,
    Collected,
    Cancelled,
    Expired,
    Unknown,
}

impl LocalOrder {
    /// The day the order is collected: its pickup time when set, else the day it
    /// was placed (Paris time).
    pub fn pickup_day(&self) -> NaiveDate {
        paris::local(self.pickup_at.unwrap_or(self.created_at)).date()
    }

    /// Lines the shop supplies (not refused).
    pub fn kept_lines(&self) -> impl Iterator<Item = &LocalLine> {
        self.lines.iter().filter(|l| !l.refused)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreOutcome {
    /// First time this order is seen.
    New,
    /// A newer version of a known order.
    Updated,
    /// Same or older version than stored: a duplicate or out of order.
    Ignored,
}
