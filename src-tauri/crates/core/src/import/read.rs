//! Reading a file into a grid of cells: rows numbered as the spreadsheet shows them,
//! cells at their real column. Nothing here knows what a product is.

use std::io::Cursor;

use calamine::{Data, DataRef, Dimensions, Ods, Range, Reader, Xls, Xlsx};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::Serialize;

use super::detect::{FileFormat, decode_text, detect_delimiter, format_of};
use super::{Control, Phase};
use crate::{Error, FieldError, Result};

/// One cell as the file holds it. Text files only ever give `Text`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A date cell, with its time of day (midnight for a date alone), to the second.
    Date(NaiveDateTime),
    Bool(bool),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// What a person sees in the cell (numbers the French way, dates `dd/mm/yyyy`, with
    /// `hh:mm` when they have a time of day: what `promotions::parse_local` reads).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Number(n) => number_to_string(*n).replace('.', ","),
            Cell::Date(d) if d.time() == NaiveTime::MIN => d.format("%d/%m/%Y").to_string(),
            Cell::Date(d) if d.second() == 0 => d.format("%d/%m/%Y %H:%M").to_string(),
            Cell::Date(d) => d.format("%d/%m/%Y %H:%M:%S").to_string(),
            Cell::Bool(b) => if *b { "VRAI" } else { "FAUX" }.to_owned(),
        }
    }
}

