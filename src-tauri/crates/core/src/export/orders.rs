//! Order lists (a period, one row per order line) and pick lists (what to take off
//! the shelves for a pickup day, and each customer's bag), as XLSX, French-Excel
//! CSV and a printable HTML page. Texts are written as strings in XLSX and
//! neutralised in CSV ([`super::neutralise`]): a customer called `=HYPERLINK(…)`
//! stays a name.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Formula, Workbook, Worksheet};

use super::{ExportFormat, neutralise};
use crate::catalogue::Unit;
use crate::import::errors::xlsx_err;
use crate::money::{cents_to_number, format_amount, format_eur};
use crate::orders::time::{day_fr, format_fr, paris};
use crate::orders::{LocalOrder, OrderFilter, OrderStatus, status_label, text::short_name};
use crate::{Db, Error, Result};

pub const ORDER_HEADERS: [&str; 16] = [
    "N° commande",
    "Date",
    "Statut",
    "Client",
    "E-mail",
    "Téléphone",
    "Retrait",
    "Code de retrait",
    "Paiement",
    "Référence",
    "Article",
    "Quantité",
    "Prix unitaire TTC",
    "Total TTC",
    "TVA",
    // Lines charged at a promotion's price: the variant's regular price then (the
    // discount given, for the accounts). Last, so earlier columns keep their place.
    "Prix normal TTC",
];
const ORDER_WIDTHS: [f64; 16] =
    [12.0, 17.0, 12.0, 26.0, 26.0, 15.0, 17.0, 14.0, 12.0, 16.0, 40.0, 10.0, 16.0, 12.0, 7.0, 16.0];

const EURO: &str = "#,##0.00\\ \"€\"";
const DATE_TIME: &str = "dd/mm/yyyy hh:mm";

/// French label of the payment status stored on the order.
pub fn payment_label(s: &str) -> &str {
    match s {
        "on_pickup" => "Au retrait",
        "paid" => "Payée",
        "refunded" => "Remboursée",
        other => other,
    }
}

fn excel_time(t: DateTime<Utc>) -> Result<ExcelDateTime> {
    let p = paris(t);
    ExcelDateTime::from_ymd(p.year() as u16, p.month() as u8, p.day() as u8)
        .and_then(|d| d.and_hms(p.hour() as u16, p.minute() as u8, p.second()))
        .map_err(xlsx_err)
}

