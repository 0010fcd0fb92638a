//! Plain values: what a product, an import's writes, an order, a photo or a price's
//! history is, with no rule attached. Storage reads and writes these and depends on
//! nothing else of Comptoir but the value modules (`error`, `money`, `vat`, `text`,
//! `ean`, `paths`); the feature modules make and check them, and re-export each type
//! under its old path (`catalogue::Product`, `photos::NewPhoto`…).
//!
//! A variant's fields (SKU, options, price, stock, EAN, net quantity) are declared more
//! than once on purpose, each copy at a boundary whose shape differs:
//! - `catalogue::Variant` (read: with its id and derived unit price) and
//!   `catalogue::VariantInput` (written: id optional, net quantity as typed) cross IPC;
//!   a shared struct embedded with `#[serde(flatten)]` would turn their generated
//!   TypeScript into intersection types, so the bindings would not stay the same.
//! - `stored::VariantSnapshot` is the undo snapshot's stored JSON: options as the JSON
//!   text stored, grams and millilitres of older snapshots still read.
//! - `import::VariantWrite` is the planner's write: its position and what changed (the
//!   EAN parked first). Embedding `VariantInput` would only lengthen every field access
//!   of the planner and of the import's transaction, its hot loop.
//! - `storage::imports::ExportRow` is one joined product × variant row of the export.

pub mod catalogue;
pub mod import;
pub mod orders;
pub mod photos;
pub mod promotions;
pub mod stored;
