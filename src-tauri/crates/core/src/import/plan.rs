//! The simulation: every row checked against the catalogue as it is, giving what the
//! import would do (create, update with old → new values, leave, reject) and the
//! exact writes. Pure: the catalogue state comes in; writes go to a [`PlanSink`] as the
//! rows are planned, and a [`Report`] comes out.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::errors::RowError;
use super::map::Field;
use super::read::GridRow;
use super::values::{
    Columns, FoodCells, Record, days_text, discount_text, food_cells_text, kind_label, policy_label, read_record,
    sessions_text, status_label,
};
use super::{PhotoFound, PhotoRef};
use crate::FieldError;
use crate::catalogue::{
    Category, FoodInfo, Offer, ProductInput, ProductKind, ProductStatus, Unit, VariantInput, VariantOption,
    format_duration, net_quantity_in_name, publish_problems, unit_price, validate_product,
};
pub use crate::model::import::{
    CategoryRef, CategoryRow, Counts, CreatedProduct, PhotoAttach, ProductWrite, UpdatedProduct, VariantWrite,
    WriteBatch,
};
use crate::money::format_eur;
use crate::promotions::sheet::SheetPromotion;
use crate::promotions::{Discount, format_local};
use crate::storage::imports::{CatalogueIndex, ProductSnapshot};
use crate::storage::offer::StoredOffer;
use crate::text::fold;
use crate::vat::VatRate;

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

impl WriteBatch {
    fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.created.is_empty() && self.updated.is_empty() && self.photos.is_empty()
    }
}

/// Ids the planner hands out: the next free product and category ids, and product uids
/// of the column's form (`p-` and 16 hex digits) from a random start, increasing by a
/// random step so that an import appends to the uid index instead of landing on random
/// pages of it.
#[derive(Debug, Clone)]
pub struct Ids {
    pub next_product: i64,
    pub next_category: i64,
    uid: u64,
    state: u64,
}

impl Ids {
    /// `seed`: 16 random bytes (SQLite's `randomblob`, as the column default uses).
    pub fn new(next_product: i64, next_category: i64, seed: [u8; 16]) -> Self {
        let (a, b) = seed.split_at(8);
        let start = u64::from_be_bytes(a.try_into().unwrap_or_default()) >> 2;
        Self { next_product, next_category, uid: start, state: u64::from_be_bytes(b.try_into().unwrap_or_default()) }
    }

    fn product(&mut self) -> (i64, String) {
        // splitmix64: steps of 1 to 2^24, so a million products span under 2^45 of the
        // 2^64 uids and never wrap.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.uid = self.uid.wrapping_add(1 + ((z ^ (z >> 31)) >> 40));
        let id = self.next_product;
        self.next_product += 1;
        (id, format!("p-{:016x}", self.uid))
    }

    fn category(&mut self) -> i64 {
        let id = self.next_category;
        self.next_category += 1;
        id
    }
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

/// Everything the import found, row by row.
#[derive(Debug, Default)]
pub struct Report {
    pub counts: Counts,
    kept: [std::collections::BinaryHeap<ByRow>; 4],
    pub errors: Vec<RowError>,
    pub photos: Vec<PhotoRef>,
    pub row_warnings: Vec<RowError>,
    /// Paths of the categories the import creates, and the names the file gave them.
    pub new_categories: Vec<String>,
    pub unknown_categories: Vec<String>,
    /// Net quantities read in names, every one (the simulation keeps the first ones).
    pub proposals: Vec<QuantityProposal>,
    /// The promotions of the rows not refused, in file order.
    pub promotions: Vec<RowPromotion>,
}

#[derive(Debug)]
struct ByRow(RowOutcome);

impl PartialEq for ByRow {
    fn eq(&self, other: &Self) -> bool {
        self.0.row == other.0.row
    }
}
impl Eq for ByRow {}
impl PartialOrd for ByRow {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ByRow {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.row.cmp(&other.0.row)
    }
}

impl Report {
    fn keep(&mut self, o: RowOutcome) {
        let heap = &mut self.kept[o.action as usize];
        if heap.len() < OUTCOMES_KEPT {
            heap.push(ByRow(o));
        } else if heap.peek().is_some_and(|top| top.0.row > o.row) {
            heap.pop();
            heap.push(ByRow(o));
        }
    }

    /// The kept outcomes in file order, and how many were left out.
    pub fn outcomes(&mut self) -> (Vec<RowOutcome>, u32) {
        let mut rows: Vec<RowOutcome> =
            self.kept.iter_mut().flat_map(|h| std::mem::take(h).into_vec()).map(|b| b.0).collect();
        rows.sort_by_key(|o| o.row);
        let total = self.counts.create + self.counts.update + self.counts.unchanged + self.counts.rejected;
        let omitted = total.saturating_sub(rows.len() as u32);
        (rows, omitted)
    }
}

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

impl<'a> Planner<'a> {
    pub fn new(
        cols: &'a Columns,
        index: &'a CatalogueIndex,
        options: &'a PlanOptions,
        library: Option<&'a HashMap<String, String>>,
        ids: Ids,
        writing: bool,
    ) -> Self {
        Self {
            cols,
            index,
            library,
            mode: options.mode,
            default_vat: options.default_vat.unwrap_or(VatRate::Normal),
            quantities_from_names: options.quantities_from_names,
            writing,
            ids,
            first_key: HashMap::new(),
            first_ean: HashMap::new(),
            leaving: HashMap::new(),
            deferred: Vec::new(),
            cats: CategoryResolver::new(&index.categories, &options.category_map),
            planned: Vec::new(),
            category_ids: Vec::new(),
            tree: index.categories.iter().map(|c| (c.id, (c.name.clone(), c.parent_id))).collect(),
            batch: WriteBatch::default(),
            rows_seen: 0,
            late: false,
            report: Report::default(),
        }
    }

    /// Data rows planned so far.
    pub fn rows_seen(&self) -> u64 {
        self.rows_seen
    }

    /// Plans the data rows `rows`, which sit at `first` in the sheet's rows; sends what
    /// they create.
    pub fn feed(&mut self, rows: &[GridRow], first: usize, sink: &mut dyn PlanSink) -> crate::Result<()> {
        for (k, row) in rows.iter().enumerate() {
            self.rows_seen += 1;
            let mut rec = read_record(row, self.cols);
            if is_noise(&rec, row) {
                continue;
            }
            let (key, existing) = self.resolve(&mut rec);
            let mut ctx = RowCtx::new(rec, existing, key);
            self.mode_rules(&mut ctx);
            if ctx.action.is_some() {
                self.conclude(ctx, None);
                continue;
            }
            let group = group_key(&ctx.rec);
            let ean_known = ctx.rec.ean.as_ref().is_some_and(|e| self.index.by_ean.contains_key(e));
            if let Some(k) = existing {
                let stored = &self.index.keys[k];
                if let Some(new) = &ctx.rec.ean
                    && stored.ean.as_deref() != Some(new)
                {
                    self.leaving.insert(stored.variant_id, new.clone());
                }
            }
            if existing.is_some() || group.is_some() || ean_known {
                self.deferred.push(Deferred { index: first + k, existing, ean: ctx.rec.ean.clone(), group });
                continue;
            }
            let mut one = [ctx];
            let write = self.plan_product(None, &mut one, None);
            let [ctx] = one;
            let id = write.and_then(|w| self.send_product(w));
            self.conclude(ctx, id);
        }
        self.batch.rows_done = self.rows_seen;
        self.flush(sink)
    }

