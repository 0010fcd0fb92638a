//! Spreadsheets as people have them: CSV saved by French Excel, XLSX with a title above
//! the table, LibreOffice ODS, old XLS, read into a grid of cells with the row numbers
//! the sheet shows; and the values of those cells the French way.
//!
//! Why a crate of its own: nothing here knows what a product, a shop or a database is,
//! so it builds and tests in seconds, apart from comptoir-core's import, which maps the
//! grid to the catalogue and re-exports what the app and the CLI use.
//!
//! - [`detect`]: the kind of file, and for text its encoding and delimiter;
//! - [`read`] (the ways in: [`read_bytes`], [`read_file`], [`stream_bytes`],
//!   [`stream_file`]): a file to a [`Source`] of [`GridRow`]s, whole or streamed a few
//!   thousand rows at a time; what the caller decides (which rows make a table, when to
//!   stop, progress) it answers through a [`Guide`];
//! - [`values`]: cells as the French write them (a whole quantity, a percentage off, a
//!   date's serial number), with no catalogue rule;
//! - `xlsx_merges`: an XLSX sheet's merged cells found without parsing its cells.
//!
//! Errors are this crate's [`Error`], worded in French; comptoir-core turns them into its
//! own with the same sentences.

pub mod detect;
mod error;
pub mod read;
pub mod values;
mod xlsx_merges;

pub use detect::FileFormat;
pub use error::Error;
pub use read::{
    Cell, Emit, GridRow, Guide, SheetInfo, Source, number_to_string, read_bytes, read_file, stream_bytes, stream_file,
};

pub type Result<T, E = Error> = std::result::Result<T, E>;
