//! The simulation: every row checked against the catalogue as it is, giving what the
//! import would do (create, update with old → new values, leave, reject) and the
//! exact writes. Pure: the catalogue state comes in; writes go to a [`PlanSink`] as the
//! rows are planned, and a [`Report`] comes out.
//!
//! This module holds what planning speaks in (the options, each row's outcome, the
//! sink) and the planner's state; its parts:
//!
//! - `planner`: the rows fed as the sheet is read, those that wait planned at the end
//!   of the file, product by product;
//! - `rows`: one row: its key and duplicates, what the mode reads, its outcome, its
//!   photos;
//! - `product`: one product planned from its rows: its fields, its variants, the net
//!   quantities its names propose, its promotions, validated as the editor would (a
//!   draft with a warning when food information is missing);
//! - `draft`: a product's desired state, from its stored rows, and the diff to them
//!   (the write, each row's old → new values);
//! - `categories`: category paths found, or planned under their deepest ancestor;
//! - `writes`: products and categories given their ids and sent in batches;
//! - `ids`: the product and category ids handed out;
//! - `report`: what the import found, the outcomes kept.

mod categories;
mod draft;
mod ids;
mod planner;
mod product;
mod report;
mod rows;
mod writes;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::errors::RowError;
use super::map::Field;
use super::values::{Columns, Record};
use crate::catalogue::{Offer, ProductStatus, Unit};
pub use crate::model::import::{
    CategoryRef, CategoryRow, Counts, CreatedProduct, PhotoAttach, ProductWrite, UpdatedProduct, VariantWrite,
    WriteBatch,
};
use crate::promotions::sheet::SheetPromotion;
use crate::storage::imports::{CatalogueIndex, ProductSnapshot};
use crate::vat::VatRate;
use categories::CategoryResolver;
pub use draft::options_text;
pub use ids::Ids;
pub(crate) use product::PROMOTION_NOTE;
pub use report::Report;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Creates new references and updates every mapped field of known ones.
    #[default]
    Full,
    /// Only stock and price of known references; creates nothing.
    Stock,
    /// Only creates; known references are left as they are.
    Create,
}

impl ImportMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::Full => "full",
            ImportMode::Stock => "stock",
            ImportMode::Create => "create",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "full" => Some(ImportMode::Full),
            "stock" => Some(ImportMode::Stock),
            "create" => Some(ImportMode::Create),
            _ => None,
        }
    }

    fn uses(self, f: Field) -> bool {
        match self {
            // A promotion is a price too: « stock et prix » sets it.
            ImportMode::Stock => matches!(
                f,
                Field::Sku
                    | Field::Ean
                    | Field::PriceTtc
                    | Field::PriceHt
                    | Field::Vat
                    | Field::Stock
                    | Field::PromoPrice
                    | Field::Discount
                    | Field::PromoStart
                    | Field::PromoEnd
            ),
            _ => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
    Rejected,
}

/// One field's old → new value, as people read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Change {
    pub field: Field,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RowOutcome {
    pub row: u32,
    /// The row's reference (SKU, or EAN when it has none).
    pub key: String,
    pub name: Option<String>,
    pub action: RowAction,
    pub changes: Vec<Change>,
    pub note: Option<String>,
    /// What the row's words were understood as (« « bouteille » : vendu à la pièce,
    /// conditionnement bouteille »), and the net quantity its name proposes.
    pub notes: Vec<String>,
}

/// A net quantity read in a product's name (« Cidre brut 75 cl » → 75 cl) when the file
/// has no quantity column: stored only when the user accepts
/// ([`PlanOptions::quantities_from_names`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct QuantityProposal {
    pub row: u32,
    /// The row's reference.
    pub key: String,
    pub name: String,
    /// In its canonical form (« 75 cl », « 6 × 125 g »).
    pub quantity: String,
    /// The unit price it gives (« 8,67 € / l »).
    pub unit_price: Option<String>,
    /// Stored by this import (the option is on), or only proposed.
    pub applied: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub name: String,
    pub parent: CategoryRef,
    pub path: String,
    /// The category as the file wrote it (`Fromages › Chèvre`): what the shopkeeper
    /// may map to an existing category instead ([`CategoryChoice::name`]).
    pub written: String,
}

/// What the user chose beside the mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PlanOptions {
    pub mode: ImportMode,
    /// VAT of new products whose row has none (20 % unless told).
    pub default_vat: Option<VatRate>,
    /// Category names of the file (as written) mapped by the user to an existing
    /// category, or to none; the others are found by name or created.
    pub category_map: Vec<CategoryChoice>,
    /// Take the net quantity a name ends with (« Cidre brut 75 cl ») when the file has
    /// no quantity column: the simulation proposes them, this stores them.
    #[serde(default)]
    pub quantities_from_names: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CategoryChoice {
    /// As written in the file, levels joined by ` › ` (`Fromages › Chèvre`).
    pub name: String,
    pub category_id: Option<i64>,
}