/// Shortest exact decimal form, never in exponent notation: 3760123450010 stays
/// whole, 4.95 stays 4.95.
pub fn number_to_string(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{n:.0}")
    } else {
        let s = format!("{n}");
        if s.contains('e') { format!("{n:.10}").trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    /// Row number as the spreadsheet shows it (1-based).
    pub number: u32,
    /// Cells from column A; trailing empty cells are dropped.
    pub cells: Vec<Cell>,
}

impl GridRow {
    pub fn cell(&self, col: usize) -> &Cell {
        self.cells.get(col).unwrap_or(&Cell::Empty)
    }
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

fn read_text(bytes: &[u8], file_name: &str, control: &Control, emit: &mut Emit) -> Result<Source> {
    let (text, encoding) = decode_text(bytes);
    let delimiter = detect_delimiter(&text);
    let head = Source {
        file_name: file_name.to_owned(),
        format: FileFormat::Text,
        encoding: Some(encoding.name().to_owned()),
        delimiter: Some(char::from(delimiter)),
        sheets: Vec::new(),
        sheet: String::new(),
        rows: Vec::new(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut embedded_newlines: u64 = 0;
    let total = text.len() as u64;
    let bytes = text.as_bytes();
    // Lines before `counted`, to number rows without rescanning.
    let (mut counted, mut lines_before): (usize, u64) = (0, 0);
    let mut n: u64 = 0;
    loop {
        // Where this read starts: blank lines the reader skips come first.
        let mut start = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX).min(bytes.len());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            // Only invalid UTF-8 fails here, and the text is already decoded: stop cleanly anyway.
            Err(e) => return Err(unreadable(FileFormat::Text, e)),
        }
        n += 1;
        if n.is_multiple_of(8192) {
            control.check()?;
            control.report(Phase::Reading, start as u64, total);
        }
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > counted {
            lines_before += bytes[counted..start].iter().filter(|b| **b == b'\n').count() as u64;
            counted = start;
        }
        // A spreadsheet shows a record with line breaks inside quotes as one row.
        let number = u32::try_from(lines_before + 1 - embedded_newlines.min(lines_before)).unwrap_or(u32::MAX);
        embedded_newlines += record.iter().map(|f| f.bytes().filter(|b| *b == b'\n').count() as u64).sum::<u64>();
        let mut cells: Vec<Cell> = record.iter().map(|f| Cell::Text(unneutralise(f).to_owned())).collect();
        while cells.last().is_some_and(Cell::is_empty) {
            cells.pop();
        }
        if cells.is_empty() {
            continue;
        }
        rows.push(GridRow { number, cells });
        if rows.len() == EMIT_ROWS {
            emit(&head, std::mem::take(&mut rows))?;
        }
    }
    if !rows.is_empty() {
        emit(&head, rows)?;
    }
    Ok(head)
}

/// Undoes the formula-injection guard of our own CSV export (`'=x` → `=x`).
fn unneutralise(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => field,
    }
}

enum Book {
    /// With the merged regions of one sheet found while the workbook was opened.
    Xlsx(Xlsx<Cursor<Vec<u8>>>, Option<(String, Vec<Dimensions>)>),
    Xls(Xls<Cursor<Vec<u8>>>),
    Ods(Ods<Cursor<Vec<u8>>>),
}

impl Book {
    /// `sheet`: the sheet asked for, if any.
    fn open(bytes: &[u8], format: FileFormat, sheet: Option<&str>) -> Result<Self> {
        let cursor = Cursor::new(bytes.to_vec());
        Ok(match format {
            FileFormat::Xlsx => {
                // The merged regions of the sheet asked for (else the first) are looked
                // for while calamine opens the workbook (shared strings, styles): rows are
                // handed out only once they are known, and the other core is idle then.
                let (book, merges) = std::thread::scope(|s| {
                    let merges = s.spawn(|| super::xlsx_merges::find(bytes, sheet));
                    let book = Xlsx::new(cursor);
                    (book, merges.join().ok().flatten())
                });
                Book::Xlsx(book.map_err(|e| unreadable(format, e))?, merges)
            }
            FileFormat::Xls => Book::Xls(Xls::new(cursor).map_err(|e| unreadable(format, e))?),
            _ => Book::Ods(Ods::new(cursor).map_err(|e| unreadable(format, e))?),
        })
    }

    fn sheet_names(&self) -> Vec<String> {
        let sheets = match self {
            Book::Xlsx(b, _) => b.sheets_metadata(),
            Book::Xls(b) => b.sheets_metadata(),
            Book::Ods(b) => b.sheets_metadata(),
        };
        sheets.iter().filter(|s| s.typ == calamine::SheetType::WorkSheet).map(|s| s.name.clone()).collect()
    }

    /// The sheet's rows, handed to `take` in order, a batch at a time, until it says
    /// stop. XLSX cells go straight into rows: going through calamine's `Range<Data>`
    /// held the sheet three times over at its peak (the sparse cell list, the dense
    /// range, then our copy of every string). `ordered`: rows are handed out while the
    /// sheet is still being read (cells out of row order are refused), else once it is.
    fn scan(
        &mut self,
        name: &str,
        format: FileFormat,
        bytes: &[u8],
        ordered: bool,
        take: &mut dyn FnMut(Vec<GridRow>) -> Result<bool>,
    ) -> Result<()> {
        let rows = match self {
            Book::Xlsx(b, found) => {
                let merges = match found.take_if(|(n, _)| n == name) {
                    Some((_, merges)) => merges,
                    None => match super::xlsx_merges::find(bytes, Some(name)) {
                        Some((_, merges)) => merges,
                        None => b.merge_cells_by_sheet_name(name).unwrap_or_default(),
                    },
                };
                if ordered {
                    return xlsx_stream(b, name, &merges, format, take);
                }
                let rows = xlsx_rows(b, name).map_err(|e| unreadable(format, e))?;
                finish(rows, &merges)
            }
            Book::Xls(b) => {
                let range = b.worksheet_range(name).map_err(|e| unreadable(format, e))?;
                grid(&range, &b.merge_cells_by_sheet_name(name).unwrap_or_default())
            }
            Book::Ods(b) => {
                let range = b.worksheet_range(name).map_err(|e| unreadable(format, e))?;
                grid(&range, &ods_merges(bytes, name))
            }
        };
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            if !take(rows.by_ref().take(EMIT_ROWS).collect())? {
                break;
            }
        }
        Ok(())
    }
}

