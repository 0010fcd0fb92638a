//! [`import_file`]: a file from disk read, mapped and imported (or simulated) in one go,
//! its rows planned and written while it is still being read (the CLI's way).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::pipeline::{
    Feed, Read, ReadSink, blocking, checkpoint_later, log_failure, plan, setup, to_simulation, write,
};
use super::promote::{promote, promote_after_commit};
use super::{
    Control, FilePreview, GridRow, ImportSettings, Simulation, Source, apply, map, preview, read_file, simulate,
    stream_file,
};
use crate::import::plan::PlanOptions;
use crate::{Db, Error, Result};

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
