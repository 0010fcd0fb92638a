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

pub mod detect;
pub mod errors;
pub mod map;
pub mod plan;
pub mod read;
pub mod values;
mod xlsx_merges;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use detect::FileFormat;
pub use errors::RowError;
pub use map::{Field, Mapping, column_letter};
pub use plan::{
    CategoryChoice, CategoryRef, Change, Counts, ImportMode, NewCategory, OUTCOMES_KEPT, PlanOptions, ProductWrite,
    QuantityProposal, RowAction, RowOutcome, VariantWrite,
};
pub use read::{Cell, GridRow, Source, read_bytes, read_file, stream_bytes, stream_file};

pub use crate::model::import::photo_name_key;

use crate::promotions::sheet::{SheetOutcome, from_sheet};
use crate::promotions::{self, PromotionQuery};
use crate::storage::ImportTx;
use crate::storage::imports::{BatchInfo, CatalogueIndex, ProductSnapshot, UndoReport};
use crate::{Db, Error, Result};
use plan::{Ids, PlanSink, Planner, Report, RowPromotion, WriteBatch};

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
    // The remembered mapping is for this header row wherever it sits now (next month's
    // file may have one more title line above it), and for this sheet's width (a note
    // typed right of the table adds a column, not a layout).
    let remembered = db.import_mapping(&layout_hash).await?.and_then(|mut m| {
        if m.columns.iter().skip(width).any(Option::is_some) {
            return None;
        }
        m.columns.resize(width, None);
        m.header_row = header.number;
        Some(m)
    });
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

/// What planning needs besides the sheet: the columns, the catalogue as the import's
/// transaction sees it, the photo library when a column names photos, the ids to hand
/// out, and where the data rows start.
struct Setup {
    cols: values::Columns,
    index: CatalogueIndex,
    library: Option<HashMap<String, String>>,
    ids: Ids,
    /// Index of the first data row in the sheet's rows, and how many there are so far.
    first: usize,
    total: u64,
}

/// Reads what planning needs in `tx` (blocking). `sheet`: the rows read so far.
fn setup(tx: &mut ImportTx, db: &Db, rt: &tokio::runtime::Handle, sheet: &Source, s: &ImportSettings) -> Result<Setup> {
    check_settings(s)?;
    let width = sheet.width().max(s.mapping.columns.len());
    let headers = sheet
        .rows
        .iter()
        .find(|r| r.number == s.mapping.header_row)
        .map(|h| map::headers(h, width))
        .unwrap_or_else(|| vec![String::new(); width]);
    let cols = values::Columns::new(s.mapping.clone(), headers);
    // Rows are in sheet order: the data rows are the ones after the header row.
    let first = sheet.rows.partition_point(|r| r.number <= s.mapping.header_row);
    let library = if s.mapping.has(Field::Photo) { Some(tx.photo_library()?) } else { None };
    // Through the pool: `tx` holds the write lock (or its read snapshot is as recent).
    let categories = rt.block_on(db.categories())?;
    let index = tx.index(categories)?;
    let (next_product, next_category, seed) = tx.next_ids()?;
    Ok(Setup {
        index,
        ids: Ids::new(next_product, next_category, seed),
        cols,
        library,
        first,
        total: (sheet.rows.len() - first) as u64,
    })
}

/// Rows planned at a time: a batch of writes for the storage layer.
const FEED_ROWS: usize = 2048;

/// From the planning thread to the import's transaction.
enum Msg {
    Write(WriteBatch),
    Snapshots(Vec<i64>, std::sync::mpsc::SyncSender<Result<HashMap<i64, ProductSnapshot>>>),
}

/// The planner's side of the channel to the thread writing the import. A closed channel
/// means that thread stopped (its error is the one reported).
struct ChannelSink(std::sync::mpsc::SyncSender<Msg>);

