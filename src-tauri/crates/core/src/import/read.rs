//! Reading a file into a grid of cells: rows numbered as the spreadsheet shows them,
//! cells at their real column. The readers are comptoir-sheets'; what they ask of the
//! import is answered here: a sheet holds a table when `map` finds a header row in its
//! first rows, the import's [`Control`] stops them and hears their progress (the
//! « Reading » phase). Their errors become core's, with the same French sentences.

use std::path::Path;

pub use comptoir_sheets::{Cell, GridRow, SheetInfo, Source, number_to_string};

use super::{Control, Phase, map};
use crate::Result;

/// The import's answers to the readers.
struct Guided<'c>(&'c Control);

impl comptoir_sheets::Guide for Guided<'_> {
    fn header_rows(&self) -> usize {
        map::HEADER_SEARCH
    }

    fn holds_table(&self, first: &[GridRow]) -> bool {
        map::find_header_row(first).is_some()
    }

    fn cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    fn progress(&self, done: u64, total: u64) {
        self.0.report(Phase::Reading, done, total);
    }
}

/// Reads a file from disk; see [`read_bytes`].
pub fn read_file(path: &Path, sheet: Option<&str>, control: &Control) -> Result<Source> {
    Ok(comptoir_sheets::read_file(path, sheet, &Guided(control))?)
}

/// Reads a file from disk like [`read_file`], handing its rows to `emit` in sheet order
/// as soon as they are final (a few thousand at a time), with the file's description
/// (its `rows` empty); gives that description at the end. A spreadsheet whose cells are
/// not in row order (no spreadsheet program writes one) is refused with
/// [`Error::UnorderedSheet`](crate::Error::UnorderedSheet): [`read_file`] reads it.
pub fn stream_file(
    path: &Path,
    sheet: Option<&str>,
    control: &Control,
    emit: &mut dyn FnMut(&Source, Vec<GridRow>) -> Result<()>,
) -> Result<Source> {
    comptoir_sheets::stream_file(path, sheet, &Guided(control), emit)
}

/// [`stream_file`] on bytes in memory. Gives the rows [`read_bytes`] gives, or an error.
pub fn stream_bytes(
    bytes: &[u8],
    file_name: &str,
    sheet: Option<&str>,
    control: &Control,
    emit: &mut dyn FnMut(&Source, Vec<GridRow>) -> Result<()>,
) -> Result<Source> {
    comptoir_sheets::stream_bytes(bytes, file_name, sheet, &Guided(control), emit)
}

/// Reads CSV/TSV/TXT, XLSX, XLS or ODS. `sheet`: the sheet to read; by default the
/// first one holding a table (a header row over data), else the first.
pub fn read_bytes(bytes: &[u8], file_name: &str, sheet: Option<&str>, control: &Control) -> Result<Source> {
    Ok(comptoir_sheets::read_bytes(bytes, file_name, sheet, &Guided(control))?)
}
