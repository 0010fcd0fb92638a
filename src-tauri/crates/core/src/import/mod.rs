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
//!    import batch, then sets the rows' promotions (« Prix promo » or « Remise »,
//!    « Début promo », « Fin promo ») by the rules of the promotions screen, each one
//!    refused a warning on its row; [`undo`] puts the catalogue back exactly as it was
//!    and withdraws the promotions the import created;
//! 5. [`rejected_rows_xlsx`] gives the refused rows back with an "Erreur" column.
//!
//! Long runs report progress and can be cancelled through a [`Control`].
//!
//! This module holds the import's words (progress, cancel, the simulation's result) and
//! undo; its parts: `settings` (the mapping screen: [`preview`], what a mapping leaves
//! out), `pipeline` ([`simulate`] and [`apply`]: the rows planned on one thread while
//! the import's transaction writes on another), `promote` (the rows' promotions, checked
//! or saved after the commit), `file` ([`import_file`]: a file read, planned and written
//! at once, for the CLI).

pub mod errors;
mod file;
pub mod map;
mod pipeline;
pub mod plan;
mod promote;
pub mod read;
mod settings;
pub mod values;

/// Format, encoding and delimiter detection, comptoir-sheets' (this path kept).
pub use comptoir_sheets::detect;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use detect::FileFormat;
pub use errors::RowError;
pub use file::{FileImport, import_file};
pub use map::{Field, Mapping, column_letter};
pub use pipeline::{apply, settle, simulate};
pub use plan::{
    CategoryChoice, CategoryRef, Change, Counts, ImportMode, NewCategory, OUTCOMES_KEPT, PlanOptions, ProductWrite,
    QuantityProposal, RowAction, RowOutcome, VariantWrite,
};
pub use read::{Cell, GridRow, Source, read_bytes, read_file, stream_bytes, stream_file};
pub use settings::{ColumnPreview, FilePreview, ImportSettings, default_settings, mapping_warnings, preview};

pub use crate::model::import::photo_name_key;

use crate::storage::imports::UndoReport;
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

/// The Photo / Image cell of a row, matched against the photo library by file name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PhotoRef {
    pub row: u32,
    pub sku: String,
    /// Every file name of the cell, as written.
    pub files: Vec<String>,
    /// Those found in the library (attached to the product on import), in cell order.
    pub found: Vec<PhotoFound>,
    /// Those not found (also reported in [`Simulation::row_warnings`]).
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PhotoFound {
    pub file: String,
    pub sha256: String,
}

/// The result of a simulation (and of an import, which is a committed simulation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Simulation {
    pub counts: Counts,
    /// Each row's outcome in file order: the first [`OUTCOMES_KEPT`] rows of each
    /// action (`counts` has them all; every refused row is in `errors`).
    pub rows: Vec<RowOutcome>,
    /// Outcomes left out of `rows`.
    pub rows_omitted: u32,
    pub errors: Vec<RowError>,
    /// Paths of the categories the import creates.
    pub new_categories: Vec<String>,
    /// The category names of the file that lead to those creations, as written: the
    /// shopkeeper may map each to an existing category instead (`PlanOptions::category_map`).
    pub unknown_categories: Vec<String>,
    /// Photo file names of each row, matched against the photo library.
    pub photos: Vec<PhotoRef>,
    /// Problems that do not refuse the row (a photo not in the library, food information
    /// missing for a row to publish: imported as a draft), pointed at the cell.
    pub row_warnings: Vec<RowError>,
    pub warnings: Vec<String>,
    /// Net quantities read in product names when the file has no quantity column, in
    /// file order (the first [`OUTCOMES_KEPT`]): stored only with
    /// [`PlanOptions::quantities_from_names`].
    pub quantity_proposals: Vec<QuantityProposal>,
    /// Proposals left out of `quantity_proposals`.
    pub quantity_proposals_omitted: u32,
    /// What the rows' promotion cells do (each one refused is also in `row_warnings`).
    pub promotions: PromotionCounts,
}

/// The promotions of a file's rows (« Prix promo » or « Remise », « Début promo »,
/// « Fin promo »): created, changed, already there, refused. A promotion refused does
/// not refuse its row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PromotionCounts {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub refused: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ImportReport {
    pub batch_id: i64,
    pub result: Simulation,
}

/// Puts the catalogue back as it was before batch `batch_id`.
pub async fn undo(db: &Db, batch_id: i64, now: DateTime<Utc>) -> Result<UndoReport> {
    let r = db.undo_import(batch_id, now).await?;
    tracing::info!(
        "import {batch_id} annulé : {} produit(s) supprimé(s), {} remis comme avant, {} catégorie(s) supprimée(s)",
        r.products_deleted,
        r.products_restored,
        r.categories_deleted
    );
    Ok(r)
}

/// The refused rows of a simulation, as an XLSX with an "Erreur" column.
pub fn rejected_rows_xlsx(source: &Source, settings: &ImportSettings, errors: &[RowError]) -> Result<Vec<u8>> {
    errors::rejected_rows_xlsx(source, settings.mapping.header_row, errors)
}