impl PlanSink for ChannelSink {
    fn snapshots(&mut self, ids: &[i64]) -> Result<HashMap<i64, ProductSnapshot>> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.0.send(Msg::Snapshots(ids.to_vec(), reply)).map_err(|_| Error::Cancelled)?;
        answer.recv().map_err(|_| Error::Cancelled)?
    }

    fn write(&mut self, batch: WriteBatch) -> Result<()> {
        self.0.send(Msg::Write(batch)).map_err(|_| Error::Cancelled)
    }
}

/// A simulation plans on the thread holding its read transaction.
struct ReadSink<'t>(&'t mut ImportTx);

impl PlanSink for ReadSink<'_> {
    fn snapshots(&mut self, ids: &[i64]) -> Result<HashMap<i64, ProductSnapshot>> {
        self.0.snapshots(ids)
    }

    fn write(&mut self, _: WriteBatch) -> Result<()> {
        Ok(())
    }
}

/// Where the planner's rows come from.
enum Feed {
    /// A sheet read already (the app reads it when the shopkeeper picks the file).
    Sheet(Arc<Source>),
    /// A sheet being read: the rows received so far, then the reader's.
    Reading { sheet: Source, rows: tokio::sync::mpsc::Receiver<Read>, done: bool },
}

/// From the thread reading a file to the planner.
enum Read {
    Head(Source),
    Rows(Vec<GridRow>),
    /// Every row was read.
    Done,
}

/// Plans every row of the feed, sending writes and asking for stored rows through
/// `sink`; gives the report and the whole sheet.
fn plan(
    setup: Setup,
    feed: Feed,
    options: &PlanOptions,
    writing: bool,
    control: &Control,
    sink: &mut dyn PlanSink,
) -> Result<(Report, Arc<Source>)> {
    let Setup { cols, index, library, ids, first, total } = setup;
    let mut planner = Planner::new(&cols, &index, options, library.as_ref(), ids, writing);
    let progress = |planner: &Planner| {
        if !writing {
            control.report(Phase::Checking, planner.rows_seen(), total);
        }
    };
    match feed {
        Feed::Sheet(source) => {
            for (k, chunk) in source.rows[first..].chunks(FEED_ROWS).enumerate() {
                control.check()?;
                planner.feed(chunk, first + k * FEED_ROWS, sink)?;
                progress(&planner);
            }
            control.check()?;
            Ok((planner.finish(&source.rows, sink)?, source))
        }
        Feed::Reading { mut sheet, mut rows, mut done } => {
            let mut fed = first.min(sheet.rows.len());
            loop {
                while sheet.rows.len() - fed >= FEED_ROWS || (done && fed < sheet.rows.len()) {
                    control.check()?;
                    let end = (fed + FEED_ROWS).min(sheet.rows.len());
                    planner.feed(&sheet.rows[fed..end], fed, sink)?;
                    fed = end;
                }
                if done {
                    break;
                }
                match rows.blocking_recv() {
                    Some(Read::Rows(more)) => sheet.rows.extend(more),
                    Some(Read::Head(_)) => {}
                    Some(Read::Done) => done = true,
                    // The reader stopped on an error: it is the one reported.
                    None => return Err(Error::Cancelled),
                }
            }
            control.check()?;
            let report = planner.finish(&sheet.rows, sink)?;
            Ok((report, Arc::new(sheet)))
        }
    }
}

/// The simulation of a report, and its rows' promotions (for [`promote`]).
fn to_simulation(mut report: Report, s: &ImportSettings) -> (Simulation, Vec<RowPromotion>) {
    let promotions = std::mem::take(&mut report.promotions);
    let (rows, rows_omitted) = report.outcomes();
    let mut quantity_proposals = std::mem::take(&mut report.proposals);
    let quantity_proposals_omitted = quantity_proposals.len().saturating_sub(OUTCOMES_KEPT) as u32;
    quantity_proposals.truncate(OUTCOMES_KEPT);
    let sim = Simulation {
        quantity_proposals,
        quantity_proposals_omitted,
        counts: report.counts,
        rows,
        rows_omitted,
        errors: report.errors,
        new_categories: report.new_categories,
        unknown_categories: report.unknown_categories,
        photos: report.photos,
        row_warnings: report.row_warnings,
        warnings: mapping_warnings(&s.mapping),
        promotions: PromotionCounts::default(),
    };
    (sim, promotions)
}