    /// Plans the rows that waited for the end of the sheet (`rows`: all of its rows),
    /// sends the last writes and gives the report.
    pub fn finish(mut self, rows: &[GridRow], sink: &mut dyn PlanSink) -> crate::Result<Report> {
        let deferred = std::mem::take(&mut self.deferred);
        self.late = true;
        // 1. An EAN stored on another variant, which the file does not move away.
        let mut live: Vec<&Deferred> = Vec::with_capacity(deferred.len());
        for d in &deferred {
            if let (Some(ean), true) = (&d.ean, self.mode != ImportMode::Stock)
                && let Some(&owner) = self.index.by_ean.get(ean)
            {
                let owner = &self.index.keys[owner];
                let same = d.existing.is_some_and(|k| self.index.keys[k].variant_id == owner.variant_id);
                if !same && !self.leaving.contains_key(&owner.variant_id) {
                    let mut rec = self.reread(&rows[d.index]);
                    let msg = format!("Code EAN déjà utilisé par la référence {}", owner.sku);
                    let e = cols_error(self.cols, &rec, Field::Ean, "ean_taken", &msg);
                    rec.errors.push(e);
                    let key = rec.sku.clone().or_else(|| rec.ean.clone()).unwrap_or_default();
                    let mut ctx = RowCtx::new(rec, d.existing, key);
                    ctx.action = Some(RowAction::Rejected);
                    self.conclude(ctx, None);
                    continue;
                }
            }
            live.push(d);
        }
        // 2. Rows to products: a row updates its own product; new rows join the product of
        //    their group (same "Code produit", or same name with options) or a new one.
        //    Groups first learn which stored product they belong to.
        let mut group_target: HashMap<&str, Target> = HashMap::new();
        for d in &live {
            if let (Some(k), Some(g)) = (d.existing, &d.group) {
                group_target.entry(g.as_str()).or_insert(Target::Existing(self.index.keys[k].product_id));
            }
        }
        let mut targets: Vec<Target> = Vec::new();
        let mut rows_of: Vec<Vec<&Deferred>> = Vec::new();
        let mut target_of: HashMap<Target, usize> = HashMap::new();
        let mut new_count = 0usize;
        for d in &live {
            let t = match (d.existing, &d.group) {
                (Some(k), _) => Target::Existing(self.index.keys[k].product_id),
                (None, Some(g)) => *group_target.entry(g.as_str()).or_insert_with(|| {
                    new_count += 1;
                    Target::New(new_count - 1)
                }),
                (None, None) => {
                    new_count += 1;
                    Target::New(new_count - 1)
                }
            };
            let ti = *target_of.entry(t).or_insert_with(|| {
                targets.push(t);
                rows_of.push(Vec::new());
                targets.len() - 1
            });
            rows_of[ti].push(d);
        }
        // 3. Product by product, a few hundred at a time: their stored rows, then the plan.
        let mut start = 0;
        while start < targets.len() {
            let mut end = start;
            let mut n_rows = 0;
            while end < targets.len() && (end == start || (end - start < 512 && n_rows < 4096)) {
                n_rows += rows_of[end].len();
                end += 1;
            }
            let ids: Vec<i64> = targets[start..end]
                .iter()
                .filter_map(|t| match t {
                    Target::Existing(id) => Some(*id),
                    Target::New(_) => None,
                })
                .collect();
            let snapshots = if ids.is_empty() { HashMap::new() } else { sink.snapshots(&ids)? };
            for ti in start..end {
                let mut group: Vec<RowCtx> = rows_of[ti]
                    .iter()
                    .map(|d| {
                        let rec = self.reread(&rows[d.index]);
                        let key = rec.sku.clone().or_else(|| rec.ean.clone()).unwrap_or_default();
                        RowCtx::new(rec, d.existing, key)
                    })
                    .collect();
                let (pid, snap) = match targets[ti] {
                    Target::Existing(pid) => (Some(pid), snapshots.get(&pid)),
                    Target::New(_) => (None, None),
                };
                let write = self.plan_product(pid, &mut group, snap);
                let id = write.and_then(|w| self.send_product(w)).or(pid);
                for ctx in group {
                    self.conclude(ctx, id);
                }
            }
            self.flush(sink)?;
            start = end;
        }
        self.batch.rows_done = self.rows_seen;
        self.flush(sink)?;
        let mut report = self.report;
        report.errors.sort_by_key(|e| e.row);
        report.row_warnings.sort_by_key(|e| e.row);
        report.photos.sort_by_key(|p| p.row);
        report.proposals.sort_by_key(|p| p.row);
        report.promotions.sort_by_key(|p| p.item.row);
        let used: Vec<&NewCategory> =
            self.planned.iter().zip(&self.category_ids).filter(|(_, id)| id.is_some()).map(|(c, _)| c).collect();
        report.new_categories = used.iter().map(|c| c.path.clone()).collect();
        let mut seen = std::collections::BTreeSet::new();
        report.unknown_categories =
            used.iter().filter(|c| seen.insert(c.written.clone())).map(|c| c.written.clone()).collect();
        Ok(report)
    }

    fn flush(&mut self, sink: &mut dyn PlanSink) -> crate::Result<()> {
        let rows_done = self.batch.rows_done;
        let batch = std::mem::take(&mut self.batch);
        self.batch.rows_done = rows_done;
        if self.writing && (!batch.is_empty() || rows_done > 0) { sink.write(batch) } else { Ok(()) }
    }

    /// The row's key (SKU, else EAN) and the stored variant it designates; duplicates of
    /// earlier rows and a missing key are row errors.
    fn resolve(&mut self, r: &mut Record) -> (String, Option<usize>) {
        let cols = self.cols;
        let err = |r: &Record, f: Field, code: &str, msg: String| RowError {
            row: r.row,
            column: cols.mapping.column_of(f).map(super::map::column_letter),
            header: cols.mapping.column_of(f).map(|c| cols.header(c)),
            field: Some(f),
            value: match f {
                Field::Sku => r.sku.clone().unwrap_or_default(),
                _ => r.ean.clone().unwrap_or_default(),
            },
            code: code.to_owned(),
            message: msg,
        };
        let (key, found) = match (&r.sku, &r.ean) {
            (Some(sku), _) => {
                let upper = sku.to_uppercase();
                let found = self.index.by_sku.get(&upper).copied();
                (upper, found)
            }
            (None, Some(ean)) => (format!("EAN {ean}"), self.index.by_ean.get(ean).copied()),
            (None, None) => {
                if !r.errors.iter().any(|e| e.field == Some(Field::Ean)) {
                    let e = err(r, Field::Sku, "sku_missing", "Référence manquante".into());
                    r.errors.push(e);
                }
                (String::new(), None)
            }
        };
        let mut duplicate = false;
        if !key.is_empty() {
            if let Some(first) = self.first_key.get(&key) {
                let e = if r.sku.is_some() {
                    err(r, Field::Sku, "sku_duplicate", format!("Référence en double : déjà ligne {first}"))
                } else {
                    err(r, Field::Ean, "ean_duplicate", format!("Code EAN en double : déjà ligne {first}"))
                };
                r.errors.push(e);
                duplicate = true;
            } else {
                self.first_key.insert(key, r.row);
            }
        }
        // Every EAN once in the file, whether the row has a reference or only the EAN (a
        // row keyed by its EAN must not take the EAN of an earlier row with a reference).
        if let Some(ean) = &r.ean {
            match self.first_ean.get(ean) {
                Some(first) if !duplicate => {
                    let e = err(r, Field::Ean, "ean_duplicate", format!("Code EAN en double : déjà ligne {first}"));
                    r.errors.push(e);
                }
                Some(_) => {}
                None => {
                    self.first_ean.insert(ean.clone(), r.row);
                }
            }
        }
        let key = r.sku.clone().or_else(|| r.ean.clone()).unwrap_or_default();
        (key, found)
    }

