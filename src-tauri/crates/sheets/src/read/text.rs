//! Text files (CSV, TSV, TXT): decoded and split with the encoding and delimiter
//! `detect` finds, each record numbered as a spreadsheet shows it.

use super::{Cell, EMIT_ROWS, Emit, GridRow, Guide, Source, check, unreadable};
use crate::Result;
use crate::detect::{FileFormat, decode_text, detect_delimiter};

pub(super) fn read_text(bytes: &[u8], file_name: &str, guide: &dyn Guide, emit: &mut Emit) -> Result<Source> {
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
            check(guide)?;
            guide.progress(start as u64, total);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{TextHeader, read_bytes};

    #[test]
    fn csv_rows_keep_spreadsheet_numbers() {
        let text = "Réf;Nom\r\n\r\nA;\"deux\r\nlignes\"\r\nB;'=1+1\r\n";
        let s = read_bytes(text.as_bytes(), "x.csv", None, &TextHeader).unwrap();
        let numbers: Vec<u32> = s.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![1, 3, 4]);
        assert_eq!(s.rows[1].cells[1], Cell::Text("deux\r\nlignes".into()));
        assert_eq!(s.rows[2].cells[1], Cell::Text("=1+1".into()));
    }
}
