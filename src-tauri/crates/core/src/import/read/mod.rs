//! Reading a file into a grid of cells: rows numbered as the spreadsheet shows them,
//! cells at their real column. Nothing here knows what a product is.
//!
//! This module is the way in (whole — [`read_bytes`], [`read_file`] — or streamed a few
//! thousand rows at a time — [`stream_bytes`], [`stream_file`]) and the [`Source`] it
//! gives; its parts:
//!
//! - `text`: CSV/TSV/TXT, read with the encoding and delimiter `detect` finds;
//! - `workbook`: XLSX (its cells streamed straight into rows), XLS and ODS, the sheet
//!   holding a table chosen, merged regions found;
//! - `grid`: the cells and rows, merged regions filled in, calamine's values converted.

mod grid;
mod text;
mod workbook;

use serde::Serialize;

use super::detect::{FileFormat, format_of};
use super::{Control, Phase};
use crate::{Error, Result};
pub use grid::{Cell, GridRow, number_to_string};
use text::read_text;
use workbook::read_workbook;

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
pub fn read_file(path: &std::path::Path, sheet: Option<&str>, control: &Control) -> Result<Source> {
    let (bytes, name) = file_bytes(path)?;
    read_bytes(&bytes, &name, sheet, control)
}

/// Reads a file from disk like [`read_file`], handing its rows to `emit` in sheet order
/// as soon as they are final (a few thousand at a time), with the file's description
/// (its `rows` empty); gives that description at the end. A spreadsheet whose cells are
/// not in row order (no spreadsheet program writes one) is refused with
/// [`Error::UnorderedSheet`]: [`read_file`] reads it.
pub fn stream_file(
    path: &std::path::Path,
    sheet: Option<&str>,
    control: &Control,
    emit: &mut dyn FnMut(&Source, Vec<GridRow>) -> Result<()>,
) -> Result<Source> {
    let (bytes, name) = file_bytes(path)?;
    stream_bytes(&bytes, &name, sheet, control, emit)
}

/// [`stream_file`] on bytes in memory. Gives the rows [`read_bytes`] gives, or an error.
pub fn stream_bytes(
    bytes: &[u8],
    file_name: &str,
    sheet: Option<&str>,
    control: &Control,
    emit: &mut dyn FnMut(&Source, Vec<GridRow>) -> Result<()>,
) -> Result<Source> {
    scan(bytes, file_name, sheet, control, true, emit)
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
        crate::Error::invalid("file", "unreadable", format!("Impossible de lire « {name} » : {why}"))
    })?;
    Ok((bytes, name))
}

/// Reads CSV/TSV/TXT, XLSX, XLS or ODS. `sheet`: the sheet to read; by default the
/// first one holding a table (a header row over data), else the first.
pub fn read_bytes(bytes: &[u8], file_name: &str, sheet: Option<&str>, control: &Control) -> Result<Source> {
    let mut rows = Vec::new();
    let mut source = scan(bytes, file_name, sheet, control, false, &mut |_, batch| {
        rows.extend(batch);
        Ok(())
    })?;
    source.rows = rows;
    Ok(source)
}

/// Rows handed out at a time.
const EMIT_ROWS: usize = 2048;

/// Where a reader puts the rows it has finished, in sheet order.
type Emit<'e> = dyn FnMut(&Source, Vec<GridRow>) -> Result<()> + 'e;

/// The readers' common entry: `ordered` streams XLSX cells straight into rows (refusing
/// cells out of row order) instead of gathering the sheet first.
fn scan(
    bytes: &[u8],
    file_name: &str,
    sheet: Option<&str>,
    control: &Control,
    ordered: bool,
    emit: &mut Emit,
) -> Result<Source> {
    control.report(Phase::Reading, 0, bytes.len() as u64);
    let format = format_of(bytes, file_name);
    let source = match format {
        FileFormat::Text => read_text(bytes, file_name, control, emit)?,
        _ => read_workbook(bytes, file_name, format, sheet, control, ordered, emit)?,
    };
    control.report(Phase::Reading, bytes.len() as u64, bytes.len() as u64);
    Ok(source)
}

fn unreadable(format: FileFormat, detail: impl std::fmt::Display) -> Error {
    Error::invalid(
        "file",
        "unreadable",
        format!("Fichier {} illisible ({detail}) : est-il abîmé ou protégé par un mot de passe ?", format.label()),
    )
}
