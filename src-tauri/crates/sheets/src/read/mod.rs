//! Reading a file into a grid of cells: rows numbered as the spreadsheet shows them,
//! cells at their real column. Nothing here knows what a product is.
//!
//! This module is the way in (whole — [`read_bytes`], [`read_file`] — or streamed a few
//! thousand rows at a time — [`stream_bytes`], [`stream_file`]), the [`Source`] it
//! gives and the [`Guide`] it asks; its parts:
//!
//! - `text`: CSV/TSV/TXT, read with the encoding and delimiter `detect` finds;
//! - `workbook`: XLSX (its cells streamed straight into rows), XLS and ODS, the sheet
//!   holding a table chosen, merged regions found;
//! - `grid`: the cells and rows, merged regions filled in, calamine's values converted.

mod grid;
mod text;
mod workbook;

use serde::Serialize;

use crate::Result;
use crate::detect::{FileFormat, format_of};
use crate::error::Error;
pub use grid::{Cell, GridRow, number_to_string};
use text::read_text;
use workbook::read_workbook;

/// What a reader asks of its caller as it goes. The readers know files, cells and rows;
/// which rows make a table (the catalogue's headers), whether to go on and who is told
/// how far the reading is are the caller's.
pub trait Guide {
    /// How many of a sheet's first non-blank rows may hold its header row.
    fn header_rows(&self) -> usize;

    /// Whether `first`, a sheet's first non-blank rows ([`Guide::header_rows`] of them,
    /// or fewer when the sheet has fewer), hold a table's header row. With no sheet
    /// asked for, the first sheet that does is read, else the first sheet.
    fn holds_table(&self, first: &[GridRow]) -> bool;

    /// Asked every few thousand rows and before each sheet: `true` stops the reading
    /// with [`Error::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }

    /// How far the reading is: bytes of the file (of its decoded text for a text file).
    fn progress(&self, _done: u64, _total: u64) {}
}

fn check(guide: &dyn Guide) -> Result<()> {
    if guide.cancelled() { Err(Error::Cancelled) } else { Ok(()) }
}

/// A file read into memory: the chosen sheet's non-blank rows.
#[derive(Debug, Clone)]
pub struct Source {
    pub file_name: String,
    pub format: FileFormat,
    /// Text files: the encoding found (`UTF-8`, `windows-1252`…).
    pub encoding: Option<String>,
    /// Text files: the delimiter found.
    pub delimiter: Option<char>,
    /// Spreadsheets: every sheet, in workbook order.
    pub sheets: Vec<String>,
    /// The sheet read (empty for text files).
    pub sheet: String,
    pub rows: Vec<GridRow>,
}

impl Source {
    pub fn width(&self) -> usize {
        self.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0)
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SheetInfo {
    pub name: String,
    pub rows: u32,
}

/// Reads a file from disk; see [`read_bytes`].
pub fn read_file(path: &std::path::Path, sheet: Option<&str>, guide: &dyn Guide) -> Result<Source> {
    let (bytes, name) = file_bytes(path)?;
    read_bytes(&bytes, &name, sheet, guide)
}

/// Reads a file from disk like [`read_file`], handing its rows to `emit` in sheet order
/// as soon as they are final (a few thousand at a time), with the file's description
/// (its `rows` empty); gives that description at the end. A spreadsheet whose cells are
/// not in row order (no spreadsheet program writes one) is refused with
/// [`Error::UnorderedSheet`]: [`read_file`] reads it. An error `emit` gives stops the
/// reading and is given back as it is.
pub fn stream_file<E: From<Error>>(
    path: &std::path::Path,
    sheet: Option<&str>,
    guide: &dyn Guide,
    emit: &mut Emit<'_, E>,
) -> Result<Source, E> {
    let (bytes, name) = file_bytes(path)?;
    stream_bytes(&bytes, &name, sheet, guide, emit)
}

/// [`stream_file`] on bytes in memory. Gives the rows [`read_bytes`] gives, or an error.
pub fn stream_bytes<E: From<Error>>(
    bytes: &[u8],
    file_name: &str,
    sheet: Option<&str>,
    guide: &dyn Guide,
    emit: &mut Emit<'_, E>,
) -> Result<Source, E> {
    // The readers stop on an error of their own type: `emit`'s is kept here and given
    // back instead, so the caller sees its own error (a closed channel, a failed write),
    // and the readers are compiled once, not once per caller's error type.
    let mut refused: Option<E> = None;
    let read = scan(bytes, file_name, sheet, guide, true, &mut |head, rows| {
        emit(head, rows).map_err(|e| {
            refused = Some(e);
            Error::Cancelled
        })
    });
    match (read, refused) {
        (_, Some(e)) => Err(e),
        (Ok(source), None) => Ok(source),
        (Err(e), None) => Err(e.into()),
    }
}

fn file_bytes(path: &std::path::Path) -> Result<(Vec<u8>, String)> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // The OS's own wording is English and does not name the file: say which one, and why.
    let bytes = std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "le fichier n'existe plus à cet endroit".to_owned(),
            std::io::ErrorKind::PermissionDenied => {
                "accès refusé (le fichier est peut-être ouvert dans Excel)".to_owned()
            }
            std::io::ErrorKind::IsADirectory => "c'est un dossier, pas un fichier".to_owned(),
            _ => e.to_string(),
        };
        Error::File { name: name.clone(), why }
    })?;
    Ok((bytes, name))
}

/// Reads CSV/TSV/TXT, XLSX, XLS or ODS. `sheet`: the sheet to read; by default the
/// first one holding a table (a header row over data), else the first.
pub fn read_bytes(bytes: &[u8], file_name: &str, sheet: Option<&str>, guide: &dyn Guide) -> Result<Source> {
    let mut rows = Vec::new();
    let mut source = scan(bytes, file_name, sheet, guide, false, &mut |_, batch| {
        rows.extend(batch);
        Ok(())
    })?;
    source.rows = rows;
    Ok(source)
}

/// Rows handed out at a time.
const EMIT_ROWS: usize = 2048;

/// Where a reader hands the rows it has finished, in sheet order, with the file's
/// description; an error stops the reading.
pub type Emit<'e, E = Error> = dyn FnMut(&Source, Vec<GridRow>) -> Result<(), E> + 'e;

/// The readers' common entry: `ordered` streams XLSX cells straight into rows (refusing
/// cells out of row order) instead of gathering the sheet first.
fn scan(
    bytes: &[u8],
    file_name: &str,
    sheet: Option<&str>,
    guide: &dyn Guide,
    ordered: bool,
    emit: &mut Emit,
) -> Result<Source> {
    guide.progress(0, bytes.len() as u64);
    let format = format_of(bytes, file_name);
    let source = match format {
        FileFormat::Text => read_text(bytes, file_name, guide, emit)?,
        _ => read_workbook(bytes, file_name, format, sheet, guide, ordered, emit)?,
    };
    guide.progress(bytes.len() as u64, bytes.len() as u64);
    Ok(source)
}

fn unreadable(format: FileFormat, detail: impl std::fmt::Display) -> Error {
    Error::Unreadable { format, detail: detail.to_string() }
}

/// A guide for the tests: a table's header row is a row of two texts or more.
#[cfg(test)]
pub(crate) struct TextHeader;

#[cfg(test)]
impl Guide for TextHeader {
    fn header_rows(&self) -> usize {
        30
    }

    fn holds_table(&self, first: &[GridRow]) -> bool {
        first.iter().any(|r| r.cells.iter().filter(|c| matches!(c, Cell::Text(t) if !t.trim().is_empty())).count() >= 2)
    }
}
