//! Workbooks (XLSX, XLS, ODS) through calamine: the sheet asked for, or the first
//! holding a table; XLSX cells streamed straight into rows; merged regions, which
//! calamine leaves out of ODS, found.

use std::io::Cursor;

use calamine::{DataRef, Dimensions, Ods, Reader, Xls, Xlsx};

use super::grid::{Finisher, convert_ref, finish, grid};
use super::{Cell, EMIT_ROWS, Emit, GridRow, Guide, Source, check, unreadable};
use crate::detect::FileFormat;
use crate::{Error, Result};

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
                    let merges = s.spawn(|| crate::xlsx_merges::find(bytes, sheet));
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
                    None => match crate::xlsx_merges::find(bytes, Some(name)) {
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
                return Err(Error::UnorderedSheet { sheet: name.to_owned(), row: number, after: current.number });
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

pub(super) fn read_workbook(
    bytes: &[u8],
    file_name: &str,
    format: FileFormat,
    sheet: Option<&str>,
    guide: &dyn Guide,
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
        check(guide)?;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| book.scan(name, format, bytes, ordered, take)))
            .map_err(|_| unreadable(format, "structure inattendue"))?
    };
    let chosen = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| names.iter().find(|n| n.trim().eq_ignore_ascii_case(wanted.trim())))
            .ok_or_else(|| Error::SheetNotFound { wanted: wanted.to_owned(), sheets: names.clone() })?
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
                    if first.len() < guide.header_rows() {
                        return Ok(true);
                    }
                    let found = guide.holds_table(&first);
                    table = Some(found);
                    if found {
                        emit(&h, std::mem::take(&mut first))?;
                    }
                    Ok(found)
                })?;
                if table.is_none() && guide.holds_table(&first) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{TextHeader, read_bytes};

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

        let streamed = read_bytes(&bytes, "t.xlsx", None, &TextHeader).unwrap().rows;
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Sheet1").unwrap();
        let merges = book.merge_cells_by_sheet_name("Sheet1").unwrap();
        assert_eq!(streamed, grid(&range, &merges));
        let numbers: Vec<u32> = streamed.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![1, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14]);
        assert_eq!(streamed[8].cells, vec![Cell::Text("Note".into()), Cell::Text("Note".into())]);
        assert_eq!(streamed[5].cell(2), &Cell::Text("Crèmerie".into()));
    }
}