/// The orders placed between `from` and `to` (Paris days, inclusive), in the
/// order they arrived.
pub async fn orders_of_period(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Vec<LocalOrder>> {
    let mut orders = db.orders(&OrderFilter { from: Some(from), to: Some(to), ..OrderFilter::default() }).await?;
    orders.sort_by_key(|o| o.number);
    Ok(orders)
}

/// Writes the orders of a period to `path` (`.xlsx` or `.csv`); returns the number of rows.
pub async fn export_orders(db: &Db, path: &Path, from: NaiveDate, to: NaiveDate) -> Result<usize> {
    let orders = orders_of_period(db, from, to).await?;
    let rows: usize = orders.iter().map(|o| o.lines.len()).sum();
    let bytes = match ExportFormat::from_path(path) {
        Some(ExportFormat::Xlsx) => orders_xlsx(&orders)?,
        Some(ExportFormat::Csv) => orders_csv(&orders)?,
        None => {
            return Err(Error::invalid("path", "extension", "Le fichier doit se terminer par .xlsx ou .csv."));
        }
    };
    std::fs::write(path, bytes)?;
    Ok(rows)
}

/// One row per order line; a refused line shows quantity 0 ("refusée" in its
/// title); a total row sums the visible rows (SUBTOTAL follows the autofilter).
pub fn orders_xlsx(orders: &[LocalOrder]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Commandes").map_err(xlsx_err)?;
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let euro = Format::new().set_num_format(EURO);
    let euro_bold = Format::new().set_num_format(EURO).set_bold();
    let date = Format::new().set_num_format(DATE_TIME).set_align(FormatAlign::Left);
    for (c, h) in ORDER_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx_err)?;
        ws.set_column_width(c as u16, ORDER_WIDTHS[c]).map_err(xlsx_err)?;
    }
    let mut row: u32 = 0;
    let (mut qty_sum, mut total_sum) = (0i64, 0i64);
    for o in orders {
        for l in &o.lines {
            row += 1;
            let s = |ws: &mut Worksheet, col: u16, v: &str| -> Result<()> {
                if !v.is_empty() {
                    ws.write_string(row, col, v).map_err(xlsx_err)?;
                }
                Ok(())
            };
            ws.write_number(row, 0, o.number as f64).map_err(xlsx_err)?;
            ws.write_datetime_with_format(row, 1, excel_time(o.created_at)?, &date).map_err(xlsx_err)?;
            s(ws, 2, status_label(o.status))?;
            s(ws, 3, &o.customer_name)?;
            s(ws, 4, o.customer_email.as_deref().unwrap_or(""))?;
            s(ws, 5, o.customer_phone.as_deref().unwrap_or(""))?;
            if let Some(p) = o.pickup_at {
                ws.write_datetime_with_format(row, 6, excel_time(p)?, &date).map_err(xlsx_err)?;
            }
            s(ws, 7, o.pickup_code.as_deref().unwrap_or(""))?;
            s(ws, 8, payment_label(&o.payment_status))?;
            s(ws, 9, &l.sku)?;
            s(ws, 10, &line_title(l))?;
            let (qty, total) = line_figures(l);
            qty_sum += qty;
            total_sum += total;
            ws.write_number(row, 11, qty as f64).map_err(xlsx_err)?;
            ws.write_number_with_format(row, 12, cents_to_number(l.unit_price_cents), &euro).map_err(xlsx_err)?;
            ws.write_number_with_format(row, 13, cents_to_number(total), &euro).map_err(xlsx_err)?;
            s(ws, 14, &format!("{} %", l.vat_rate.replace('.', ",")))?;
            if let Some(regular) = l.regular_price_cents {
                ws.write_number_with_format(row, 15, cents_to_number(regular), &euro).map_err(xlsx_err)?;
            }
        }
    }
    let total_row = row + 1;
    ws.write_string_with_format(total_row, 0, "Total", &Format::new().set_bold()).map_err(xlsx_err)?;
    if row > 0 {
        let q = Formula::new(format!("=SUBTOTAL(109,L2:L{})", row + 1)).set_result(qty_sum.to_string());
        ws.write_formula_with_format(total_row, 11, q, &Format::new().set_bold()).map_err(xlsx_err)?;
        let t =
            Formula::new(format!("=SUBTOTAL(109,N2:N{})", row + 1)).set_result(cents_to_number(total_sum).to_string());
        ws.write_formula_with_format(total_row, 13, t, &euro_bold).map_err(xlsx_err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    ws.autofilter(0, 0, row.max(1), ORDER_HEADERS.len() as u16 - 1).map_err(xlsx_err)?;
    wb.save_to_buffer().map_err(xlsx_err)
}

fn line_title(l: &crate::orders::LocalLine) -> String {
    if l.refused { format!("{} (refusée)", l.label()) } else { l.label() }
}

/// (quantity, total in cents) as counted: a refused line counts for nothing.
fn line_figures(l: &crate::orders::LocalLine) -> (i64, i64) {
    if l.refused { (0, 0) } else { (l.quantity, l.total_cents()) }
}

/// UTF-8 with BOM, `;`, CRLF, decimal commas, dates `28/11/2026 11:00`; a total line.
pub fn orders_csv(orders: &[LocalOrder]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64 + orders.len() * 200);
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(out);
    let io = |e: csv::Error| Error::Io(std::io::Error::other(e));
    w.write_record(ORDER_HEADERS).map_err(io)?;
    let (mut qty_sum, mut total_sum) = (0i64, 0i64);
    for o in orders {
        for l in &o.lines {
            let (qty, total) = line_figures(l);
            qty_sum += qty;
            total_sum += total;
            let title = line_title(l);
            let record: [Cow<str>; 16] = [
                o.number.to_string().into(),
                format_fr(o.created_at).into(),
                status_label(o.status).into(),
                neutralise(&o.customer_name),
                neutralise(o.customer_email.as_deref().unwrap_or("")),
                neutralise(o.customer_phone.as_deref().unwrap_or("")),
                o.pickup_at.map(format_fr).unwrap_or_default().into(),
                neutralise(o.pickup_code.as_deref().unwrap_or("")),
                payment_label(&o.payment_status).to_owned().into(),
                neutralise(&l.sku),
                neutralise(&title),
                qty.to_string().into(),
                plain_amount(l.unit_price_cents).into(),
                plain_amount(total).into(),
                format!("{} %", l.vat_rate.replace('.', ",")).into(),
                l.regular_price_cents.map(plain_amount).unwrap_or_default().into(),
            ];
            w.write_record(record.iter().map(|c| c.as_bytes())).map_err(io)?;
        }
    }
    let mut total = vec![String::new(); ORDER_HEADERS.len()];
    total[0] = "Total".to_owned();
    total[11] = qty_sum.to_string();
    total[13] = plain_amount(total_sum);
    w.write_record(&total).map_err(io)?;
    w.into_inner().map_err(|e| Error::Io(std::io::Error::other(e.to_string())))
}