    /// A row that waited for the end of the file, read again as [`Planner::feed`] read
    /// it: what this mode does not read is left out.
    fn reread(&self, row: &GridRow) -> Record {
        let mut rec = read_record(row, self.cols);
        self.mode_filter(&mut rec);
        rec
    }

    /// Leaves out the errors, warnings and notes of columns this mode does not read.
    fn mode_filter(&self, r: &mut Record) {
        let mode = self.mode;
        r.errors.retain(|e| e.field.is_none_or(|f| mode.uses(f)));
        r.warnings.retain(|e| e.field.is_none_or(|f| mode.uses(f)));
        r.notes.retain(|(f, _)| mode.uses(*f));
    }

    /// Errors that only matter in this mode, and the mode's own rules.
    fn mode_rules(&self, ctx: &mut RowCtx) {
        let mode = self.mode;
        self.mode_filter(&mut ctx.rec);
        let r = &mut ctx.rec;
        match (mode, ctx.existing) {
            (ImportMode::Stock, None) if r.errors.is_empty() => {
                let e = cols_error(
                    self.cols,
                    r,
                    Field::Sku,
                    "sku_unknown",
                    "Référence inconnue : le mode « stock et prix » ne crée pas de produit",
                );
                r.errors.push(e);
            }
            (ImportMode::Create, Some(_)) if r.errors.is_empty() => {
                // Nothing of the row is read: no note on what its words mean.
                r.notes.clear();
                r.warnings.clear();
                ctx.action = Some(RowAction::Unchanged);
                ctx.note = Some("Existe déjà : non modifié (mode création seule)".into());
            }
            _ => {}
        }
        if !ctx.rec.errors.is_empty() {
            ctx.action = Some(RowAction::Rejected);
        }
    }

    /// The row's outcome, counted and kept; its photos go onto `product` (the product
    /// the row ends up on).
    fn conclude(&mut self, ctx: RowCtx, product: Option<i64>) {
        let RowCtx { mut rec, existing, key, action, note, changes, notes, warnings, proposal, promotion } = ctx;
        let act = match action {
            Some(a) => a,
            None if existing.is_none() => RowAction::Create,
            None if changes.is_empty() => RowAction::Unchanged,
            None => RowAction::Update,
        };
        let c = &mut self.report.counts;
        match act {
            RowAction::Create => c.create += 1,
            RowAction::Update => c.update += 1,
            RowAction::Unchanged => c.unchanged += 1,
            RowAction::Rejected => c.rejected += 1,
        }
        // Photos go with the product fields: not in "stock et prix", and not onto a product
        // that "création seule" leaves as it is.
        let mode = self.mode;
        let keeps_photos = mode.uses(Field::Photo) && !(mode == ImportMode::Create && existing.is_some());
        if act != RowAction::Rejected && keeps_photos && !rec.photos.is_empty() {
            let found = self.match_photos(rec.row, &key, std::mem::take(&mut rec.photos));
            if let Some(pid) = product.filter(|_| !found.is_empty()) {
                self.batch.photos.push(PhotoAttach { product_id: pid, sha256: found });
            }
        }
        self.report.errors.append(&mut rec.errors);
        let mut all_notes: Vec<String> = std::mem::take(&mut rec.notes).into_iter().map(|(_, n)| n).collect();
        if act != RowAction::Rejected {
            self.report.row_warnings.append(&mut rec.warnings);
            self.report.row_warnings.extend(warnings);
            all_notes.extend(notes);
            self.report.proposals.extend(proposal.map(|p| *p));
            self.report.promotions.extend(promotion.map(|p| *p));
        }
        self.report.keep(RowOutcome {
            row: rec.row,
            key,
            name: rec.name,
            action: act,
            changes,
            note,
            notes: all_notes,
        });
    }

    /// The row's photo file names looked up in the library ([`super::photo_name_key`] →
    /// sha256); the missing ones become row warnings naming the row, the column and the
    /// file. Gives the photos found, in cell order.
    fn match_photos(&mut self, row: u32, key: &str, files: Vec<String>) -> Vec<String> {
        let cols = self.cols;
        let column = cols.mapping.column_of(Field::Photo);
        let (mut found, mut missing) = (Vec::<PhotoFound>::new(), Vec::new());
        for f in &files {
            match self.library.and_then(|l| l.get(&super::photo_name_key(f))) {
                Some(sha) if !found.iter().any(|x| &x.sha256 == sha) => {
                    found.push(PhotoFound { file: f.clone(), sha256: sha.clone() })
                }
                Some(_) => {}
                None => {
                    self.report.row_warnings.push(RowError {
                        row,
                        column: column.map(super::map::column_letter),
                        header: column.map(|col| cols.header(col)),
                        field: Some(Field::Photo),
                        value: f.clone(),
                        code: "photo_missing".into(),
                        // The file name is the value: `describe` gives "Ligne 3, colonne H
                        // (Photo) « absent.jpg » : Photo introuvable dans la photothèque (…)".
                        message: "Photo introuvable dans la photothèque (importez-la dans le studio photo, puis relancez l'import)".into(),
                    });
                    missing.push(f.clone());
                }
            }
        }
        let shas = found.iter().map(|f| f.sha256.clone()).collect();
        self.report.photos.push(PhotoRef { row, sku: key.to_owned(), files, found, missing });
        shas
    }

