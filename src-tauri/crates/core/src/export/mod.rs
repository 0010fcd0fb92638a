//! Catalogue export: XLSX to work in, CSV the way French Excel opens it. Both
//! re-import to the same catalogue (the headers are the import's own synonyms).

pub mod orders;

use std::borrow::Cow;
use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, Workbook};

use crate::import::errors::xlsx_err;
use crate::import::plan::options_text;
use crate::import::values::status_label;
use crate::storage::imports::ExportRow;
use crate::{Db, Error, Result};

/// Column headers, in order. Each maps back to its field on import.
pub const HEADERS: [&str; 14] = [
    "Référence",
    "Désignation",
    "Catégorie",
    "Prix TTC",
    "TVA",
    "Stock",
    "Code EAN",
    "Unité",
    "Contenance",
    "Conditionnement",
    "Options",
    "Statut",
    "Description",
    "Code produit",
];

const WIDTHS: [f64; 14] = [16.0, 40.0, 32.0, 11.0, 8.0, 8.0, 16.0, 10.0, 10.0, 15.0, 28.0, 11.0, 50.0, 22.0];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" | "txt" => Some(ExportFormat::Csv),
            _ => None,
        }
    }
}

/// Writes the catalogue to `path` (XLSX or CSV by extension); returns the rows written.
pub async fn export_catalogue(db: &Db, path: &Path) -> Result<usize> {
    let format = ExportFormat::from_path(path)
        .ok_or_else(|| Error::invalid("path", "format", "Extension inconnue : choisissez un fichier .xlsx ou .csv"))?;
    let rows = db.export_rows().await?;
    let bytes = match format {
        ExportFormat::Xlsx => xlsx(&rows)?,
        ExportFormat::Csv => csv(&rows)?,
    };
    std::fs::write(path, bytes)?;
    Ok(rows.len())
}

pub async fn catalogue_xlsx(db: &Db) -> Result<Vec<u8>> {
    xlsx(&db.export_rows().await?)
}

pub async fn catalogue_csv(db: &Db) -> Result<Vec<u8>> {
    csv(&db.export_rows().await?)
}

/// Bold frozen header with autofilter, prices in €, VAT in %, widths set. Every
/// text is written as a string: a name starting with `=` stays a name.
pub fn xlsx(rows: &[ExportRow]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Catalogue").map_err(xlsx_err)?;
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let euro = Format::new().set_num_format("#,##0.00\\ \"€\"");
    let percent = Format::new().set_num_format("0.0%");
    let integer = Format::new().set_num_format("0");
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx_err)?;
        ws.set_column_width(c as u16, WIDTHS[c]).map_err(xlsx_err)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let s = |ws: &mut rust_xlsxwriter::Worksheet, col: u16, v: &str| -> Result<()> {
            if !v.is_empty() {
                ws.write_string(row, col, v).map_err(xlsx_err)?;
            }
            Ok(())
        };
        s(ws, 0, &r.sku)?;
        s(ws, 1, &r.name)?;
        s(ws, 2, r.category_path.as_deref().unwrap_or(""))?;
        ws.write_number_with_format(row, 3, crate::money::cents_to_number(r.price_cents), &euro).map_err(xlsx_err)?;
        ws.write_number_with_format(row, 4, r.vat.as_fraction(), &percent).map_err(xlsx_err)?;
        ws.write_number_with_format(row, 5, r.stock as f64, &integer).map_err(xlsx_err)?;
        // EANs as text: as numbers, Excel would show 3,76E+12 and drop leading zeros.
        s(ws, 6, r.ean.as_deref().unwrap_or(""))?;
        s(ws, 7, r.unit.label())?;
        s(ws, 8, r.net_quantity.as_deref().unwrap_or(""))?;
        s(ws, 9, r.offer.packaging.as_deref().unwrap_or(""))?;
        s(ws, 10, &options_text(&r.options))?;
        s(ws, 11, status_label(r.status))?;
        s(ws, 12, &r.description)?;
        s(ws, 13, &r.product_uid)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    ws.autofilter(0, 0, rows.len() as u32, HEADERS.len() as u16 - 1).map_err(xlsx_err)?;
    wb.save_to_buffer().map_err(xlsx_err)
}

/// UTF-8 with BOM, `;`, CRLF, decimal commas: French Excel opens it right with a
/// double click. Texts starting with `=`, `+`, `-`, `@`, tab or CR get a leading `'`
/// so no spreadsheet runs them as formulas (the import removes it again).
pub fn csv(rows: &[ExportRow]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64 + rows.len() * 120);
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(out);
    let io = |e: csv::Error| Error::Io(std::io::Error::other(e));
    w.write_record(HEADERS).map_err(io)?;
    for r in rows {
        let price = format!("{},{:02}", r.price_cents / 100, r.price_cents % 100);
        let options = options_text(&r.options);
        let record: [Cow<str>; 14] = [
            neutralise(&r.sku),
            neutralise(&r.name),
            neutralise(r.category_path.as_deref().unwrap_or("")),
            price.into(),
            r.vat.label().into(),
            r.stock.to_string().into(),
            r.ean.as_deref().unwrap_or("").into(),
            r.unit.label().into(),
            r.net_quantity.as_deref().unwrap_or("").into(),
            neutralise(r.offer.packaging.as_deref().unwrap_or("")),
            neutralise(&options),
            status_label(r.status).into(),
            neutralise(&r.description),
            neutralise(&r.product_uid),
        ];
        w.write_record(record.iter().map(|c| c.as_bytes())).map_err(io)?;
    }
    w.into_inner().map_err(|e| Error::Io(std::io::Error::other(e.to_string())))
}

/// `=1+1` → `'=1+1` (OWASP's advice for CSV injection).
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formulas() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+33 2 33"), "'+33 2 33");
        assert_eq!(neutralise("-5%"), "'-5%");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("Camembert"), "Camembert");
    }

    #[test]
    fn headers_map_back_to_their_fields() {
        use crate::import::map::field_for_header;
        let fields: Vec<_> = HEADERS.iter().map(|h| field_for_header(h)).collect();
        assert!(fields.iter().all(Option::is_some), "{fields:?}");
        let mut dedup = fields.clone();
        dedup.sort_by_key(|f| format!("{f:?}"));
        dedup.dedup();
        assert_eq!(dedup.len(), HEADERS.len());
    }
}