/// Checks (`batch` `None`) or saves (after the import's commit, recorded on the batch
/// so that [`undo`] withdraws them) the rows' promotions: counted in `sim`, each one
/// refused a warning on its row, pointed at its Remise or Prix promo cell.
async fn promote(
    db: &Db,
    sim: &mut Simulation,
    rows: Vec<RowPromotion>,
    batch: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut refused: Vec<RowError> = Vec::new();
    // A price and a discount that disagree are refused, unless the variant has that very
    // promotion (an exported row whose regular price changed since it was set).
    let stored = if rows.iter().any(|r| r.disagreement.is_some()) {
        promotions::list(db, &PromotionQuery { include_ended: true, ..PromotionQuery::default() }, now).await?
    } else {
        Vec::new()
    };
    let mut items = Vec::with_capacity(rows.len());
    let mut at: HashMap<u32, RowError> = HashMap::with_capacity(rows.len());
    for r in rows {
        if let Some(message) = r.disagreement {
            let percent = match r.item.discount {
                promotions::Discount::PercentOff { percent } => Some(percent),
                promotions::Discount::NewPrice { .. } => None,
            };
            let same = stored.iter().any(|p| {
                p.sku.to_lowercase() == r.item.sku.to_lowercase()
                    && DateTime::parse_from_rfc3339(&p.starts_at).is_ok_and(|s| s == r.item.starts)
                    && p.percent == percent
                    && r.given_price_cents == Some(p.price_cents)
            });
            if !same {
                refused.push(RowError { message, ..r.at });
                continue;
            }
        }
        at.insert(r.item.row, r.at);
        items.push(r.item);
    }
    let counts = &mut sim.promotions;
    for result in from_sheet(db, &items, batch, now).await? {
        match result.outcome {
            SheetOutcome::Created => counts.created += 1,
            SheetOutcome::Updated => counts.updated += 1,
            SheetOutcome::Unchanged => counts.unchanged += 1,
            SheetOutcome::Refused(message) => {
                if let Some(e) = at.remove(&result.row) {
                    refused.push(RowError { message, ..e });
                }
            }
        }
    }
    counts.refused = refused.len() as u32;
    // The row's note said what the promotion would be: it says it is refused instead.
    for e in &refused {
        if let Some(o) = sim.rows.iter_mut().find(|o| o.row == e.row)
            && let Some(note) = o.notes.iter_mut().find(|n| n.starts_with(plan::PROMOTION_NOTE))
        {
            *note = format!("{} refusée : {}", plan::PROMOTION_NOTE, e.message);
        }
    }
    sim.row_warnings.extend(refused);
    sim.row_warnings.sort_by_key(|e| e.row);
    Ok(())
}

/// [`promote`] after the import's commit: the import is saved whatever happens to its
/// promotions, so a failure is a warning of the result, not the import's error.
async fn promote_after_commit(
    db: &Db,
    sim: &mut Simulation,
    rows: Vec<RowPromotion>,
    batch_id: i64,
    now: DateTime<Utc>,
) {
    if let Err(e) = promote(db, sim, rows, Some(batch_id), now).await {
        tracing::warn!("import {batch_id}, promotions: {e}");
        sim.warnings.push(format!("Les produits sont importés, mais pas les promotions du fichier : {e}"));
    }
}

/// Runs blocking import work off the async runtime; it starts at once (not when the
/// result is first awaited).
fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> impl std::future::Future<Output = Result<T>> {
    let task = tokio::task::spawn_blocking(f);
    async move { task.await.map_err(|e| Error::Io(std::io::Error::other(e.to_string())))? }
}