    /// Adds the product to the batch with its ids; gives its id.
    fn send_product(&mut self, w: ProductWrite) -> Option<i64> {
        if !self.writing {
            // A simulation still learns which new categories the products use.
            self.category_id(w.category);
            return w.id;
        }
        let category_id = self.category_id(w.category);
        match w.id {
            Some(id) => {
                self.batch.updated.push(UpdatedProduct { id, write: w, category_id });
                Some(id)
            }
            None => {
                let (id, uid) = self.ids.product();
                let variants: Vec<(VariantWrite, String)> = w
                    .variants
                    .into_iter()
                    .map(|v| {
                        let json = serde_json::to_string(&v.options).unwrap_or_else(|_| "[]".into());
                        (v, json)
                    })
                    .collect();
                let refs: Vec<(&str, Option<&str>, &str)> =
                    variants.iter().map(|(v, json)| (v.sku.as_str(), v.ean.as_deref(), json.as_str())).collect();
                let search_body = crate::storage::imports::search_body(
                    &w.name,
                    &w.description,
                    self.category_names(category_id),
                    &refs,
                );
                self.batch.created.push(CreatedProduct {
                    id,
                    uid,
                    sort_key: crate::text::sort_key(&w.name),
                    name: w.name,
                    description: w.description,
                    category_id,
                    status: w.status,
                    vat: w.vat,
                    unit: w.unit,
                    offer: StoredOffer::from_offer(&w.offer),
                    variants,
                    search_body,
                    ean_later: self.late,
                });
                Some(id)
            }
        }
    }

    /// The id of a category a written product uses: a planned one gets its id (and is
    /// created, after its parents) the first time.
    fn category_id(&mut self, c: CategoryRef) -> Option<i64> {
        match c {
            CategoryRef::None => None,
            CategoryRef::Existing(id) => Some(id),
            CategoryRef::New(i) => {
                if let Some(id) = self.category_ids.get(i).copied().flatten() {
                    return Some(id);
                }
                let parent_id = self.category_id(self.planned[i].parent);
                let id = self.ids.category();
                if self.category_ids.len() <= i {
                    self.category_ids.resize(i + 1, None);
                }
                self.category_ids[i] = Some(id);
                let name = self.planned[i].name.clone();
                self.tree.insert(id, (name.clone(), parent_id));
                self.batch.categories.push(CategoryRow { id, parent_id, name });
                Some(id)
            }
        }
    }

    /// Category names from the product's own up to the root, as the search text has them.
    fn category_names(&self, id: Option<i64>) -> Option<String> {
        let mut names = Vec::new();
        let mut cur = id;
        while let Some(c) = cur {
            let Some((name, parent)) = self.tree.get(&c) else { break };
            names.push(name.as_str());
            cur = *parent;
            if names.len() > 64 {
                break;
            }
        }
        (!names.is_empty()).then(|| names.join(" "))
    }

    /// Net quantities read in the names of the product's variants that have none, when
    /// the file has no quantity column: proposed in the rows' notes, stored when the
    /// user said so. Not for what has no net quantity: a service, goods sold by measure.
    fn propose_quantities(&self, draft: &mut Draft, rows: &mut [RowCtx]) {
        let cols = self.cols;
        if self.mode == ImportMode::Stock
            || cols.has(Field::Weight)
            || cols.has(Field::Volume)
            || draft.unit.is_measured()
            || draft.offer.kind == ProductKind::Service
        {
            return;
        }
        for (v, row) in draft.variants.iter_mut().zip(&draft.variant_rows) {
            let Some(i) = *row else { continue };
            if v.net_quantity.is_some() {
                continue;
            }
            let ctx = &mut rows[i];
            let Some(name) = ctx.rec.name.as_deref().or(draft.name.as_deref()) else { continue };
            let Some(q) = net_quantity_in_name(name) else { continue };
            let quantity = q.to_string();
            let price = unit_price(draft.unit, v.price_cents, Some(&q)).map(|u| u.text());
            let shown = price.as_ref().map_or_else(|| quantity.clone(), |p| format!("{quantity}, soit {p}"));
            let applied = self.quantities_from_names;
            ctx.notes.push(if applied {
                format!("Quantité nette lue dans le nom : {shown}")
            } else {
                format!("Quantité nette proposée d'après le nom : {shown} (enregistrée seulement si vous l'acceptez)")
            });
            ctx.proposal = Some(Box::new(QuantityProposal {
                row: ctx.rec.row,
                key: ctx.key.clone(),
                name: name.to_owned(),
                quantity: quantity.clone(),
                unit_price: price,
                applied,
            }));
            if applied {
                v.net_quantity = Some(quantity);
                v.changed = true;
            }
        }
    }

    /// Each row's promotion, on its variant as validated (its SKU, its regular price
    /// after the row), with a note saying what it will be.
    fn promotions(&self, variant_of: &[Option<usize>], valid: &ProductInput, rows: &mut [RowCtx]) {
        let cols = self.cols;
        for (ctx, vi) in rows.iter_mut().zip(variant_of) {
            let Some(v) = vi.and_then(|vi| valid.variants.get(vi)) else { continue };
            let Some(p) = ctx.rec.promotion.as_deref() else { continue };
            let Some(starts) = p.starts else { continue };
            let regular = v.price_cents;
            let (discount, disagreement) = match (p.price_cents, p.percent) {
                (_, Some(percent)) => {
                    let off = Discount::PercentOff { percent };
                    let disagreement = p.price_cents.filter(|c| *c != off.price_for(regular)).map(|c| {
                        format!(
                            "Prix promo {} et remise {} ne s'accordent pas : {} de moins sur {} font {}. Laissez l'une des deux cases vide.",
                            format_eur(c),
                            discount_text(percent),
                            discount_text(percent),
                            format_eur(regular),
                            format_eur(off.price_for(regular))
                        )
                    });
                    (off, disagreement)
                }
                (Some(cents), None) => (Discount::NewPrice { cents }, None),
                (None, None) => continue,
            };
            let field =
                if p.percent.is_some() && cols.has(Field::Discount) { Field::Discount } else { Field::PromoPrice };
            let mut at = cols_error(cols, &ctx.rec, field, "promotion_refused", "");
            // The cell as read (`describe` shows it): « 20 % », « 8,00 € ».
            at.value = match (field, p.percent, p.price_cents) {
                (Field::Discount, Some(percent), _) => discount_text(percent),
                (_, _, Some(cents)) => format_eur(cents),
                (_, Some(percent), None) => discount_text(percent),
                _ => String::new(),
            };
            ctx.notes.push(promotion_note(discount, regular, starts, p.ends));
            ctx.promotion = Some(Box::new(RowPromotion {
                item: SheetPromotion {
                    row: ctx.rec.row,
                    sku: v.sku.clone(),
                    row_price_cents: Some(regular),
                    discount,
                    starts,
                    ends: p.ends,
                },
                at,
                disagreement,
                given_price_cents: p.price_cents,
            }));
        }
    }

    /// A product meant to be published whose food information is incomplete goes in as
    /// a draft: each problem is a warning on its cell (the variant's row for a net
    /// quantity, else the product's first row), and every row of the product says so in
    /// its note.
    fn warn_unpublished(&self, draft: &Draft, rows: &mut [RowCtx], problems: &[FieldError]) {
        let cols = self.cols;
        let first_row = draft.variant_rows.iter().flatten().copied().min();
        let mut missing: Vec<&str> = Vec::new();
        for fe in problems {
            let (ri, field) = match variant_path(&fe.field) {
                Some((vi, rest)) => (draft.variant_rows.get(vi).copied().flatten().or(first_row), field_at(cols, rest)),
                None => (first_row, field_at(cols, &fe.field)),
            };
            if let Some(ri) = ri {
                let message = format!("{} ; produit importé en brouillon", fe.message);
                let e = cols_error(cols, &rows[ri].rec, field, &fe.code, &message);
                rows[ri].warnings.push(e);
            }
            let word = missing_word(&fe.field);
            if !missing.contains(&word) {
                missing.push(word);
            }
        }
        let note = format!(
            "Importé en brouillon, pas en ligne : à compléter pour vendre ce produit alimentaire ({})",
            missing.join(", ")
        );
        // The row's note, which the import screen shows beside its outcome already.
        for &ri in draft.variant_rows.iter().flatten() {
            let n = &mut rows[ri].note;
            *n = Some(n.take().map_or_else(|| note.clone(), |n| format!("{n} ; {note}")));
        }
    }

