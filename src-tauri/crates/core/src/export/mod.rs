//! Catalogue export: XLSX to work in, CSV the way French Excel opens it. Both
//! re-import to the same catalogue (the headers are the import's own synonyms), with
//! each variant's promotion shown at the time of the export (the running one, else the
//! next one): imported again, it is « inchangée ».

pub mod orders;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, FormatAlign, Workbook};

use crate::catalogue::{format_duration, unit_price_of};
use crate::import::errors::xlsx_err;
use crate::import::plan::options_text;
use crate::import::values::{
    days_text, discount_text, food_cells_text, kind_label, policy_label, sessions_text, status_label,
};
use crate::promotions::{PromotionView, shown_by_variant};
use crate::storage::imports::ExportRow;
use crate::{Db, Error, Result};

/// Column headers, in order. Each maps back to its field on import, except « Prix au
/// kg/l », worked out from the price and the net quantity: the import recognises it and
/// leaves it (`import::map::is_derived_header`).
pub const HEADERS: [&str; 31] = [
    "Référence",
    "Désignation",
    "Catégorie",
    "Prix TTC",
    "TVA",
    "Stock",
    "Code EAN",
    "Unité",
    "Contenance",
    "Prix au kg/l",
    "Conditionnement",
    "Type",
    "Durée",
    "Séances",
    "Gestion du stock",
    "Délai",
    "Ingrédients",
    "Allergènes",
    "Conservation",
    "Origine",
    "Producteur",
    "Label",
    "Degré",
    "Options",
    "Statut",
    "Description",
    "Code produit",
    "Prix promo",
    "Remise",
    "Début promo",
    "Fin promo",
];

const WIDTHS: [f64; 31] = [
    16.0, 40.0, 32.0, 11.0, 8.0, 8.0, 16.0, 10.0, 10.0, 14.0, 15.0, 18.0, 8.0, 36.0, 15.0, 10.0, 50.0, 24.0, 30.0,
    16.0, 24.0, 20.0, 10.0, 28.0, 11.0, 50.0, 22.0, 11.0, 9.0, 17.0, 17.0,
];

/// Columns written as numbers in the XLSX (their text in the CSV): price, VAT, stock,
/// promotion price.
const PRICE: usize = 3;
const VAT: usize = 4;
const STOCK: usize = 5;
const PROMO_PRICE: usize = 27;

/// The promotion each row shows, by SKU (see [`shown_by_variant`]).
pub type ShownPromotions = HashMap<String, PromotionView>;

/// Each variant's promotion at `now`: the running one, else the next planned one.
pub async fn shown_promotions(db: &Db, now: DateTime<Utc>) -> Result<ShownPromotions> {
    Ok(shown_by_variant(db, now).await?.into_values().map(|p| (p.sku.clone(), p)).collect())
}

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

/// Writes the catalogue as it is at `now` to `path` (XLSX or CSV by extension);
/// returns the rows written.
pub async fn export_catalogue(db: &Db, path: &Path, now: DateTime<Utc>) -> Result<usize> {
    let format = ExportFormat::from_path(path)
        .ok_or_else(|| Error::invalid("path", "format", "Extension inconnue : choisissez un fichier .xlsx ou .csv"))?;
    let rows = db.export_rows().await?;
    let promotions = shown_promotions(db, now).await?;
    let bytes = match format {
        ExportFormat::Xlsx => xlsx(&rows, &promotions)?,
        ExportFormat::Csv => csv(&rows, &promotions)?,
    };
    std::fs::write(path, bytes)?;
    Ok(rows.len())
}

pub async fn catalogue_xlsx(db: &Db, now: DateTime<Utc>) -> Result<Vec<u8>> {
    xlsx(&db.export_rows().await?, &shown_promotions(db, now).await?)
}

pub async fn catalogue_csv(db: &Db, now: DateTime<Utc>) -> Result<Vec<u8>> {
    csv(&db.export_rows().await?, &shown_promotions(db, now).await?)
}

