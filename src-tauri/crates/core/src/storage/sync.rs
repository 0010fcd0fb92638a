//! SQL of the marketplace sync: its values here, its statements by what they do —
//! `outbox` (the outbox and the frozen batches), `remote` (what the marketplace
//! holds, what is sent to it, its events merged in) and `status` (the sync's own
//! state and the issues people are shown).
//!
//! The outbox itself is filled by triggers (migration 0004) inside the transaction of
//! each catalogue change; this module reads and drains it.

mod outbox;
mod remote;
mod status;

use chrono::{DateTime, Utc};

use crate::Result;
use crate::storage::corrupt_at;

/// Kind of object the outbox carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Category,
    Product,
}

impl Entity {
    /// Every kind, for a statement that must also see the rows of none of them.
    pub const ALL: [Entity; 2] = [Entity::Category, Entity::Product];

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Category => "category",
            Entity::Product => "product",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "category" => Some(Entity::Category),
            "product" => Some(Entity::Product),
            _ => None,
        }
    }

    /// The kind read back from `table`'s `entity` column. An unknown one is damaged data,
    /// named, not an entry skipped: skipped, the change it stands for would never be sent.
    fn stored(table: &str, row: impl std::fmt::Display, s: &str) -> Result<Self> {
        Self::parse(s).ok_or_else(|| corrupt_at(table, row, "entity", format_args!("type inconnu « {s} »")))
    }
}

/// Which products [`crate::Db::sync_product_inputs`] reads.
#[derive(Debug, Clone, Copy)]
pub enum SyncProductRows<'a> {
    All,
    /// These uids (those absent were deleted locally).
    Uids(&'a [String]),
    /// A page: the `limit` products after product `id`, in id order.
    After {
        id: i64,
        limit: usize,
    },
}

/// One pending change (already coalesced: one per object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub entity: Entity,
    pub uid: String,
    pub change_seq: i64,
    pub batch_key: Option<String>,
    pub attempts: i64,
}

/// A batch built earlier and not answered yet (kept across crashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenBatch {
    pub key: String,
    pub kind: String,
    pub body: String,
}

/// What we know the marketplace holds of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownObject {
    pub version: i64,
    pub sent_hash: Option<String>,
    /// The images the marketplace last accepted for it (products; `None`: unknown).
    pub sent_images: Option<Vec<String>>,
}

/// The engine's persistent state (one row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStateRow {
    pub marketplace_url: Option<String>,
    pub shop_id: Option<String>,
    pub shop_name: Option<String>,
    pub limits: Option<String>,
    pub events_after: i64,
    pub last_success_at: Option<DateTime<Utc>>,
    pub offline_since: Option<DateTime<Utc>>,
    pub failures: i64,
    pub retry_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub reconciled_at: Option<DateTime<Utc>>,
}

/// One `stock.changed` event, as the sync pass merges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteStock {
    pub sku: String,
    pub product_uid: String,
    /// What the marketplace now holds.
    pub available: i64,
    pub product_version: i64,
    /// Move the local stock by the change. `false` for the stock an order took or gave
    /// back: that one moves with the order itself (`order_lines.stock_taken`), or it
    /// would be counted twice. The server's value is remembered either way.
    pub apply_delta: bool,
}

/// One moderation verdict, as the sync pass merges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moderation {
    pub uid: String,
    pub version: i64,
    /// `approved`, `rejected` or `unknown`, kept as the product's moderation.
    pub status: String,
    pub reason: Option<String>,
    /// The message of the product's `rejected` issue, opened (or reworded) when
    /// `Some`; `None` resolves an open one. The sync pass decides it.
    pub issue: Option<String>,
}

/// Something a person must look at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct SyncIssue {
    pub entity: String,
    pub uid: String,
    /// `rejected` (moderation), `invalid` (refused data), `conflict`, `incomplete`
    /// (published in Comptoir but sent unpublished: what the law requires to sell it
    /// online is missing; the message says what).
    pub kind: String,
    pub message: String,
    pub created_at: String,
}

/// The sync facts of one product (see `sync::product_sync_detail`).
#[derive(Debug, Clone)]
pub struct ProductSyncRow {
    pub uid: String,
    pub connected: bool,
    pub published_locally: bool,
    /// A change waits in the outbox.
    pub pending: bool,
    /// That change is in a batch sent but not yet answered.
    pub in_flight: bool,
    /// The version the marketplace holds, when it holds the product.
    pub server_version: Option<i64>,
    /// The marketplace acknowledged the content last sent.
    pub content_acknowledged: bool,
    pub moderation: Option<String>,
    pub moderation_reason: Option<String>,
    pub issues: Vec<SyncIssue>,
    /// (sha256 of the original, its render known to be on the marketplace), in display order.
    pub photos: Vec<(String, bool)>,
}

/// How a batch's op ended, as the engine understood the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpOutcome {
    /// Accepted at `version`; `hash` of what was sent (None for a delete), the product's
    /// `images` as sent. `interim`: sent with the images already on the server while its
    /// new photos upload, so the entry stays in line for the complete version.
    Ok { version: i64, hash: Option<String>, images: Option<Vec<String>>, interim: bool },
    /// The server holds `current_version`: the entry stays and is re-sent with it.
    Conflict { current_version: i64 },
    /// Refused for good until the shop changes it: kept as an issue for a person.
    Invalid { message: String },
}