    /// The desired state of one product from its rows (`pid`: the stored product they
    /// update, `snap` its stored rows), validated as the editor would. Any failure
    /// rejects every row of the product: half a product is never written. `None`: nothing
    /// to write.
    fn plan_product(
        &mut self,
        pid: Option<i64>,
        rows: &mut [RowCtx],
        snap: Option<&ProductSnapshot>,
    ) -> Option<ProductWrite> {
        let cols = self.cols;
        let mode = self.mode;
        let all: Vec<usize> = (0..rows.len()).collect();
        let mut draft = match pid {
            Some(_) => {
                let Some(snap) = snap else {
                    for ctx in rows.iter_mut() {
                        let e = cols_error(
                            cols,
                            &ctx.rec,
                            Field::Sku,
                            "changed",
                            "Produit modifié pendant l'import : recommencez",
                        );
                        ctx.rec.errors.push(e);
                        ctx.action = Some(RowAction::Rejected);
                    }
                    return None;
                };
                draft_from_snapshot(snap, all.clone())
            }
            None => Draft {
                id: None,
                name: None,
                description: String::new(),
                category: CategoryRef::None,
                status: ProductStatus::Draft,
                vat: self.default_vat,
                unit: Unit::Piece,
                offer: Offer::default(),
                variants: Vec::new(),
                variant_rows: Vec::new(),
                rows: all.clone(),
                before: None,
            },
        };
        // Product fields from the first row that gives each.
        if mode != ImportMode::Stock {
            let is_new = draft.id.is_none();
            if is_new || mode == ImportMode::Full {
                let first = |f: &dyn Fn(&Record) -> bool| rows.iter().position(|c| f(&c.rec));
                if let Some(i) = first(&|r| r.name.is_some()) {
                    draft.name.clone_from(&rows[i].rec.name);
                }
                if let Some(i) = first(&|r| r.description.is_some()) {
                    draft.description = rows[i].rec.description.clone().unwrap_or_default();
                }
                if let Some(i) = first(&|r| !r.category.is_empty()) {
                    draft.category = self.cats.resolve(&rows[i].rec.category, &mut self.planned);
                }
                if let Some(i) = first(&|r| r.vat.is_some()) {
                    draft.vat = rows[i].rec.vat.unwrap_or(self.default_vat);
                }
                if let Some(i) = first(&|r| r.unit.is_some()) {
                    draft.unit = rows[i].rec.unit.unwrap_or(Unit::Piece);
                }
                if let Some(i) = first(&|r| r.packaging.is_some()) {
                    draft.offer.packaging.clone_from(&rows[i].rec.packaging);
                }
                // A Type cell says it; else a service word in the unit or packaging cell.
                if let Some(i) = first(&|r| r.kind.is_some()) {
                    draft.offer.kind = rows[i].rec.kind.unwrap_or_default();
                } else if rows.iter().any(|c| c.rec.service) {
                    draft.offer.kind = ProductKind::Service;
                }
                if let Some(i) = first(&|r| r.stock_policy.is_some()) {
                    draft.offer.stock_policy = rows[i].rec.stock_policy.unwrap_or_default();
                }
                if let Some(i) = first(&|r| r.lead_time_days.is_some()) {
                    draft.offer.lead_time_days = rows[i].rec.lead_time_days;
                }
                if let Some(i) = first(&|r| r.duration_minutes.is_some()) {
                    draft.offer.duration_minutes = rows[i].rec.duration_minutes;
                }
                // Dated sessions are a service's: on goods they are not stored.
                let mut sessions_on_goods = None;
                if let Some(i) = first(&|r| r.sessions.is_some()) {
                    if draft.offer.kind == ProductKind::Service {
                        draft.offer.sessions = rows[i].rec.sessions.clone().unwrap_or_default();
                    } else {
                        sessions_on_goods = Some(i);
                    }
                }
                // A cell only food has (or a Type saying so) makes the product food;
                // each cell from the first row that fills it, the others left as
                // stored. Origin, producer and labels alone apply to food already.
                let mut food = FoodCells::default();
                for ctx in rows.iter() {
                    if let Some(cells) = &ctx.rec.food {
                        food.or(cells);
                    }
                }
                let is_food = food.says_food() || rows.iter().any(|c| c.rec.food_type) || draft.offer.food.is_some();
                if is_food {
                    food.apply(draft.offer.food.get_or_insert_with(FoodInfo::default));
                }
                if let Some(i) = first(&|r| r.status.is_some()) {
                    draft.status = rows[i].rec.status.unwrap_or(ProductStatus::Draft);
                }
                if let Some(i) = sessions_on_goods {
                    rows[i].notes.push(
                        "Séances non enregistrées : des séances datées ne concernent qu'une prestation (Type « service »)"
                            .to_owned(),
                    );
                }
                if !is_food
                    && !food.is_empty()
                    && let Some(ctx) = rows.first_mut()
                {
                    ctx.notes.push(
                        "Origine, producteur et labels non enregistrés : ce sont des informations d'un produit alimentaire (ajoutez ses ingrédients, ou le Type « produit alimentaire »)"
                            .to_owned(),
                    );
                }
            }
        } else if let Some(i) = rows.iter().position(|c| c.rec.policy_in_stock_cell) {
            // « stock et prix »: what the stock cell says instead of a count.
            let r = &rows[i].rec;
            draft.offer.stock_policy = r.stock_policy.unwrap_or_default();
            if r.lead_time_days.is_some() {
                draft.offer.lead_time_days = r.lead_time_days;
            }
        }
        if draft.name.is_none() {
            for ctx in rows.iter_mut() {
                let e = cols_error(cols, &ctx.rec, Field::Name, "name_missing", "Désignation manquante");
                ctx.rec.errors.push(e);
                ctx.action = Some(RowAction::Rejected);
            }
            return None;
        }
        let mut next_position = draft.variants.iter().map(|v| v.position + 1).max().unwrap_or(0);
        // The variant of each row: two rows may name the same one (by SKU and by EAN).
        let mut variant_of: Vec<Option<usize>> = vec![None; rows.len()];
        for (i, ctx) in rows.iter_mut().enumerate() {
            let r = &ctx.rec;
            let vat = if mode == ImportMode::Stock { r.vat.unwrap_or(draft.vat) } else { draft.vat };
            let price = r.price_ttc.or_else(|| r.price_ht.map(|ht| vat.ttc_from_ht(ht)));
            let found = ctx.existing.map(|k| self.index.keys[k].variant_id);
            let slot = found.and_then(|vid| draft.variants.iter().position(|v| v.id == Some(vid)));
            match slot {
                Some(s) => {
                    let v = &mut draft.variants[s];
                    draft.variant_rows[s] = Some(i);
                    variant_of[i] = Some(s);
                    if let Some(p) = price {
                        v.price_cents = p;
                    }
                    if let Some(q) = r.stock {
                        v.stock = q;
                    }
                    if mode == ImportMode::Full {
                        if r.ean.is_some() {
                            v.ean.clone_from(&r.ean);
                        }
                        if r.net_quantity.is_some() {
                            v.net_quantity.clone_from(&r.net_quantity);
                        }
                        if let Some(o) = &r.options {
                            v.options.clone_from(o);
                        }
                    }
                }
                None => {
                    let Some(price) = price else {
                        let f = if cols.mapping.has(Field::PriceTtc) || !cols.mapping.has(Field::PriceHt) {
                            Field::PriceTtc
                        } else {
                            Field::PriceHt
                        };
                        let e = cols_error(cols, r, f, "price_missing", "Prix manquant");
                        ctx.rec.errors.push(e);
                        ctx.action = Some(RowAction::Rejected);
                        continue;
                    };
                    draft.variants.push(VariantWrite {
                        id: None,
                        sku: ctx.key.clone(),
                        options: r.options.clone().unwrap_or_default(),
                        price_cents: price,
                        stock: r.stock.unwrap_or(0),
                        ean: r.ean.clone(),
                        net_quantity: r.net_quantity.clone(),
                        position: next_position,
                        changed: true,
                        ean_changed: r.ean.is_some(),
                    });
                    draft.variant_rows.push(Some(i));
                    variant_of[i] = Some(draft.variants.len() - 1);
                    next_position += 1;
                }
            }
        }
        if !draft.variant_rows.iter().any(Option::is_some) {
            return None;
        }
        self.propose_quantities(&mut draft, rows);
        // The catalogue's own validation, errors sent back to their rows. A product to
        // publish is checked as a draft first: what only keeps it off the marketplace
        // (food information missing) imports it as a draft, with a warning; the « stock
        // et prix » mode leaves its status alone.
        let mut input = draft_input(&draft);
        let check_publish = input.status == ProductStatus::Published && mode != ImportMode::Stock;
        input.status = ProductStatus::Draft;
        match validate_product(&input) {
            Ok(valid) => {
                if check_publish {
                    let problems = publish_problems(&valid);
                    if !problems.is_empty() {
                        draft.status = ProductStatus::Draft;
                        self.warn_unpublished(&draft, rows, &problems);
                    }
                }
                self.promotions(&variant_of, &valid, rows);
                let mut changes: Vec<Vec<Change>> = vec![Vec::new(); rows.len()];
                let w = to_write(&draft, valid, &mut changes, &self.index.categories, &self.planned);
                for (ctx, c) in rows.iter_mut().zip(changes) {
                    ctx.changes = c;
                }
                w
            }
            Err(e) => {
                let fields = match e {
                    crate::Error::Validation(f) => f,
                    other => vec![crate::FieldError::new("", "invalid", other.to_string())],
                };
                let rows_hit: Vec<usize> = draft.variant_rows.iter().flatten().copied().collect();
                for fe in fields {
                    let (only, field) = match variant_path(&fe.field) {
                        Some((vi, rest)) => (draft.variant_rows.get(vi).copied().flatten(), field_at(cols, rest)),
                        None => (None, field_at(cols, &fe.field)),
                    };
                    for &ri in &rows_hit {
                        if only.is_none_or(|o| o == ri) {
                            let e = cols_error(cols, &rows[ri].rec, field, &fe.code, &fe.message);
                            rows[ri].rec.errors.push(e);
                        }
                    }
                }
                for &ri in &rows_hit {
                    if rows[ri].rec.errors.is_empty() {
                        let e = cols_error(
                            cols,
                            &rows[ri].rec,
                            Field::Sku,
                            "product_invalid",
                            "Produit refusé : une autre ligne du même produit est en erreur",
                        );
                        rows[ri].rec.errors.push(e);
                    }
                    rows[ri].action = Some(RowAction::Rejected);
                }
                None
            }
        }
    }
}

/// How a row's note on its promotion starts.
pub(crate) const PROMOTION_NOTE: &str = "Promotion";

/// « Promotion −20 % (9,60 €) du 01/12/2026 au 24/12/2026 », as the row's note.
fn promotion_note(d: Discount, regular: i64, starts: DateTime<Utc>, ends: Option<DateTime<Utc>>) -> String {
    let what = match d {
        Discount::PercentOff { percent } => {
            format!("−{} ({})", discount_text(percent), format_eur(d.price_for(regular)))
        }
        Discount::NewPrice { cents } => format_eur(cents),
    };
    let start = format_local(starts, false);
    match ends {
        Some(e) => format!("{PROMOTION_NOTE} {what} du {start} au {}", format_local(e, true)),
        None => format!("{PROMOTION_NOTE} {what} à partir du {start}, jusqu'à épuisement du stock"),
    }
}

/// Rows of one product (same "Code produit", or same name and category with options).
fn group_key(r: &Record) -> Option<String> {
    if let Some(g) = &r.group {
        Some(format!("g\u{1}{}", fold(g)))
    } else if r.options.is_some() {
        r.name.as_ref().map(|nm| format!("n\u{1}{}\u{1}{}", fold(nm), fold(&r.category.join("/"))))
    } else {
        None
    }
}

/// Rows that are not products: nothing mapped filled in, or a "Total" line.
fn is_noise(r: &Record, row: &GridRow) -> bool {
    let mapped_empty = r.sku.is_none()
        && r.ean.is_none()
        && r.name.is_none()
        && r.price_ttc.is_none()
        && r.price_ht.is_none()
        && r.stock.is_none()
        && r.errors.is_empty();
    let total_line = r.ean.is_none()
        && r.name.is_none()
        && row.cells.iter().find(|c| !c.is_empty()).is_some_and(|c| {
            let t = fold(&c.display());
            t.starts_with("total") || t.starts_with("sous-total") || t.starts_with("sous total")
        });
    mapped_empty || total_line
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

fn cols_error(cols: &Columns, r: &Record, f: Field, code: &str, msg: &str) -> RowError {
    let col = cols.mapping.column_of(f);
    RowError {
        row: r.row,
        column: col.map(super::map::column_letter),
        header: col.map(|c| cols.header(c)),
        field: Some(f),
        value: match f {
            Field::Sku => r.sku.clone().unwrap_or_default(),
            Field::Ean => r.ean.clone().unwrap_or_default(),
            Field::Name => r.name.clone().unwrap_or_default(),
            _ => String::new(),
        },
        code: code.to_owned(),
        message: msg.to_owned(),
    }
}

/// `variants.3.ean` → (3, `ean`).
fn variant_path(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("variants.")?;
    let (idx, rest) = rest.split_once('.').unwrap_or((rest, ""));
    Some((idx.parse().ok()?, rest))
}

/// The column a field of the catalogue's validation (`name`, `offer.food.storage`, a
/// variant's `net_quantity`) was read from: of the fields that fill it, the one mapped.
fn field_at(cols: &Columns, path: &str) -> Field {
    let pick = |fields: &[Field]| fields.iter().copied().find(|f| cols.has(*f)).unwrap_or(fields[0]);
    match path {
        "sku" => Field::Sku,
        "name" => Field::Name,
        "description" => Field::Description,
        "ean" => Field::Ean,
        "price_cents" => pick(&[Field::PriceTtc, Field::PriceHt]),
        "stock" => Field::Stock,
        "options" => pick(&[Field::Options, Field::Size, Field::Color]),
        "net_quantity" => pick(&[Field::Volume, Field::Weight, Field::Name]),
        "category_id" => pick(&[Field::Category, Field::Subcategory]),
        "offer.packaging" => pick(&[Field::Packaging, Field::Unit]),
        "offer.lead_time_days" => pick(&[Field::LeadTime, Field::StockPolicy, Field::Stock]),
        "offer.duration_minutes" => pick(&[Field::Duration, Field::Unit]),
        "offer.food.ingredients" => Field::Ingredients,
        "offer.food.allergens" => Field::Allergens,
        "offer.food.storage" => Field::Storage,
        "offer.food.origin" => Field::Origin,
        "offer.food.producer" => Field::Producer,
        "offer.food.labels" => Field::Labels,
        "offer.food.abv_tenths" => Field::Abv,
        p if p.starts_with("offer.sessions") => pick(&[Field::Sessions, Field::Kind]),
        _ => Field::Sku,
    }
}

/// What a publish problem is about, in a word for the row's note.
fn missing_word(path: &str) -> &'static str {
    match variant_path(path).map_or(path, |(_, rest)| rest) {
        "offer.food.ingredients" => "ingrédients",
        "offer.food.allergens" => "allergènes",
        "offer.food.storage" => "conservation",
        "net_quantity" => "quantité nette",
        _ => "informations obligatoires",
    }
}

fn draft_from_snapshot(s: &ProductSnapshot, rows: Vec<usize>) -> Draft<'_> {
    let variants: Vec<VariantWrite> = s
        .variants
        .iter()
        .map(|v| VariantWrite {
            id: Some(v.id),
            sku: v.sku.clone(),
            options: serde_json::from_str(&v.options).unwrap_or_default(),
            price_cents: v.price_cents,
            stock: v.stock,
            ean: v.ean.clone(),
            net_quantity: v
                .net_quantity
                .clone()
                .or_else(|| crate::catalogue::legacy_net_quantity(v.weight_g, v.volume_ml)),
            position: v.position,
            changed: false,
            ean_changed: false,
        })
        .collect();
    Draft {
        id: Some(s.id),
        name: Some(s.name.clone()),
        description: s.description.clone(),
        category: s.category_id.map_or(CategoryRef::None, CategoryRef::Existing),
        status: if s.status == "published" { ProductStatus::Published } else { ProductStatus::Draft },
        vat: VatRate::from_basis_points(s.vat_bp).unwrap_or(VatRate::Normal),
        unit: Unit::from_stored(&s.unit).unwrap_or(Unit::Piece),
        offer: s.offer.clone().into_offer(&format!("« {} »", s.name)).unwrap_or_default(),
        variant_rows: vec![None; variants.len()],
        variants,
        rows,
        before: Some(s),
    }
}