/// The cells of an XLSX sheet as rows, handed to `take` as each row ends (when a cell
/// of a later row comes): merged regions are known before the cells (read first, see
/// `xlsx_merges`), so a row is final then.
fn xlsx_stream(
    book: &mut Xlsx<Cursor<Vec<u8>>>,
    name: &str,
    merges: &[Dimensions],
    format: FileFormat,
    take: &mut dyn FnMut(Vec<GridRow>) -> Result<bool>,
) -> Result<()> {
    let mut reader = match book.worksheet_cells_reader(name) {
        Ok(r) => r,
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(e) => return Err(unreadable(format, e)),
    };
    let mut finisher = Finisher::new(merges);
    let mut row: Option<GridRow> = None;
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(format, e))? {
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let number = r.saturating_add(1);
        match &row {
            Some(current) if current.number == number => {}
            Some(current) if current.number > number => {
                return Err(Error::UnorderedSheet(FieldError::new(
                    "file",
                    "unordered",
                    format!("Feuille « {name} » : la ligne {number} vient après la ligne {}", current.number),
                )));
            }
            _ => {
                if let Some(done) = row.replace(GridRow { number, cells: Vec::new() }) {
                    finisher.push(done);
                    if finisher.out.len() >= EMIT_ROWS && !take(std::mem::take(&mut finisher.out))? {
                        return Ok(());
                    }
                }
            }
        }
        let Some(current) = row.as_mut() else { continue };
        let c = c as usize;
        if current.cells.len() <= c {
            current.cells.resize(c + 1, Cell::Empty);
        }
        current.cells[c] = convert_ref(value);
    }
    if let Some(done) = row {
        finisher.push(done);
    }
    if !finisher.out.is_empty() {
        take(finisher.out)?;
    }
    Ok(())
}

/// The non-empty cells of an XLSX sheet as rows (numbered, cells at their real column),
/// sorted by row. Cells normally come in row order; one out of order is put in its
/// place. Two values for one cell: the last wins, as in calamine's range.
fn xlsx_rows(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> std::result::Result<Vec<GridRow>, calamine::XlsxError> {
    let mut reader = match book.worksheet_cells_reader(name) {
        Ok(r) => r,
        // What `worksheet_range` does with a chart sheet: nothing to read.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut rows: Vec<GridRow> = Vec::new();
    while let Some(cell) = reader.next_cell()? {
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let number = r.saturating_add(1);
        let i = match rows.last() {
            Some(last) if last.number == number => rows.len() - 1,
            Some(last) if last.number > number => match rows.binary_search_by_key(&number, |x| x.number) {
                Ok(i) => i,
                Err(i) => {
                    rows.insert(i, GridRow { number, cells: Vec::new() });
                    i
                }
            },
            _ => {
                rows.push(GridRow { number, cells: Vec::new() });
                rows.len() - 1
            }
        };
        let cells = &mut rows[i].cells;
        let c = c as usize;
        if cells.len() <= c {
            cells.resize(c + 1, Cell::Empty);
        }
        cells[c] = convert_ref(value);
    }
    Ok(rows)
}

/// Merged regions of an ODS sheet (`table:number-rows-spanned` / `-columns-spanned`
/// in content.xml), which calamine leaves out. A damaged file simply has none.
fn ods_merges(bytes: &[u8], sheet: &str) -> Vec<Dimensions> {
    use quick_xml::events::{BytesStart, Event};
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Vec::new() };
    let mut xml = String::new();
    match zip.by_name("content.xml") {
        Ok(mut f) if f.size() < 512 * 1024 * 1024 => {
            if f.read_to_string(&mut xml).is_err() {
                return Vec::new();
            }
        }
        _ => return Vec::new(),
    }
    let attr = |e: &BytesStart, name: &str| -> Option<String> {
        e.try_get_attribute(name).ok().flatten().map(|a| a.value.to_string())
    };
    let num = |e: &BytesStart, name: &str| attr(e, name).and_then(|v| v.parse::<u32>().ok()).unwrap_or(1).max(1);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut in_sheet, mut depth, mut row, mut col, mut row_repeat) = (false, 0u32, 0u32, 0u32, 1u32);
    let mut out = Vec::new();
    loop {
        let (event, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) => {
                match e.name().as_ref() {
                    "table:table" if in_sheet => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return out;
                        }
                    }
                    "table:table-row" if in_sheet && depth == 1 => row = row.saturating_add(row_repeat),
                    _ => {}
                }
                continue;
            }
            Ok(Event::Eof) | Err(_) => return out,
            Ok(_) => continue,
        };
        match event.name().as_ref() {
            "table:table" => {
                if in_sheet {
                    depth += 1;
                } else if !empty && attr(&event, "table:name").as_deref() == Some(sheet) {
                    (in_sheet, depth) = (true, 1);
                }
            }
            "table:table-row" if in_sheet && depth == 1 => {
                col = 0;
                row_repeat = num(&event, "table:number-rows-repeated");
                if empty {
                    row = row.saturating_add(row_repeat);
                }
            }
            name @ ("table:table-cell" | "table:covered-table-cell") if in_sheet && depth == 1 => {
                if name == "table:table-cell" {
                    let rows = num(&event, "table:number-rows-spanned");
                    let cols = num(&event, "table:number-columns-spanned");
                    if rows > 1 || cols > 1 {
                        out.push(Dimensions::new(
                            (row, col),
                            (row.saturating_add(rows - 1), col.saturating_add(cols - 1)),
                        ));
                    }
                }
                col = col.saturating_add(num(&event, "table:number-columns-repeated"));
            }
            _ => {}
        }
    }
}

