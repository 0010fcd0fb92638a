//! Stock import from the files shopkeepers really have: CSV saved by French Excel,
//! XLSX with a title above the table, LibreOffice ODS, old XLS.
//!
//! The flow the UI and the CLI follow:
//! 1. [`read_file`] (or [`read_bytes`]) reads the file into a [`Source`]: encoding,
//!    delimiter, sheet (the first with a table unless one is asked for);
//! 2. [`preview`] finds the header row and proposes a [`Mapping`] (the remembered one
//!    for this layout if the shopkeeper confirmed one before), with sample values;
//! 3. [`simulate`] checks every row against the catalogue without writing: counts,
//!    per-row old → new values, precise row errors;
//! 4. [`apply`] does the same inside one write transaction and commits it as an
//!    import batch; [`undo`] puts the catalogue back exactly as it was;
//! 5. [`rejected_rows_xlsx`] gives the refused rows back with an "Erreur" column.
//!
//! Long runs report progress and can be cancelled through a [`Control`].

pub mod detect;
pub mod errors;
pub mod map;
pub mod plan;
pub mod read;
pub mod values;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use detect::FileFormat;
pub use errors::RowError;
pub use map::{Field, Mapping, column_letter};
pub use plan::{
    CategoryChoice, CategoryRef, Change, Counts, ImportMode, NewCategory, Plan, PlanOptions, ProductWrite, RowAction,
    RowOutcome, VariantWrite,
};
pub use read::{Cell, GridRow, Source, read_bytes, read_file};

use crate::storage::imports::{BatchInfo, ImportTx, UndoReport};
use crate::{Db, Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Reading,
    Checking,
    Writing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ImportProgress {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}

type ProgressFn = dyn Fn(ImportProgress) + Send + Sync;

/// Progress callback and cancel flag of a long import. The desktop shell runs the
/// import on a background task, forwards progress as events, and sets the flag
/// when the shopkeeper clicks "Annuler": the transaction is then rolled back.
#[derive(Clone, Default)]
pub struct Control {
    cancel: Arc<AtomicBool>,
    on_progress: Option<Arc<ProgressFn>>,
}

impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Control").field("cancelled", &self.is_cancelled()).finish()
    }
}

impl Control {
    pub fn with_progress(f: impl Fn(ImportProgress) + Send + Sync + 'static) -> Self {
        Self { cancel: Arc::default(), on_progress: Some(Arc::new(f)) }
    }

    /// The flag to set from elsewhere (another task, a signal handler).
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.is_cancelled() { Err(Error::Cancelled) } else { Ok(()) }
    }

    pub(crate) fn report(&self, phase: Phase, done: u64, total: u64) {
        if let Some(f) = &self.on_progress {
            f(ImportProgress { phase, done, total });
        }
    }
}

/// One detected column for the mapping screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ColumnPreview {
    pub index: u32,
    pub letter: String,
    pub header: String,
    /// First non-empty values under the header, as displayed.
    pub samples: Vec<String>,
    /// Field in the proposed mapping (`None`: "ne pas importer").
    pub field: Option<Field>,
    /// What the header alone suggests.
    pub suggested: Option<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FilePreview {
    pub file_name: String,
    pub format: FileFormat,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheets: Vec<String>,
    pub sheet: String,
    pub header_row: u32,
    pub data_rows: u32,
    pub columns: Vec<ColumnPreview>,
    pub layout_hash: String,
    pub mapping: Mapping,
    /// The mapping is the one confirmed for this layout before.
    pub remembered: bool,
    pub warnings: Vec<String>,
}

/// What the shopkeeper confirmed on the mapping screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ImportSettings {
    pub mapping: Mapping,
    pub options: PlanOptions,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PhotoRef {
    pub sku: String,
    pub files: Vec<String>,
}