fn draft_input(d: &Draft) -> ProductInput {
    ProductInput {
        id: d.id,
        name: d.name.clone().unwrap_or_default(),
        description: d.description.clone(),
        // Existence is the resolver's business; validation only needs a value.
        category_id: None,
        status: d.status,
        vat: d.vat,
        unit: d.unit,
        offer: d.offer.clone(),
        variants: d
            .variants
            .iter()
            .map(|v| VariantInput {
                id: v.id,
                sku: v.sku.clone(),
                options: v.options.clone(),
                price_cents: v.price_cents,
                stock: v.stock,
                ean: v.ean.clone(),
                net_quantity: v.net_quantity.clone(),
            })
            .collect(),
    }
}

/// The write for a validated draft, with each row's changes; `None` when nothing changes.
fn to_write(
    d: &Draft,
    valid: ProductInput,
    changes: &mut [Vec<Change>],
    categories: &[Category],
    new_categories: &[NewCategory],
) -> Option<ProductWrite> {
    let cat_path = |c: CategoryRef| match c {
        CategoryRef::None => None,
        CategoryRef::Existing(id) => categories.iter().find(|x| x.id == id).map(|x| x.path.clone()),
        CategoryRef::New(i) => new_categories.get(i).map(|x| x.path.clone()),
    };
    let mut variants = d.variants.clone();
    for (v, clean) in variants.iter_mut().zip(&valid.variants) {
        v.sku.clone_from(&clean.sku);
        v.options.clone_from(&clean.options);
        v.ean.clone_from(&clean.ean);
        v.net_quantity.clone_from(&clean.net_quantity);
    }
    let mut search_changed = d.before.is_none();
    let mut product_changed = d.before.is_none();
    if let Some(before) = d.before {
        // The first row of the file touching this product carries the product's changes.
        let first_row = d.variant_rows.iter().flatten().copied().min().or_else(|| d.rows.first().copied());
        let mut push = |f: Field, old: Option<String>, new: Option<String>| {
            if old != new
                && let Some(r) = first_row
            {
                changes[r].push(Change { field: f, old, new });
            }
        };
        let old_status = if before.status == "published" { ProductStatus::Published } else { ProductStatus::Draft };
        let old_cat = before.category_id.map_or(CategoryRef::None, CategoryRef::Existing);
        if before.name != valid.name {
            search_changed = true;
        }
        if before.description != valid.description {
            search_changed = true;
        }
        if old_cat != d.category {
            search_changed = true;
        }
        push(Field::Name, Some(before.name.clone()), Some(valid.name.clone()));
        push(Field::Description, Some(before.description.clone()), Some(valid.description.clone()));
        push(Field::Category, cat_path(old_cat), cat_path(d.category));
        push(Field::Vat, Some(vat_label(before.vat_bp)), Some(d.vat.label().to_owned()));
        push(Field::Unit, unit_label(&before.unit), Some(d.unit.label().to_owned()));
        push(Field::Status, Some(status_label(old_status).to_owned()), Some(status_label(d.status).to_owned()));
        let offer = crate::storage::offer::StoredOffer::from_offer(&valid.offer);
        if before.offer != offer {
            // Damaged stored values are the storage's to report; here they read as unset.
            let old = before.offer.clone().into_offer(&before.name).unwrap_or_default();
            offer_changes(&old, &valid.offer, &mut push);
        }
        product_changed = search_changed
            || before.vat_bp != d.vat.basis_points()
            || before.unit != d.unit.as_str()
            || before.offer != offer
            || old_status != d.status;
        for (v, row) in variants.iter_mut().zip(&d.variant_rows) {
            let Some(old) = v.id.and_then(|id| before.variants.iter().find(|o| o.id == id)) else { continue };
            let old_opts: Vec<VariantOption> = serde_json::from_str(&old.options).unwrap_or_default();
            v.ean_changed = old.ean != v.ean;
            v.changed = old.price_cents != v.price_cents
                || old.stock != v.stock
                || v.ean_changed
                || old.net_quantity != v.net_quantity
                || old_opts != v.options;
            if v.ean_changed || old_opts != v.options {
                search_changed = true;
            }
            if let Some(r) = *row {
                let c = &mut changes[r];
                let mut push = |f: Field, o: Option<String>, n: Option<String>| {
                    if o != n {
                        c.push(Change { field: f, old: o, new: n });
                    }
                };
                push(
                    Field::PriceTtc,
                    Some(crate::money::format_eur(old.price_cents)),
                    Some(crate::money::format_eur(v.price_cents)),
                );
                push(Field::Stock, Some(old.stock.to_string()), Some(v.stock.to_string()));
                push(Field::Ean, old.ean.clone(), v.ean.clone());
                push(Field::Volume, old.net_quantity.clone(), v.net_quantity.clone());
                push(Field::Options, Some(options_text(&old_opts)), Some(options_text(&v.options)));
            }
        }
        if variants.iter().any(|v| v.id.is_none()) {
            search_changed = true;
        }
        if !product_changed && !variants.iter().any(|v| v.changed) {
            return None;
        }
    }
    Some(ProductWrite {
        id: d.id,
        name: valid.name,
        description: valid.description,
        category: d.category,
        status: d.status,
        vat: d.vat,
        unit: d.unit,
        offer: valid.offer,
        product_changed,
        variants,
        search_changed,
        before: d.before.cloned(),
    })
}