/// Where the planner sends its writes, and asks for the stored rows of the products
/// it updates (read in the import's own transaction).
pub trait PlanSink {
    fn snapshots(&mut self, ids: &[i64]) -> crate::Result<HashMap<i64, ProductSnapshot>>;
    fn write(&mut self, batch: WriteBatch) -> crate::Result<()>;
}

/// A row's promotion, for `promotions::sheet::from_sheet` once the rows are planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPromotion {
    pub item: SheetPromotion,
    /// Where a refusal of it is shown: the row's Remise cell if it gave one, else its
    /// Prix promo cell (`code` `promotion_refused`, the message to fill in).
    pub at: RowError,
    /// Both a price and a discount given that do not agree with the regular price: the
    /// promotion is refused with this message, unless the variant has that very
    /// promotion already (an export's row, the regular price changed since it was set).
    pub disagreement: Option<String>,
    /// The row's « Prix promo », when it gave one with a discount.
    pub given_price_cents: Option<i64>,
}

/// Per-row outcomes kept for the report: the first [`OUTCOMES_KEPT`] rows of each
/// action (the counts are complete). A 100,000-row file would otherwise hold a diff per
/// row that nobody reads: the screen lists 300 and the rejected rows are all in `errors`.
pub const OUTCOMES_KEPT: usize = 2000;

/// A row waiting for the end of the file: it updates a stored product, belongs to a
/// group of rows (variants), or carries an EAN the catalogue already has. Only what the
/// end needs is kept; the row is read again from the sheet then.
#[derive(Debug)]
struct Deferred {
    /// Index in the sheet's rows.
    index: usize,
    existing: Option<usize>,
    ean: Option<String>,
    group: Option<String>,
}

/// A row being planned with its product.
struct RowCtx {
    rec: Record,
    existing: Option<usize>,
    key: String,
    action: Option<RowAction>,
    note: Option<String>,
    changes: Vec<Change>,
    /// What planning its product added to the row's own notes and warnings.
    notes: Vec<String>,
    warnings: Vec<RowError>,
    /// Boxed: rare, and a row is moved a few times on its way.
    proposal: Option<Box<QuantityProposal>>,
    promotion: Option<Box<RowPromotion>>,
}

impl RowCtx {
    fn new(rec: Record, existing: Option<usize>, key: String) -> Self {
        RowCtx {
            rec,
            existing,
            key,
            action: None,
            note: None,
            changes: Vec::new(),
            notes: Vec::new(),
            warnings: Vec::new(),
            proposal: None,
            promotion: None,
        }
    }
}

/// The simulation, row by row as the sheet is read. A row that creates a product on its
/// own (no group, a reference and EAN the catalogue does not know) is planned and sent
/// to the sink at once: nothing later in the file can change what it does. The other
/// rows (updates, variants of one product, EANs moving between products) wait for the
/// end of the file, when every row that can touch their product is known, and are
/// planned product by product. Either way the result is the same as planning the whole
/// file at once; memory holds the sheet, not a plan of every row.
pub struct Planner<'a> {
    cols: &'a Columns,
    index: &'a CatalogueIndex,
    library: Option<&'a HashMap<String, String>>,
    mode: ImportMode,
    default_vat: VatRate,
    quantities_from_names: bool,
    /// Whether writes are wanted (an import) or only the report (a simulation).
    writing: bool,
    ids: Ids,
    first_key: HashMap<String, u32>,
    first_ean: HashMap<String, u32>,
    /// Stored variants whose EAN the file changes: variant id → new EAN.
    leaving: HashMap<i64, String>,
    deferred: Vec<Deferred>,
    cats: CategoryResolver<'a>,
    planned: Vec<NewCategory>,
    /// Id of each planned category once a written product uses it.
    category_ids: Vec<Option<i64>>,
    /// Category id → (name, parent) for the search text: stored ones and created ones.
    tree: HashMap<i64, (String, Option<i64>)>,
    batch: WriteBatch,
    rows_seen: u64,
    /// Planning the rows that waited for the end of the file.
    late: bool,
    report: Report,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    Existing(i64),
    New(usize),
}

struct Draft<'a> {
    id: Option<i64>,
    name: Option<String>,
    description: String,
    category: CategoryRef,
    status: ProductStatus,
    vat: VatRate,
    unit: Unit,
    offer: Offer,
    variants: Vec<VariantWrite>,
    /// Row (index in the product's rows) of each variant the file touches.
    variant_rows: Vec<Option<usize>>,
    rows: Vec<usize>,
    before: Option<&'a ProductSnapshot>,
}