/// The result of a simulation (and of an import, which is a committed simulation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Simulation {
    pub counts: Counts,
    pub rows: Vec<RowOutcome>,
    pub errors: Vec<RowError>,
    /// Paths of the categories the import creates.
    pub new_categories: Vec<String>,
    /// The category names of the file that lead to those creations, as written: the
    /// shopkeeper may map each to an existing category instead (`PlanOptions::category_map`).
    pub unknown_categories: Vec<String>,
    /// Photo file names to match against the photo library, per reference.
    pub photos: Vec<PhotoRef>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ImportReport {
    pub batch_id: i64,
    pub result: Simulation,
}

/// Header row and proposed mapping of a read file.
pub async fn preview(db: &Db, source: &Source) -> Result<FilePreview> {
    let width = source.width();
    let header_index = map::find_header_row(&source.rows).unwrap_or(0);
    let Some(header) = source.rows.get(header_index) else {
        return Err(Error::invalid("file", "empty", "Le fichier ne contient aucune ligne"));
    };
    let headers = map::headers(header, width);
    let layout_hash = map::layout_hash(&headers);
    let auto = map::auto_mapping(header, width);
    let remembered = db.import_mapping(&layout_hash).await?.filter(|m| m.columns.len() == width);
    let mapping = remembered.clone().unwrap_or_else(|| auto.clone());
    let data: Vec<&GridRow> = source.rows.iter().filter(|r| r.number > mapping.header_row).collect();
    let columns = (0..width)
        .map(|c| ColumnPreview {
            index: c as u32,
            letter: column_letter(c),
            header: headers[c].clone(),
            samples: data
                .iter()
                .map(|r| r.cell(c))
                .filter(|v| !v.is_empty())
                .take(5)
                .map(|v| values::cell_text(v).unwrap_or_default())
                .collect(),
            field: mapping.columns.get(c).copied().flatten(),
            suggested: auto.columns.get(c).copied().flatten(),
        })
        .collect();
    Ok(FilePreview {
        file_name: source.file_name.clone(),
        format: source.format,
        encoding: source.encoding.clone(),
        delimiter: source.delimiter.map(|d| if d == '\t' { "tabulation".into() } else { d.to_string() }),
        sheets: source.sheets.clone(),
        sheet: source.sheet.clone(),
        header_row: mapping.header_row,
        data_rows: data.len() as u32,
        columns,
        layout_hash,
        warnings: mapping_warnings(&mapping),
        remembered: remembered.is_some(),
        mapping,
    })
}

/// What a mapping leaves out, in French.
pub fn mapping_warnings(m: &Mapping) -> Vec<String> {
    let mut w = Vec::new();
    if !m.has(Field::Sku) && !m.has(Field::Ean) {
        w.push("Aucune colonne Référence ni Code EAN : indiquez laquelle identifie les produits".into());
    }
    if !m.has(Field::Name) {
        w.push("Pas de colonne Désignation : seuls les produits existants pourront être mis à jour".into());
    }
    if !m.has(Field::PriceTtc) && !m.has(Field::PriceHt) {
        w.push("Pas de colonne Prix : seuls les produits existants pourront être mis à jour".into());
    }
    if !m.has(Field::Vat) {
        w.push("Pas de colonne TVA : les nouveaux produits seront à 20 % (modifiable)".into());
    }
    w
}

/// The preview's mapping as import settings (full mode, default VAT 20 %).
pub fn default_settings(p: &FilePreview) -> ImportSettings {
    ImportSettings { mapping: p.mapping.clone(), options: PlanOptions::default() }
}

fn check_settings(s: &ImportSettings) -> Result<()> {
    if !s.mapping.has(Field::Sku) && !s.mapping.has(Field::Ean) {
        return Err(Error::invalid(
            "mapping",
            "key_missing",
            "Indiquez la colonne Référence (ou Code EAN) qui identifie les produits",
        ));
    }
    Ok(())
}

