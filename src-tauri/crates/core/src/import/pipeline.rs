//! [`simulate`] and [`apply`]: what planning needs read in the import's transaction, the
//! rows fed to the planner in batches from a sheet read or being read, and for an
//! import the planner's writes sent to the thread holding the transaction, committed
//! as a batch.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::plan::{Ids, OUTCOMES_KEPT, PlanOptions, PlanSink, Planner, Report, RowPromotion, WriteBatch};
use super::promote::{promote, promote_after_commit};
use super::settings::check_settings;
use super::{
    Control, Field, GridRow, ImportReport, ImportSettings, Phase, PromotionCounts, Simulation, Source, map,
    mapping_warnings, values,
};
use crate::storage::ImportTx;
use crate::storage::imports::{BatchInfo, CatalogueIndex, ProductSnapshot};
use crate::{Db, Error, Result};

/// What planning needs besides the sheet: the columns, the catalogue as the import's
/// transaction sees it, the photo library when a column names photos, the ids to hand
/// out, and where the data rows start.
pub(super) struct Setup {
    cols: values::Columns,
    index: CatalogueIndex,
    library: Option<HashMap<String, String>>,
    ids: Ids,
    /// Index of the first data row in the sheet's rows, and how many there are so far.
    first: usize,
    total: u64,
}

/// Reads what planning needs in `tx` (blocking). `sheet`: the rows read so far.
pub(super) fn setup(
    tx: &mut ImportTx,
    db: &Db,
    rt: &tokio::runtime::Handle,
    sheet: &Source,
    s: &ImportSettings,
) -> Result<Setup> {
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
pub(super) struct ReadSink<'t>(pub(super) &'t mut ImportTx);

impl PlanSink for ReadSink<'_> {
    fn snapshots(&mut self, ids: &[i64]) -> Result<HashMap<i64, ProductSnapshot>> {
        self.0.snapshots(ids)
    }

    fn write(&mut self, _: WriteBatch) -> Result<()> {
        Ok(())
    }
}

/// Where the planner's rows come from.
pub(super) enum Feed {
    /// A sheet read already (the app reads it when the shopkeeper picks the file).
    Sheet(Arc<Source>),
    /// A sheet being read: the rows received so far, then the reader's.
    Reading { sheet: Source, rows: tokio::sync::mpsc::Receiver<Read>, done: bool },
}

/// From the thread reading a file to the planner.
pub(super) enum Read {
    Head(Source),
    Rows(Vec<GridRow>),
    /// Every row was read.
    Done,
}

/// Plans every row of the feed, sending writes and asking for stored rows through
/// `sink`; gives the report and the whole sheet.
pub(super) fn plan(
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
pub(super) fn to_simulation(mut report: Report, s: &ImportSettings) -> (Simulation, Vec<RowPromotion>) {
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

/// Runs blocking import work off the async runtime; it starts at once (not when the
/// result is first awaited).
pub(super) fn blocking<T: Send + 'static>(
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

/// Imports the valid rows in one transaction, recorded as a batch that [`undo`](super::undo)
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
pub(super) fn write(
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
pub(super) fn log_failure(file_name: &str, e: &Error) {
    match e {
        Error::UnorderedSheet(_) => {}
        Error::Cancelled => tracing::info!("import de « {file_name} » annulé"),
        e => tracing::warn!("import de « {file_name} » impossible : {e}"),
    }
}

/// The commit left the write-ahead log as it is (a large import's log is as big as what
/// it wrote) and the search index unmerged: both are seen to in the background.
pub(super) fn checkpoint_later(db: &Db) {
    let background = db.clone();
    tokio::spawn(async move {
        if let Err(e) = settle(&background).await {
            tracing::warn!("after import: {e}");
        }
    });
}

/// What an import leaves for after its commit: merging the search index's segments
/// (put off while it wrote), then copying the write-ahead log into the database file.
/// [`apply`] and [`import_file`](super::import_file) start it in the background; searches work meanwhile.
pub async fn settle(db: &Db) -> Result<()> {
    db.merge_search_index().await?;
    db.checkpoint().await
}