/// One row's cells as text, in [`HEADERS`] order: the CSV writes them all, the XLSX
/// all but the numbers. Product fields repeat on each variant's row (the import takes
/// them from the first row of the product).
fn cells(r: &ExportRow, promotion: Option<&PromotionView>) -> [String; 31] {
    let o = &r.offer;
    let p = promotion;
    let food = food_cells_text(o.food.as_ref());
    let [ingredients, allergens, storage, origin, producer, labels, abv] = food;
    [
        r.sku.clone(),
        r.name.clone(),
        r.category_path.clone().unwrap_or_default(),
        price_text(r.price_cents),
        r.vat.label().to_owned(),
        r.stock.to_string(),
        r.ean.clone().unwrap_or_default(),
        r.unit.label().to_owned(),
        r.net_quantity.clone().unwrap_or_default(),
        unit_price_of(r.unit, r.price_cents, r.net_quantity.as_deref()).map(|u| u.text()).unwrap_or_default(),
        o.packaging.clone().unwrap_or_default(),
        kind_label(o.kind, o.food.is_some()).to_owned(),
        o.duration_minutes.map(format_duration).unwrap_or_default(),
        sessions_text(&o.sessions),
        policy_label(o.stock_policy).to_owned(),
        o.lead_time_days.map(days_text).unwrap_or_default(),
        ingredients,
        allergens,
        storage,
        origin,
        producer,
        labels,
        abv,
        options_text(&r.options),
        status_label(r.status).to_owned(),
        r.description.clone(),
        r.product_uid.clone(),
        p.map(|p| price_text(p.price_cents)).unwrap_or_default(),
        // Only when it was given as a percentage: its price is fixed all the same.
        p.and_then(|p| p.percent).map(discount_text).unwrap_or_default(),
        p.map(|p| p.starts_text.clone()).unwrap_or_default(),
        p.and_then(|p| p.ends_text.clone()).unwrap_or_default(),
    ]
}

/// « 1234567,89 »: no thousands separator, as Excel reads a number back.
fn price_text(cents: i64) -> String {
    format!("{},{:02}", cents / 100, cents % 100)
}

/// Bold frozen header with autofilter, prices in €, VAT in %, widths set. Every
/// text is written as a string: a name starting with `=` stays a name.
pub fn xlsx(rows: &[ExportRow], promotions: &ShownPromotions) -> Result<Vec<u8>> {
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
        let promotion = promotions.get(&r.sku);
        for (c, text) in cells(r, promotion).iter().enumerate() {
            let col = c as u16;
            match (c, promotion) {
                (PRICE, _) => {
                    ws.write_number_with_format(row, col, crate::money::cents_to_number(r.price_cents), &euro)
                }
                (PROMO_PRICE, Some(p)) => {
                    ws.write_number_with_format(row, col, crate::money::cents_to_number(p.price_cents), &euro)
                }
                (VAT, _) => ws.write_number_with_format(row, col, r.vat.as_fraction(), &percent),
                (STOCK, _) => ws.write_number_with_format(row, col, r.stock as f64, &integer),
                // EANs as text too: as numbers, Excel would show 3,76E+12 and drop
                // leading zeros.
                _ if text.is_empty() => continue,
                _ => ws.write_string(row, col, text),
            }
            .map_err(xlsx_err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    ws.autofilter(0, 0, rows.len() as u32, HEADERS.len() as u16 - 1).map_err(xlsx_err)?;
    wb.save_to_buffer().map_err(xlsx_err)
}

/// UTF-8 with BOM, `;`, CRLF, decimal commas: French Excel opens it right with a
/// double click. Texts starting with `=`, `+`, `-`, `@`, tab or CR get a leading `'`
/// so no spreadsheet runs them as formulas (the import removes it again).
pub fn csv(rows: &[ExportRow], promotions: &ShownPromotions) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64 + rows.len() * 160);
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(out);
    let io = |e: csv::Error| Error::Io(std::io::Error::other(e));
    w.write_record(HEADERS).map_err(io)?;
    for r in rows {
        let cells = cells(r, promotions.get(&r.sku));
        // Numbers as they are (a stock of -3 is a number, not a formula).
        let record: Vec<Cow<str>> = cells
            .iter()
            .enumerate()
            .map(|(c, v)| match c {
                PRICE | VAT | STOCK | PROMO_PRICE => Cow::Borrowed(v.as_str()),
                _ => neutralise(v),
            })
            .collect();
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
        use crate::import::map::{field_for_header, is_derived_header};
        // The unit price is recognised as derived, never taken for the price.
        let derived: Vec<&str> = HEADERS.iter().copied().filter(|h| is_derived_header(h)).collect();
        assert_eq!(derived, ["Prix au kg/l"]);
        assert_eq!(field_for_header("Prix au kg/l"), None);
        let fields: Vec<_> = HEADERS.iter().filter(|h| !is_derived_header(h)).map(|h| field_for_header(h)).collect();
        assert!(fields.iter().all(Option::is_some), "{fields:?}");
        let mut dedup = fields.clone();
        dedup.sort_by_key(|f| format!("{f:?}"));
        dedup.dedup();
        assert_eq!(dedup.len(), HEADERS.len() - 1);
    }
}
