//! comptoir-core: everything Comptoir knows and does, with no Tauri in sight.
//!
//! The desktop shell (`comptoir`) and the terminal front (`comptoir-cli`) are thin
//! layers over this crate: they parse input, call one function here, and present the
//! result. Rules that hold everywhere (see ARCHITECTURE.md):
//! - SQL lives only in [`storage`], which depends only on the plain values of [`model`];
//! - money is integer cents ([`money`]);
//! - the current time is a parameter, never read from the clock inside logic;
//! - errors carry a stable `code` and a French message ([`error`]).

pub mod backup;
pub mod catalogue;
pub mod demo;
pub mod ean;
pub mod error;
pub mod export;
pub mod import;
pub mod logs;
pub mod model;
pub mod money;
pub mod orders;
pub mod paths;
pub mod photos;
pub mod promotions;
pub mod report;
pub mod shop;
pub mod storage;
pub mod sync;
pub mod text;
pub mod update;
pub mod vat;

pub use error::{Error, ErrorCode, ErrorPayload, FieldError, Result};
pub use storage::Db;