fn read_workbook(
    bytes: &[u8],
    file_name: &str,
    format: FileFormat,
    sheet: Option<&str>,
    control: &Control,
    ordered: bool,
    emit: &mut Emit,
) -> Result<Source> {
    // calamine may panic on some malformed archives; a bad file must be an error, not a crash.
    let opened = std::panic::catch_unwind(|| Book::open(bytes, format, sheet))
        .map_err(|_| unreadable(format, "structure inattendue"))??;
    let mut book = opened;
    let names = book.sheet_names();
    if names.is_empty() {
        return Err(unreadable(format, "aucune feuille"));
    }
    let head = |name: &str| Source {
        file_name: file_name.to_owned(),
        format,
        encoding: None,
        delimiter: None,
        sheets: names.clone(),
        sheet: name.to_owned(),
        rows: Vec::new(),
    };
    let scan = |book: &mut Book, name: &str, take: &mut dyn FnMut(Vec<GridRow>) -> Result<bool>| -> Result<()> {
        control.check()?;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| book.scan(name, format, bytes, ordered, take)))
            .map_err(|_| unreadable(format, "structure inattendue"))?
    };
    let chosen = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| names.iter().find(|n| n.trim().eq_ignore_ascii_case(wanted.trim())))
            .ok_or_else(|| {
                Error::invalid(
                    "sheet",
                    "not_found",
                    format!("Feuille « {wanted} » introuvable ; feuilles du fichier : {}", names.join(", ")),
                )
            })?
            .clone(),
        None => {
            // The first sheet whose first rows hold a header row: the sheets before it are
            // read only that far.
            for name in &names {
                let h = head(name);
                let mut first: Vec<GridRow> = Vec::new();
                let mut table: Option<bool> = None;
                scan(&mut book, name, &mut |rows| {
                    if table == Some(true) {
                        emit(&h, rows)?;
                        return Ok(true);
                    }
                    first.extend(rows);
                    if first.len() < super::map::HEADER_SEARCH {
                        return Ok(true);
                    }
                    let found = super::map::find_header_row(&first).is_some();
                    table = Some(found);
                    if found {
                        emit(&h, std::mem::take(&mut first))?;
                    }
                    Ok(found)
                })?;
                if table.is_none() && super::map::find_header_row(&first).is_some() {
                    emit(&h, first)?;
                    table = Some(true);
                }
                if table == Some(true) {
                    return Ok(h);
                }
            }
            // No table anywhere: the first sheet, as it is.
            names[0].clone()
        }
    };
    let h = head(&chosen);
    scan(&mut book, &chosen, &mut |rows| {
        emit(&h, rows)?;
        Ok(true)
    })?;
    Ok(h)
}

/// Range → rows (XLS, ODS).
fn grid(range: &Range<Data>, merges: &[Dimensions]) -> Vec<GridRow> {
    let Some((r0, c0)) = range.start() else { return Vec::new() };
    let mut rows: Vec<GridRow> = Vec::with_capacity(range.height());
    for (i, row) in range.rows().enumerate() {
        let mut cells = Vec::with_capacity(c0 as usize + row.len());
        cells.resize(c0 as usize, Cell::Empty);
        cells.extend(row.iter().map(convert));
        while cells.last().is_some_and(|c| *c == Cell::Empty) {
            cells.pop();
        }
        rows.push(GridRow { number: r0 + i as u32 + 1, cells });
    }
    finish(rows, merges)
}