/// Everything the import would do at `now`, nothing written.
pub async fn simulate(
    db: &Db,
    source: &Arc<Source>,
    settings: &ImportSettings,
    now: DateTime<Utc>,
    control: &Control,
) -> Result<Simulation> {
    let (db2, source, settings, control) = (db.clone(), source.clone(), settings.clone(), control.clone());
    let rt = tokio::runtime::Handle::current();
    let (mut sim, promotions) = blocking(move || {
        let mut tx = db2.import_read()?;
        let setup = setup(&mut tx, &db2, &rt, &source, &settings)?;
        let total = setup.total;
        control.report(Phase::Checking, 0, total);
        let (report, _) = plan(setup, Feed::Sheet(source), &settings.options, false, &control, &mut ReadSink(&mut tx))?;
        control.report(Phase::Checking, total, total);
        Ok(to_simulation(report, &settings))
    })
    .await?;
    promote(db, &mut sim, promotions, None, now).await?;
    Ok(sim)
}

/// Imports the valid rows in one transaction, recorded as a batch that [`undo`]
/// reverses; remembers the mapping for this file layout. Cancelling rolls back.
pub async fn apply(
    db: &Db,
    source: &Arc<Source>,
    settings: &ImportSettings,
    now: DateTime<Utc>,
    control: &Control,
) -> Result<ImportReport> {
    let (db2, sheet, settings, control) = (db.clone(), source.clone(), settings.clone(), control.clone());
    let rt = tokio::runtime::Handle::current();
    let (batch_id, mut result, _, promotions) = blocking(move || {
        let feed = Feed::Sheet(sheet.clone());
        write(&db2, &rt, &sheet, feed, None, &settings, now, &control)
    })
    .await
    .inspect_err(|e| log_failure(&source.file_name, e))?;
    promote_after_commit(db, &mut result, promotions, batch_id, now).await;
    checkpoint_later(db);
    Ok(ImportReport { batch_id, result })
}

/// The whole import, committed (blocking): a thread plans the rows while this one writes
/// them in the import's transaction, so that reading and checking the rows and SQLite's
/// work run on both cores at once. `sheet`: the rows read so far (all of them for
/// [`Feed::Sheet`]); `expected`: how many data rows the file may hold when it is still
/// being read.
#[allow(clippy::too_many_arguments)]
fn write(
    db: &Db,
    rt: &tokio::runtime::Handle,
    sheet: &Source,
    feed: Feed,
    expected: Option<u64>,
    settings: &ImportSettings,
    now: DateTime<Utc>,
    control: &Control,
) -> Result<(i64, Simulation, Arc<Source>, Vec<RowPromotion>)> {
    let mut tx = db.import_write()?;
    let setup = setup(&mut tx, db, rt, sheet, settings)?;
    let total = setup.total;
    let expected = expected.unwrap_or(total);
    let width = sheet.width().max(settings.mapping.columns.len());
    let headers = sheet
        .rows
        .iter()
        .find(|r| r.number == settings.mapping.header_row)
        .map(|h| map::headers(h, width))
        .unwrap_or_default();
    let layout_hash = map::layout_hash(&headers);
    let info = BatchInfo {
        file_name: sheet.file_name.clone(),
        sheet: sheet.sheet.clone(),
        mode: settings.options.mode.as_str().to_owned(),
        layout_hash: layout_hash.clone(),
    };
    // Dropping the name indexes pays when the import may double the catalogue.
    let bulk = expected >= setup.index.keys.len() as u64;
    tx.begin_batch(&info, bulk, now)?;
    control.report(Phase::Checking, 0, total);
    let (report, source) = std::thread::scope(|s| {
        let (sender, batches) = std::sync::mpsc::sync_channel::<Msg>(2);
        let planner = s.spawn(|| {
            let mut sink = ChannelSink(sender);
            plan(setup, feed, &settings.options, true, control, &mut sink)
        });
        // What is written is freed on a thread of its own: this one is the bottleneck.
        let (spent, to_free) = std::sync::mpsc::channel::<crate::storage::Spent>();
        s.spawn(move || to_free.into_iter().for_each(drop));
        let written = (|| {
            for msg in batches {
                match msg {
                    Msg::Snapshots(ids, reply) => {
                        // The planner gives up when the answer cannot be sent: nothing to do here.
                        let _ = reply.send(tx.snapshots(&ids));
                    }
                    Msg::Write(batch) => {
                        control.check()?;
                        let done = batch.rows_done;
                        // The freeing thread goes only when this one does.
                        let _ = spent.send(tx.write_batch(batch)?);
                        control.report(Phase::Writing, done, total);
                    }
                }
            }
            Ok(())
        })();
        // The channel is closed once the planner is done; a failed write closes it from
        // this side and the planner stops at its next send.
        let planned = planner.join().map_err(|_| Error::Io(std::io::Error::other("planification interrompue")))?;
        written.and(planned)
    })?;
    control.check()?;
    let batch_id = tx.finish_batch(&report.counts)?;
    tx.save_mapping(&layout_hash, &settings.mapping, now)?;
    tx.commit()?;
    let c = &report.counts;
    tracing::info!(
        "import {batch_id} de « {} » enregistré : {} créé(s), {} modifié(s), {} inchangé(s), {} ligne(s) refusée(s)",
        sheet.file_name,
        c.create,
        c.update,
        c.unchanged,
        c.rejected
    );
    let done = (source.rows.len() - source.rows.partition_point(|r| r.number <= settings.mapping.header_row)) as u64;
    control.report(Phase::Writing, done, done);
    let (sim, promotions) = to_simulation(report, settings);
    Ok((batch_id, sim, source, promotions))
}

