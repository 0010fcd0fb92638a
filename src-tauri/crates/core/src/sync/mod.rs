//! Offline-first sync with the marketplace (issue 6).
//!
//! - The outbox is filled by the storage layer in the transaction of each change
//!   (triggers of migration 0004); [`engine::sync_once`] drains it: events first
//!   (stock sold on the marketplace is merged into the local stock), then two lanes at
//!   once: the photo lane ([`upload`]) uploads the renders the server lacks
//!   ([`renders`]: never the originals), resumably, one at a time on a slow line; the
//!   catalogue lane sends, in batches frozen with their Idempotency-Key, whatever is
//!   ready — a product as soon as its own photos are up, and at once any change of a
//!   product already online, so a stock change never waits behind photos.
//! - [`backoff`] decides when to retry; [`status`] words the state for people;
//!   [`credentials`] keeps the token in the OS keychain, never anywhere else;
//!   [`worker`] runs the passes in the background (the app's and the CLI's loop).

pub mod backoff;
pub mod credentials;
pub mod detail;
pub mod engine;
pub mod renders;
pub mod status;
pub mod upload;
pub mod wire;
pub mod worker;

pub use backoff::{Backoff, Rng};
pub use detail::{ProductSyncDetail, ProductSyncState, product_sync_detail};
pub use engine::{Connection, SyncError, SyncOptions, SyncReport, connect, disconnect, sync_once};
pub use status::{SyncStatus, sync_status};
pub use upload::{ProgressSink, UploadProgress};
pub use worker::{WorkerHandle, WorkerState};