/// [`Finisher`] over rows in sheet order.
fn finish(rows: Vec<GridRow>, merges: &[Dimensions]) -> Vec<GridRow> {
    let mut f = Finisher::new(merges);
    for row in rows {
        f.push(row);
    }
    f.out
}

/// Rows in sheet order → the sheet's rows: every cell of a merged region holds the
/// region's value (a "Famille" merged down five rows applies to the five products), and
/// blank rows go. A region also fills the rows it covers that hold no cell, between the
/// first and the last rows that do.
struct Finisher<'m> {
    /// Regions by top row; `next`: the first one not yet reached.
    merges: Vec<&'m Dimensions>,
    next: usize,
    /// Regions reached, with the value of their top-left cell.
    active: Vec<(&'m Dimensions, Cell)>,
    last: Option<u32>,
    out: Vec<GridRow>,
}

impl<'m> Finisher<'m> {
    fn new(merges: &'m [Dimensions]) -> Self {
        let mut merges: Vec<&Dimensions> = merges
            .iter()
            .filter(|m| {
                let ((top, left), (bottom, right)) = (m.start, m.end);
                // Guard against absurd regions in damaged files.
                bottom >= top && right >= left && u64::from(bottom - top + 1) * u64::from(right - left + 1) <= 1_000_000
            })
            .collect();
        merges.sort_by_key(|m| m.start.0);
        Self { merges, next: 0, active: Vec::new(), last: None, out: Vec::new() }
    }

    fn push(&mut self, row: GridRow) {
        if let Some(prev) = self.last {
            let reach = self.active.iter().map(|(m, _)| m.end.0.saturating_add(1)).max().unwrap_or(0);
            for number in prev.saturating_add(1)..row.number.min(reach.saturating_add(1)) {
                if self.active.iter().any(|(m, _)| m.end.0.saturating_add(1) >= number) {
                    self.finish(GridRow { number, cells: Vec::new() });
                }
            }
        }
        self.last = Some(row.number);
        self.finish(row);
    }

    fn finish(&mut self, mut row: GridRow) {
        let number = row.number;
        self.active.retain(|(m, _)| m.end.0.saturating_add(1) >= number);
        while let Some(m) = self.merges.get(self.next).copied().filter(|m| m.start.0.saturating_add(1) <= number) {
            self.next += 1;
            // A region whose top-left cell is empty, or whose top row holds no cell, fills nothing.
            let value =
                if m.start.0.saturating_add(1) == number { row.cell(m.start.1 as usize).clone() } else { Cell::Empty };
            if !value.is_empty() && m.end.0.saturating_add(1) >= number {
                self.active.push((m, value));
            }
        }
        for (m, value) in &self.active {
            let (left, right) = (m.start.1 as usize, m.end.1 as usize);
            if row.cells.len() <= right {
                row.cells.resize(right + 1, Cell::Empty);
            }
            for c in left..=right {
                row.cells[c] = value.clone();
            }
        }
        if row.cells.iter().any(|c| !c.is_empty()) {
            self.out.push(row);
        }
    }
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            if dt.is_datetime() {
                dt.as_datetime().map(|d| Cell::Date(to_second(d))).unwrap_or(Cell::Number(dt.as_f64()))
            } else {
                Cell::Number(dt.as_f64())
            }
        }
        // ODS: `2026-12-01` or `2026-12-01T08:00:00`.
        Data::DateTimeIso(s) => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .map(to_second)
            .ok()
            .or_else(|| {
                s.get(..10)
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map(|d| d.and_time(NaiveTime::MIN))
            })
            .map(Cell::Date)
            .unwrap_or_else(|| Cell::Text(s.clone())),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// A spreadsheet's time to the nearest second (Excel keeps a fraction of a day: 08:00