/// A failed import in the log file (a simulation's errors are shown, not logged).
/// Cells out of row order are no failure: the file is then read whole.
fn log_failure(file_name: &str, e: &Error) {
    match e {
        Error::UnorderedSheet(_) => {}
        Error::Cancelled => tracing::info!("import de « {file_name} » annulé"),
        e => tracing::warn!("import de « {file_name} » impossible : {e}"),
    }
}

/// The commit left the write-ahead log as it is (a large import's log is as big as what
/// it wrote) and the search index unmerged: both are seen to in the background.
fn checkpoint_later(db: &Db) {
    let background = db.clone();
    tokio::spawn(async move {
        if let Err(e) = settle(&background).await {
            tracing::warn!("after import: {e}");
        }
    });
}

/// What an import leaves for after its commit: merging the search index's segments
/// (put off while it wrote), then copying the write-ahead log into the database file.
/// [`apply`] and [`import_file`] start it in the background; searches work meanwhile.
pub async fn settle(db: &Db) -> Result<()> {
    db.merge_search_index().await?;
    db.checkpoint().await
}

/// A file imported (or simulated) from disk in one go: what [`read_file`],
/// [`preview`] and [`apply`] give one after the other.
#[derive(Debug)]
pub struct FileImport {
    pub source: Arc<Source>,
    pub preview: FilePreview,
    pub settings: ImportSettings,
    /// `None` for a simulation.
    pub batch_id: Option<i64>,
    pub result: Simulation,
}

/// Reads, maps (the remembered mapping of this layout, else the proposed one) and
/// imports a file, or only simulates it (`write_it` false). The rows are planned and
/// written while the file is still being read: for a large spreadsheet, reading it and
/// SQLite's work overlap on the two cores. The result is the one [`read_file`] then
/// [`apply`] give.
pub async fn import_file(
    db: &Db,
    path: &std::path::Path,
    sheet: Option<&str>,
    options: PlanOptions,
    write_it: bool,
    now: DateTime<Utc>,
    control: &Control,
) -> Result<FileImport> {
    match stream_import(db, path, sheet, &options, write_it, now, control).await {
        // Cells out of row order (no spreadsheet program writes them): read it whole.
        Err(Error::UnorderedSheet(_)) => {
            let source = Arc::new(read_file(path, sheet, control)?);
            let preview = preview(db, &source).await?;
            let settings = ImportSettings { mapping: preview.mapping.clone(), options };
            let (batch_id, result) = if write_it {
                let r = apply(db, &source, &settings, now, control).await?;
                (Some(r.batch_id), r.result)
            } else {
                (None, simulate(db, &source, &settings, now, control).await?)
            };
            Ok(FileImport { source, preview, settings, batch_id, result })
        }
        other => other,
    }
}

