//! Row errors, and the rejected rows written back as an XLSX with an "Erreur" column
//! so the shopkeeper can fix them and import that file again.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

use super::map::Field;
use super::read::{Cell, Source};
use crate::{Error, Result};

/// Why one row was refused, pointed at the cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RowError {
    /// Row number as the spreadsheet shows it.
    pub row: u32,
    /// Column letter (`C`), when one column is at fault.
    pub column: Option<String>,
    /// That column's header.
    pub header: Option<String>,
    pub field: Option<Field>,
    /// The cell as read.
    pub value: String,
    /// Stable code: `price_missing`, `ean_invalid`, `sku_duplicate`…
    pub code: String,
    /// French sentence.
    pub message: String,
}

impl RowError {
    /// `Ligne 12, colonne C (Prix TTC) « douze » : Prix illisible`.
    pub fn describe(&self) -> String {
        let mut s = format!("Ligne {}", self.row);
        if let Some(col) = &self.column {
            s.push_str(&format!(", colonne {col}"));
            if let Some(h) = self.header.as_ref().filter(|h| !h.is_empty()) {
                s.push_str(&format!(" ({h})"));
            }
        }
        if !self.value.is_empty() {
            s.push_str(&format!(" « {} »", self.value));
        }
        s.push_str(" : ");
        s.push_str(&self.message);
        s
    }
}

/// Writes the header row and every rejected row of `source` as they were read, plus
/// an "Erreur" column with the reasons. Strings stay strings (no formula is ever
/// written), numbers stay numbers.
pub fn rejected_rows_xlsx(source: &Source, header_row: u32, errors: &[RowError]) -> Result<Vec<u8>> {
    let mut by_row: BTreeMap<u32, Vec<&RowError>> = BTreeMap::new();
    for e in errors {
        by_row.entry(e.row).or_default().push(e);
    }
    let width = source.width();
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let red = Format::new().set_font_color(rust_xlsxwriter::Color::RGB(0x00C0_0000));
    let ws = wb.add_worksheet();
    ws.set_name("Lignes refusées").map_err(xlsx_err)?;
    let mut out_row: u32 = 0;
    if let Some(h) = source.rows.iter().find(|r| r.number == header_row) {
        for (c, cell) in h.cells.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, cell.display(), &bold).map_err(xlsx_err)?;
        }
        ws.write_string_with_format(0, width as u16, "Erreur", &bold).map_err(xlsx_err)?;
        ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        out_row = 1;
    }
    for row in &source.rows {
        let Some(errs) = by_row.get(&row.number) else { continue };
        for (c, cell) in row.cells.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Number(n) => {
                    ws.write_number(out_row, c, *n).map_err(xlsx_err)?;
                }
                Cell::Bool(b) => {
                    ws.write_boolean(out_row, c, *b).map_err(xlsx_err)?;
                }
                Cell::Text(t) => {
                    ws.write_string(out_row, c, t).map_err(xlsx_err)?;
                }
                Cell::Date(_) => {
                    ws.write_string(out_row, c, cell.display()).map_err(xlsx_err)?;
                }
            }
        }
        let text = errs
            .iter()
            .map(|e| match (&e.column, &e.header) {
                (Some(col), Some(h)) if !h.is_empty() => format!("{col} ({h}) : {}", e.message),
                (Some(col), _) => format!("{col} : {}", e.message),
                _ => e.message.clone(),
            })
            .collect::<Vec<_>>()
            .join(" ; ");
        ws.write_string_with_format(out_row, width as u16, text, &red).map_err(xlsx_err)?;
        out_row += 1;
    }
    ws.set_column_width(width as u16, 60).map_err(xlsx_err)?;
    wb.save_to_buffer().map_err(xlsx_err)
}

pub(crate) fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Io(std::io::Error::other(format!("écriture XLSX : {e}")))
}