async fn plan_in(tx: &mut ImportTx, source: &Source, s: &ImportSettings, control: &Control) -> Result<Plan> {
    check_settings(s)?;
    let width = source.width().max(s.mapping.columns.len());
    let headers = source
        .rows
        .iter()
        .find(|r| r.number == s.mapping.header_row)
        .map(|h| map::headers(h, width))
        .unwrap_or_else(|| vec![String::new(); width]);
    let cols = values::Columns::new(s.mapping.clone(), headers);
    let data: Vec<&GridRow> = source.rows.iter().filter(|r| r.number > s.mapping.header_row).collect();
    let total = data.len() as u64;
    control.report(Phase::Checking, 0, total);
    let mut records = Vec::with_capacity(data.len());
    for (i, row) in data.iter().enumerate() {
        if i.is_multiple_of(8192) {
            control.check()?;
            control.report(Phase::Checking, i as u64, total);
        }
        let r = values::read_record(row, &cols);
        if is_noise(&r, row) {
            continue;
        }
        records.push(r);
    }
    let index = tx.index().await?;
    control.check()?;
    let resolved = plan::resolve(records, &cols, &index);
    let ids = plan::touched_products(&resolved, &index);
    let snapshots = tx.snapshots(&ids).await?;
    control.check()?;
    let plan = plan::build(resolved, &cols, &index, &snapshots, &s.options);
    control.report(Phase::Checking, total, total);
    Ok(plan)
}

/// Rows that are not products: nothing mapped filled in, or a "Total" line.
fn is_noise(r: &values::Record, row: &GridRow) -> bool {
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
            let t = crate::text::fold(&c.display());
            t.starts_with("total") || t.starts_with("sous-total") || t.starts_with("sous total")
        });
    mapped_empty || total_line
}

fn to_simulation(plan: Plan, s: &ImportSettings) -> Simulation {
    Simulation {
        counts: plan.counts,
        rows: plan.outcomes,
        errors: plan.errors,
        unknown_categories: {
            let mut seen = std::collections::BTreeSet::new();
            plan.new_categories.iter().filter(|c| seen.insert(c.written.clone())).map(|c| c.written.clone()).collect()
        },
        new_categories: plan.new_categories.into_iter().map(|c| c.path).collect(),
        photos: plan.photos.into_iter().map(|(sku, files)| PhotoRef { sku, files }).collect(),
        warnings: mapping_warnings(&s.mapping),
    }
}

/// Everything the import would do, nothing written.
pub async fn simulate(db: &Db, source: &Source, settings: &ImportSettings, control: &Control) -> Result<Simulation> {
    let mut tx = db.import_read().await?;
    let plan = plan_in(&mut tx, source, settings, control).await?;
    drop(tx);
    Ok(to_simulation(plan, settings))
}

/// Imports the valid rows in one transaction, recorded as a batch that [`undo`]
/// reverses; remembers the mapping for this file layout. Cancelling rolls back.
pub async fn apply(
    db: &Db,
    source: &Source,
    settings: &ImportSettings,
    now: DateTime<Utc>,
    control: &Control,
) -> Result<ImportReport> {
    let mut tx = db.import_write().await?;
    let plan = plan_in(&mut tx, source, settings, control).await?;
    let width = source.width().max(settings.mapping.columns.len());
    let headers = source
        .rows
        .iter()
        .find(|r| r.number == settings.mapping.header_row)
        .map(|h| map::headers(h, width))
        .unwrap_or_default();
    let layout_hash = map::layout_hash(&headers);
    let info = BatchInfo {
        file_name: source.file_name.clone(),
        sheet: source.sheet.clone(),
        mode: settings.options.mode.as_str().to_owned(),
        layout_hash: layout_hash.clone(),
    };
    let categories = db.categories().await?;
    let batch_id = tx.write(&plan, &info, &categories, now, control).await?;
    control.check()?;
    tx.commit().await?;
    db.save_import_mapping(&layout_hash, &settings.mapping, now).await?;
    Ok(ImportReport { batch_id, result: to_simulation(plan, settings) })
}

/// Puts the catalogue back as it was before batch `batch_id`.
pub async fn undo(db: &Db, batch_id: i64, now: DateTime<Utc>) -> Result<UndoReport> {
    db.undo_import(batch_id, now).await
}

/// The refused rows of a simulation, as an XLSX with an "Erreur" column.
pub fn rejected_rows_xlsx(source: &Source, settings: &ImportSettings, errors: &[RowError]) -> Result<Vec<u8>> {
    errors::rejected_rows_xlsx(source, settings.mapping.header_row, errors)
}