/// The offer's old → new values, as the export writes them.
fn offer_changes(old: &Offer, new: &Offer, push: &mut dyn FnMut(Field, Option<String>, Option<String>)) {
    push(Field::Packaging, old.packaging.clone(), new.packaging.clone());
    let kind = |o: &Offer| Some(kind_label(o.kind, o.food.is_some()).to_owned());
    push(Field::Kind, kind(old), kind(new));
    push(
        Field::StockPolicy,
        Some(policy_label(old.stock_policy).to_owned()),
        Some(policy_label(new.stock_policy).to_owned()),
    );
    push(Field::LeadTime, old.lead_time_days.map(days_text), new.lead_time_days.map(days_text));
    push(Field::Duration, old.duration_minutes.map(format_duration), new.duration_minutes.map(format_duration));
    let sessions = |o: &Offer| Some(sessions_text(&o.sessions)).filter(|s| !s.is_empty());
    push(Field::Sessions, sessions(old), sessions(new));
    let food = Field::FOOD;
    let (a, b) = (food_cells_text(old.food.as_ref()), food_cells_text(new.food.as_ref()));
    for ((f, o), n) in food.into_iter().zip(a).zip(b) {
        push(f, Some(o).filter(|s| !s.is_empty()), Some(n).filter(|s| !s.is_empty()));
    }
}