async fn stream_import(
    db: &Db,
    path: &std::path::Path,
    sheet: Option<&str>,
    options: &PlanOptions,
    write_it: bool,
    now: DateTime<Utc>,
    control: &Control,
) -> Result<FileImport> {
    let (sender, mut rows) = tokio::sync::mpsc::channel::<Read>(4);
    let reader = {
        let (path, sheet, control) = (path.to_owned(), sheet.map(str::to_owned), control.clone());
        blocking(move || {
            let mut head_sent = false;
            let send = |m: Read| sender.blocking_send(m).map_err(|_| Error::Cancelled);
            stream_file(&path, sheet.as_deref(), &control, &mut |head, batch| {
                if !head_sent {
                    send(Read::Head(head.clone()))?;
                    head_sent = true;
                }
                send(Read::Rows(batch))
            })?;
            send(Read::Done)
        })
    };
    // The first rows, where the header row is.
    let (mut sheet, mut done) = (None::<Source>, false);
    let mut first: Vec<GridRow> = Vec::new();
    while !done && first.len() < map::HEADER_SEARCH {
        match rows.recv().await {
            Some(Read::Head(h)) => sheet = Some(h),
            Some(Read::Rows(more)) => first.extend(more),
            Some(Read::Done) => done = true,
            None => {
                reader.await?;
                return Err(Error::Cancelled);
            }
        }
    }
    let Some(mut sheet) = sheet else {
        reader.await?;
        return Err(Error::invalid("file", "empty", "Le fichier ne contient aucune ligne"));
    };
    sheet.rows = first;
    let mut preview = preview(db, &sheet).await?;
    let settings = ImportSettings { mapping: preview.mapping.clone(), options: options.clone() };
    let rt = tokio::runtime::Handle::current();
    let job = {
        let (db, settings, control) = (db.clone(), settings.clone(), control.clone());
        // Rows of the bench's files take 45 (XLSX) to 100 bytes (CSV): a low guess.
        let expected = std::fs::metadata(path).map(|m| m.len() / 100).unwrap_or(0);
        blocking(move || {
            let feed = Feed::Reading { sheet: sheet.clone(), rows, done };
            if write_it {
                let (batch_id, result, source, promotions) =
                    write(&db, &rt, &sheet, feed, Some(expected), &settings, now, &control)?;
                Ok((Some(batch_id), result, source, promotions))
            } else {
                let mut tx = db.import_read()?;
                let setup = setup(&mut tx, &db, &rt, &sheet, &settings)?;
                let (report, source) = plan(setup, feed, &settings.options, false, &control, &mut ReadSink(&mut tx))?;
                let (sim, promotions) = to_simulation(report, &settings);
                Ok((None, sim, source, promotions))
            }
        })
    };
    let (done, read) = (job.await, reader.await);
    let outcome = match (done, read) {
        (Ok(done), Ok(())) => Ok(done),
        // The reader stopped because the import gave up (a write failed, say): the
        // import's error is the one to tell, not the reader's « cancelled ».
        (Err(e), Err(Error::Cancelled) | Ok(())) => Err(e),
        // A reading error is the one to tell: the planner only saw the rows stop.
        (_, Err(e)) => Err(e),
    };
    let (batch_id, mut result, source, promotions) = match outcome {
        Ok(done) => done,
        Err(e) => {
            if write_it {
                log_failure(&path.file_name().unwrap_or_default().to_string_lossy(), &e);
            }
            return Err(e);
        }
    };
    match batch_id {
        Some(b) => {
            promote_after_commit(db, &mut result, promotions, b, now).await;
            checkpoint_later(db);
        }
        None => promote(db, &mut result, promotions, None, now).await?,
    }
    preview.data_rows = (source.rows.len() - source.rows.partition_point(|r| r.number <= preview.header_row)) as u32;
    Ok(FileImport { source, preview, settings, batch_id, result })
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