/// may come back as 07:59:59.999).
fn to_second(d: NaiveDateTime) -> NaiveDateTime {
    let whole = d.with_nanosecond(0).unwrap_or(d);
    if d.nanosecond() >= 500_000_000 { whole + chrono::Duration::seconds(1) } else { whole }
}

/// The same as [`convert`], from calamine's borrowed cell (a shared string is copied once, here).
fn convert_ref(d: &DataRef) -> Cell {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => convert(&Data::DateTime(*dt)),
        DataRef::DateTimeIso(s) => convert(&Data::DateTimeIso(s.clone())),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_cells_show_their_time_of_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let at = |h, m, sec| Cell::Date(day.and_hms_opt(h, m, sec).unwrap());
        assert_eq!(at(0, 0, 0).display(), "01/12/2026");
        assert_eq!(at(8, 30, 0).display(), "01/12/2026 08:30");
        assert_eq!(at(8, 30, 15).display(), "01/12/2026 08:30:15");
        // Excel's fraction of a day, to the second.
        let almost = day.and_hms_milli_opt(7, 59, 59, 999).unwrap();
        assert_eq!(to_second(almost), day.and_hms_opt(8, 0, 0).unwrap());
        assert_eq!(
            convert(&Data::DateTimeIso("2026-12-01T08:00:00".into())),
            Cell::Date(day.and_hms_opt(8, 0, 0).unwrap())
        );
        assert_eq!(convert(&Data::DateTimeIso("2026-12-01".into())), at(0, 0, 0));
    }

    #[test]
    fn csv_rows_keep_spreadsheet_numbers() {
        let text = "Réf;Nom\r\n\r\nA;\"deux\r\nlignes\"\r\nB;'=1+1\r\n";
        let s = read_bytes(text.as_bytes(), "x.csv", None, &Control::default()).unwrap();
        let numbers: Vec<u32> = s.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![1, 3, 4]);
        assert_eq!(s.rows[1].cells[1], Cell::Text("deux\r\nlignes".into()));
        assert_eq!(s.rows[2].cells[1], Cell::Text("=1+1".into()));
    }

    /// XLSX is streamed into rows; XLS and ODS go through calamine's range. Both must give
    /// the same rows: merged regions (one covering a row with no cell of its own), blank
    /// cells, a row of spaces, numbers, booleans.
    #[test]
    fn xlsx_streamed_rows_are_the_range_rows() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let plain = rust_xlsxwriter::Format::new();
        ws.write_string(0, 0, "Inventaire de mars").unwrap();
        for (c, h) in ["Réf", "Famille", "Prix"].iter().enumerate() {
            ws.write_string(2, c as u16 + 1, *h).unwrap();
        }
        for r in 3..9u32 {
            ws.write_string(r, 1, format!("R{r}")).unwrap();
            ws.write_number(r, 3, 1.5 * f64::from(r)).unwrap();
        }
        ws.merge_range(3, 2, 6, 2, "Crèmerie", &plain).unwrap();
        ws.write_string(9, 5, "  ").unwrap();
        ws.merge_range(11, 0, 12, 1, "Note", &plain).unwrap();
        ws.write_boolean(13, 1, true).unwrap();
        ws.write_string(13, 4, "fin").unwrap();
        let bytes = wb.save_to_buffer().unwrap();

        let streamed = read_bytes(&bytes, "t.xlsx", None, &Control::default()).unwrap().rows;
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Sheet1").unwrap();
        let merges = book.merge_cells_by_sheet_name("Sheet1").unwrap();
        assert_eq!(streamed, grid(&range, &merges));
        let numbers: Vec<u32> = streamed.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![1, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14]);
        assert_eq!(streamed[8].cells, vec![Cell::Text("Note".into()), Cell::Text("Note".into())]);
        assert_eq!(streamed[5].cell(2), &Cell::Text("Crèmerie".into()));
    }

    #[test]
    fn numbers_print_whole() {
        assert_eq!(number_to_string(3_760_123_450_010.0), "3760123450010");
        assert_eq!(number_to_string(4.95), "4.95");
        assert_eq!(number_to_string(0.055), "0.055");
        assert_eq!(Cell::Number(12.5).display(), "12,5");
    }
}
