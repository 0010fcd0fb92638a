//! Tauri commands, one module per screen area. Each returns `Result<T, ErrorPayload>`
//! so the UI receives `{code, message, fields}` and words it in French.

pub mod app;
pub mod backup;
pub mod catalogue;
pub mod files;
pub mod import;
pub mod market;
pub mod orders;
pub mod photos;
pub mod promotions;
pub mod support;

use comptoir_core::ErrorPayload;

pub type CmdResult<T> = Result<T, ErrorPayload>;

/// The clock is read here, at the edge, and passed into core.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