/// `1234567` → `12345,67` (no grouping: what a CSV reader parses back).
fn plain_amount(cents: i64) -> String {
    format_amount(cents).replace('\u{202f}', "")
}

// ---- pick list --------------------------------------------------------------------

/// One product to take off the shelves for the day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PickItem {
    pub sku: String,
    pub label: String,
    pub quantity: i64,
    /// "12 × Miel 500 g", "3 kg de Comté".
    pub text: String,
    pub orders: usize,
}

/// One customer's bag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Bag {
    pub number: i64,
    pub customer: String,
    pub status: OrderStatus,
    pub pickup_code: Option<String>,
    pub total_cents: i64,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PickList {
    pub day: NaiveDate,
    pub items: Vec<PickItem>,
    pub bags: Vec<Bag>,
}

/// Statuses whose goods are still to hand over.
fn to_prepare(s: OrderStatus) -> bool {
    matches!(s, OrderStatus::PendingAcceptance | OrderStatus::Accepted | OrderStatus::ReadyForPickup)
}

fn elide(word: &str) -> &'static str {
    let first = crate::text::fold(&word.chars().take(1).collect::<String>());
    if first.starts_with(['a', 'e', 'i', 'o', 'u', 'y', 'h']) { "d'" } else { "de " }
}

/// "12 × Miel 500 g", "3 kg de Comté", "300 g de Jambon", "2 l de Cidre", "1 douzaine d'Œufs".
pub fn quantity_text(quantity: i64, unit: Unit, label: &str) -> String {
    match unit {
        Unit::Kg => format!("{quantity} kg {}{label}", elide(label)),
        Unit::HundredGrams => {
            let g = quantity * 100;
            if g % 1000 == 0 {
                format!("{} kg {}{label}", g / 1000, elide(label))
            } else {
                format!("{g} g {}{label}", elide(label))
            }
        }
        Unit::Litre => format!("{quantity} l {}{label}", elide(label)),
        Unit::Metre => format!("{quantity} m {}{label}", elide(label)),
        Unit::SquareMetre => format!("{quantity} m² {}{label}", elide(label)),
        Unit::Dozen => {
            let d = if quantity > 1 { "douzaines" } else { "douzaine" };
            format!("{quantity} {d} {}{label}", elide(label))
        }
        Unit::Piece | Unit::Lot => format!("{quantity} × {label}"),
    }
}

