//! Offline-first sync with the marketplace (issue 6).
//!
//! - The outbox is filled by the storage layer in the transaction of each change
//!   (triggers of migration 0004); [`engine::sync_once`] drains it: events first
//!   (stock sold on the marketplace is merged into the local stock), then photos
//!   (`media/check`, upload of the missing hashes only, a few in parallel), then
//!   catalogue batches frozen with their Idempotency-Key before being sent.
//! - [`backoff`] decides when to retry; [`status`] words the state for people;
//!   [`credentials`] keeps the token in the OS keychain, never anywhere else;
//!   [`worker`] runs the passes in the background (the app's and the CLI's loop).

pub mod backoff;
pub mod credentials;
pub mod detail;
pub mod engine;
pub mod status;
pub mod worker;

pub use backoff::{Backoff, Rng};
pub use detail::{ProductSyncDetail, ProductSyncState, product_sync_detail};
pub use engine::{Connection, SyncError, SyncOptions, SyncReport, connect, disconnect, sync_once};
pub use status::{SyncStatus, sync_status};
pub use worker::{WorkerHandle, WorkerState};