fn vat_label(bp: i64) -> String {
    VatRate::from_basis_points(bp).map_or_else(|| format!("{bp}"), |v| v.label().to_owned())
}

fn unit_label(s: &str) -> Option<String> {
    Unit::from_stored(s).map(|u| u.label().to_owned())
}

/// `Taille : M | Couleur : Bleu`, the form the export writes and the import reads.
pub fn options_text(o: &[VariantOption]) -> String {
    o.iter().map(|o| format!("{} : {}", o.name, o.value)).collect::<Vec<_>>().join(" | ")
}

/// Finds categories by path (ignoring case and accents), or plans their creation
/// under the deepest existing ancestor the path names.
struct CategoryResolver<'a> {
    categories: Vec<(Vec<String>, &'a Category)>,
    user: HashMap<String, Option<i64>>,
    cache: HashMap<Vec<String>, CategoryRef>,
}

impl<'a> CategoryResolver<'a> {
    fn new(categories: &'a [Category], choices: &[CategoryChoice]) -> Self {
        let sep = crate::storage::PATH_SEP;
        Self {
            categories: categories.iter().map(|c| (c.path.split(sep).map(fold).collect(), c)).collect(),
            user: choices
                .iter()
                .map(|c| {
                    (c.name.split(['›', '>', '/']).map(|s| fold(s.trim())).collect::<Vec<_>>().join("/"), c.category_id)
                })
                .collect(),
            cache: HashMap::new(),
        }
    }

    fn resolve(&mut self, path: &[String], new: &mut Vec<NewCategory>) -> CategoryRef {
        // "Épicerie/Confitures" is a path, unless a category is named so ("Boissons/Cave").
        let expanded: Vec<String>;
        let path = if path.iter().any(|s| s.contains('/')) {
            expanded = path
                .iter()
                .flat_map(|seg| {
                    let f = fold(seg);
                    if self.categories.iter().any(|(parts, _)| parts.last() == Some(&f)) {
                        vec![seg.clone()]
                    } else {
                        seg.split('/').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
                    }
                })
                .collect();
            &expanded[..]
        } else {
            path
        };
        let folded: Vec<String> = path.iter().map(|s| fold(s)).collect();
        if let Some(r) = self.cache.get(&folded) {
            return *r;
        }
        let r = if let Some(choice) = self.user.get(&folded.join("/")) {
            choice.map_or(CategoryRef::None, CategoryRef::Existing)
        } else {
            let mut found = (0, CategoryRef::None);
            for k in (1..=folded.len()).rev() {
                let prefix = &folded[..k];
                let matches: Vec<&&Category> =
                    self.categories.iter().filter(|(parts, _)| parts.ends_with(prefix)).map(|(_, c)| c).collect();
                let pick = match matches.as_slice() {
                    [] => None,
                    [one] => Some(one.id),
                    many => Some(many.iter().find(|c| c.depth as usize + 1 == k).map_or(many[0].id, |c| c.id)),
                };
                if let Some(id) = pick {
                    found = (k, CategoryRef::Existing(id));
                    break;
                }
            }
            let (k, mut parent) = found;
            let path_written = path.join(crate::storage::PATH_SEP);
            for name in path.iter().skip(k) {
                let folded_name = fold(name);
                let existing = new.iter().position(|c| c.parent == parent && fold(&c.name) == folded_name);
                parent = CategoryRef::New(existing.unwrap_or_else(|| {
                    let parent_path = match parent {
                        CategoryRef::None => String::new(),
                        CategoryRef::Existing(id) => self
                            .categories
                            .iter()
                            .find(|(_, c)| c.id == id)
                            .map(|(_, c)| c.path.clone())
                            .unwrap_or_default(),
                        CategoryRef::New(i) => new[i].path.clone(),
                    };
                    let path = if parent_path.is_empty() {
                        name.trim().to_owned()
                    } else {
                        format!("{parent_path}{}{}", crate::storage::PATH_SEP, name.trim())
                    };
                    let written = path_written.clone();
                    new.push(NewCategory { name: name.trim().to_owned(), parent, path, written });
                    new.len() - 1
                }));
            }
            parent
        };
        self.cache.insert(folded, r);
        r
    }
}