/// Quantities per product across the day's orders, and each customer's bag.
pub async fn pick_list(db: &Db, day: NaiveDate) -> Result<PickList> {
    let mut orders = db.orders(&OrderFilter { pickup_day: Some(day), ..OrderFilter::default() }).await?;
    orders.retain(|o| to_prepare(o.status));
    orders.sort_by_key(|o| o.number);
    let skus: Vec<String> = orders.iter().flat_map(|o| o.kept_lines().map(|l| l.sku.clone())).collect();
    let units: HashMap<String, Unit> = db.units_of_skus(&skus).await?;
    let unit_of = |sku: &str| units.get(&sku.to_lowercase()).copied().unwrap_or(Unit::Piece);
    let mut by_product: BTreeMap<(String, String), (i64, usize)> = BTreeMap::new();
    let mut bags = Vec::new();
    for o in &orders {
        let mut items = Vec::new();
        for l in o.kept_lines() {
            let e = by_product.entry((crate::text::fold(&l.label()), l.sku.clone())).or_default();
            e.0 += l.quantity;
            e.1 += 1;
            items.push(quantity_text(l.quantity, unit_of(&l.sku), &l.label()));
        }
        bags.push(Bag {
            number: o.number,
            customer: o.customer_name.clone(),
            status: o.status,
            pickup_code: o.pickup_code.clone(),
            total_cents: o.total_cents,
            items,
        });
    }
    let labels: HashMap<&str, String> =
        orders.iter().flat_map(|o| o.kept_lines().map(|l| (l.sku.as_str(), l.label()))).collect();
    let items = by_product
        .into_iter()
        .map(|((_, sku), (quantity, n))| {
            let label = labels.get(sku.as_str()).cloned().unwrap_or_default();
            PickItem { text: quantity_text(quantity, unit_of(&sku), &label), sku, label, quantity, orders: n }
        })
        .collect();
    Ok(PickList { day, items, bags })
}

/// Two sheets: "À préparer" (per product) and "Sacs" (per customer).
pub fn pick_list_xlsx(p: &PickList) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let euro = Format::new().set_num_format(EURO);
    {
        let ws = wb.add_worksheet();
        ws.set_name("À préparer").map_err(xlsx_err)?;
        ws.write_string_with_format(0, 0, format!("Liste de préparation — {}", day_fr(p.day)), &bold)
            .map_err(xlsx_err)?;
        for (c, (h, w)) in
            [("Quantité", 10.0), ("Article", 40.0), ("Référence", 16.0), ("À préparer", 40.0), ("Commandes", 11.0)]
                .iter()
                .enumerate()
        {
            ws.write_string_with_format(1, c as u16, *h, &bold).map_err(xlsx_err)?;
            ws.set_column_width(c as u16, *w).map_err(xlsx_err)?;
        }
        for (i, it) in p.items.iter().enumerate() {
            let r = i as u32 + 2;
            ws.write_number(r, 0, it.quantity as f64).map_err(xlsx_err)?;
            ws.write_string(r, 1, &it.label).map_err(xlsx_err)?;
            ws.write_string(r, 2, &it.sku).map_err(xlsx_err)?;
            ws.write_string(r, 3, &it.text).map_err(xlsx_err)?;
            ws.write_number(r, 4, it.orders as f64).map_err(xlsx_err)?;
        }
        ws.set_freeze_panes(2, 0).map_err(xlsx_err)?;
        ws.autofilter(1, 0, (p.items.len() as u32 + 1).max(2), 4).map_err(xlsx_err)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Sacs").map_err(xlsx_err)?;
        for (c, (h, w)) in
            [("N° commande", 12.0), ("Client", 28.0), ("Code de retrait", 14.0), ("Total TTC", 12.0), ("Contenu", 70.0)]
                .iter()
                .enumerate()
        {
            ws.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx_err)?;
            ws.set_column_width(c as u16, *w).map_err(xlsx_err)?;
        }
        for (i, b) in p.bags.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_number(r, 0, b.number as f64).map_err(xlsx_err)?;
            ws.write_string(r, 1, &b.customer).map_err(xlsx_err)?;
            if let Some(code) = &b.pickup_code {
                ws.write_string(r, 2, code).map_err(xlsx_err)?;
            }
            ws.write_number_with_format(r, 3, cents_to_number(b.total_cents), &euro).map_err(xlsx_err)?;
            ws.write_string(r, 4, b.items.join(", ")).map_err(xlsx_err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        ws.autofilter(0, 0, (p.bags.len() as u32).max(1), 4).map_err(xlsx_err)?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A self-contained printable page (A4, one bag per block, no script, no link).
pub fn pick_list_html(p: &PickList) -> String {
    let mut h = String::with_capacity(4096);
    h.push_str("<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">");
    h.push_str(&format!("<title>Liste de préparation — {}</title>", esc(&day_fr(p.day))));
    h.push_str(
        "<style>@page{size:A4;margin:15mm}body{font-family:system-ui,sans-serif;font-size:12pt}\
         h1{font-size:16pt}table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:4px 6px;\
         text-align:left}td.q{text-align:right;white-space:nowrap}.bag{break-inside:avoid;border:1px solid #333;\
         padding:6px 10px;margin:8px 0}.bag h3{margin:0 0 4px}</style></head><body>\n",
    );
    h.push_str(&format!("<h1>Liste de préparation — {}</h1>\n", esc(&day_fr(p.day))));
    h.push_str(&format!("<p>{} commande(s) à préparer.</p>\n", p.bags.len()));
    h.push_str("<h2>Par article</h2>\n<table><thead><tr><th>☐</th><th>À préparer</th><th>Référence</th><th>Commandes</th></tr></thead><tbody>\n");
    for it in &p.items {
        h.push_str(&format!(
            "<tr><td>☐</td><td>{}</td><td>{}</td><td class=\"q\">{}</td></tr>\n",
            esc(&it.text),
            esc(&it.sku),
            it.orders
        ));
    }
    h.push_str("</tbody></table>\n<h2>Par client</h2>\n");
    for b in &p.bags {
        h.push_str(&format!(
            "<div class=\"bag\"><h3>n° {} — {}{}</h3><ul>",
            b.number,
            esc(&b.customer),
            b.pickup_code.as_deref().map(|c| format!(" · code {}", esc(c))).unwrap_or_default()
        ));
        for i in &b.items {
            h.push_str(&format!("<li>☐ {}</li>", esc(i)));
        }
        h.push_str(&format!(
            "</ul><p>Total : {} · {}</p></div>\n",
            esc(&format_eur(b.total_cents)),
            esc(&short_name(&b.customer))
        ));
    }
    h.push_str("</body></html>\n");
    h
}

/// Writes the pick list to `path`: `.xlsx`, or `.html` for the printable page.
pub async fn export_pick_list(db: &Db, path: &Path, day: NaiveDate) -> Result<PickList> {
    let p = pick_list(db, day).await?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let bytes = match ext.as_str() {
        "xlsx" => pick_list_xlsx(&p)?,
        "html" | "htm" => pick_list_html(&p).into_bytes(),
        _ => return Err(Error::invalid("path", "extension", "Le fichier doit se terminer par .xlsx ou .html.")),
    };
    std::fs::write(path, bytes)?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_in_french() {
        assert_eq!(quantity_text(12, Unit::Piece, "Miel 500 g"), "12 × Miel 500 g");
        assert_eq!(quantity_text(3, Unit::Kg, "Comté"), "3 kg de Comté");
        assert_eq!(quantity_text(2, Unit::Kg, "Emmental"), "2 kg d'Emmental");
        assert_eq!(quantity_text(3, Unit::HundredGrams, "Jambon"), "300 g de Jambon");
        assert_eq!(quantity_text(10, Unit::HundredGrams, "Jambon"), "1 kg de Jambon");
        assert_eq!(quantity_text(1, Unit::Dozen, "Œufs"), "1 douzaine d'Œufs");
    }

    #[test]
    fn html_is_escaped() {
        let p = PickList {
            day: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            items: vec![],
            bags: vec![Bag {
                number: 1001,
                customer: "<script>x</script>".into(),
                status: OrderStatus::Accepted,
                pickup_code: None,
                total_cents: 100,
                items: vec![],
            }],
        };
        let h = pick_list_html(&p);
        assert!(!h.contains("<script>"));
        assert!(h.contains("&lt;script&gt;"));
    }
}
