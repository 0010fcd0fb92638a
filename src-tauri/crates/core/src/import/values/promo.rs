//! A row's promotion cells (« Prix promo » or « Remise », « Début promo », « Fin
//! promo »): a price, a whole percentage off, Paris dates. The percentage and a date's
//! serial number are read by comptoir-sheets (`parse_discount`, `serial_date`): they
//! need no rule of the shop's.

use chrono::{DateTime, Utc};

use super::numbers::read_price;
use super::{CellOf, Columns};
use crate::import::map::Field;
use crate::import::read::Cell;
use crate::promotions::parse_local;
use comptoir_sheets::values::{parse_discount, serial_date};

/// A row's promotion cells (« Prix promo », « Remise », « Début promo », « Fin promo »),
/// each `None` when empty or unreadable (the row then has an error on that cell).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromoCells {
    pub price_cents: Option<i64>,
    /// Whole percent off, 1 to 99.
    pub percent: Option<u8>,
    pub starts: Option<DateTime<Utc>>,
    /// Exclusive: a date alone is read as the end of that day.
    pub ends: Option<DateTime<Utc>>,
}

/// The promotion cells of a row, `None` when all are empty. A row that fills any of
/// them must give the start and either the promotion's price or its discount: else the
/// row is refused on the missing cell. Whether the price and the discount agree is the
/// planner's to check (it knows the regular price).
pub(super) fn read_promotion(
    cell: &CellOf<'_>,
    cols: &Columns,
    err: &mut dyn FnMut(Field, &str, String),
) -> Option<PromoCells> {
    if !Field::PROMOTION.into_iter().any(|f| cell(f).is_some()) {
        return None;
    }
    let mut p = PromoCells::default();
    // A cell refused for what it says is not also « missing ».
    let mut unreadable = false;
    let discount_cell = cell(Field::Discount);
    if let Some(c) = cell(Field::PromoPrice) {
        match c {
            // « -20 % » in a « Promo » column: a discount (when no Remise cell gives one).
            Cell::Text(t) if t.contains('%') && discount_cell.is_none() => match parse_discount(c) {
                Ok(percent) => p.percent = Some(percent),
                Err(m) => {
                    err(Field::PromoPrice, "discount_invalid", m);
                    unreadable = true;
                }
            },
            _ => match read_price(c) {
                Ok(cents) if cents >= 1 => p.price_cents = Some(cents),
                Ok(_) => {
                    err(Field::PromoPrice, "promo_price_invalid", "Prix promo trop bas : 0,01 € au moins".into());
                    unreadable = true;
                }
                Err(_) => {
                    err(
                        Field::PromoPrice,
                        "promo_price_invalid",
                        "Prix promo illisible (exemple attendu : 12,50)".into(),
                    );
                    unreadable = true;
                }
            },
        }
    }
    if let Some(c) = discount_cell {
        match parse_discount(c) {
            Ok(percent) => p.percent = Some(percent),
            Err(m) => {
                err(Field::Discount, "discount_invalid", m);
                unreadable = true;
            }
        }
    }
    let mut start_unreadable = false;
    if let Some(c) = cell(Field::PromoStart) {
        match promo_date(c, false) {
            Ok(t) => p.starts = Some(t),
            Err(m) => {
                err(Field::PromoStart, "promo_start_invalid", m);
                start_unreadable = true;
            }
        }
    }
    if let Some(c) = cell(Field::PromoEnd) {
        match promo_date(c, true) {
            Ok(t) => p.ends = Some(t),
            Err(m) => err(Field::PromoEnd, "promo_end_invalid", m),
        }
    }
    if p.starts.is_none() && !start_unreadable {
        err(
            Field::PromoStart,
            "promo_start_missing",
            "Promotion sans date de début : indiquez le « Début promo » (exemple : 01/12/2026)".into(),
        );
    }
    if p.price_cents.is_none() && p.percent.is_none() && !unreadable {
        let f =
            if cols.has(Field::Discount) && !cols.has(Field::PromoPrice) { Field::Discount } else { Field::PromoPrice };
        err(
            f,
            "promo_price_missing",
            "Promotion sans prix promo ni remise : indiquez l'un des deux (exemples : 8,50 ou 20 %)".into(),
        );
    }
    Some(p)
}

/// A promotion's date cell, Paris time: a date cell (with its time, if any), a date's
/// serial number (a cell Excel shows without a date format), or what
/// [`parse_local`] reads. `as_end`: a date alone is the end of that day.
fn promo_date(c: &Cell, as_end: bool) -> Result<DateTime<Utc>, String> {
    let text = match c {
        Cell::Number(n) => serial_date(*n).map_or_else(|| c.display(), |d| Cell::Date(d).display()),
        other => other.display(),
    };
    parse_local(&text, as_end).map_err(|m| {
        if m.starts_with("heure") {
            "Heure illisible : HH:MM est attendu après la date (exemple : 01/12/2026 08:00)".to_owned()
        } else {
            "Date illisible : JJ/MM/AAAA est attendu, avec ou sans l'heure (exemples : 01/12/2026, 01/12/2026 08:00)"
                .to_owned()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::errors::RowError;
    use crate::import::read::GridRow;
    use crate::import::values::read_record;
    use crate::import::values::tests::{cols, row};

    #[test]
    fn promotion_cells() {
        use chrono::TimeZone;
        let utc = |d, h, m| Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).single().unwrap();
        let c = cols(&[Field::Sku, Field::PromoPrice, Field::Discount, Field::PromoStart, Field::PromoEnd]);
        // A date alone: from midnight, until the end of that day (Paris time).
        let r = read_record(&row(&["A", "8,50 €", "", "01/12/2026", "24/12/2026"]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let p = r.promotion.as_deref().unwrap();
        assert_eq!((p.price_cents, p.percent), (Some(850), None));
        assert_eq!((p.starts, p.ends), (Some(utc(1, 0, 0) - chrono::Duration::hours(1)), Some(utc(24, 23, 0))));
        // With a time; no end: until the stock runs out.
        let r = read_record(&row(&["A", "", "-20 %", "1/12/2026 8h30", ""]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let p = r.promotion.as_deref().unwrap();
        assert_eq!((p.price_cents, p.percent, p.starts, p.ends), (None, Some(20), Some(utc(1, 7, 30)), None));
        // Date cells of a spreadsheet, with their time, and a date's serial number.
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let cells = vec![
            Cell::Text("A".into()),
            Cell::Number(8.5),
            Cell::Empty,
            Cell::Date(day.and_hms_opt(8, 0, 0).unwrap()),
            Cell::Number(46_380.0), // 24/12/2026
        ];
        let r = read_record(&GridRow { number: 3, cells }, &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let p = r.promotion.as_deref().unwrap();
        assert_eq!((p.price_cents, p.starts, p.ends), (Some(850), Some(utc(1, 7, 0)), Some(utc(24, 23, 0))));
        // No promotion cell: no promotion.
        assert_eq!(read_record(&row(&["A", "", "", "", ""]), &c).promotion, None);

        // Unreadable cells and missing ones, each on its cell.
        let r = read_record(&row(&["A", "", "douze %", "31/02/2026", "24/12/2026 25:00"]), &c);
        let described: Vec<String> = r.errors.iter().map(RowError::describe).collect();
        assert_eq!(
            described,
            [
                "Ligne 7, colonne C (Remise) « douze % » : Remise illisible : un pourcentage entier de 1 à 99 est attendu (exemples : 20 %, -15 %)",
                "Ligne 7, colonne D (Début promo) « 31/02/2026 » : Date illisible : JJ/MM/AAAA est attendu, avec ou sans l'heure (exemples : 01/12/2026, 01/12/2026 08:00)",
                "Ligne 7, colonne E (Fin promo) « 24/12/2026 25:00 » : Heure illisible : HH:MM est attendu après la date (exemple : 01/12/2026 08:00)",
            ]
        );
        let codes: Vec<&str> = r.errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["discount_invalid", "promo_start_invalid", "promo_end_invalid"]);
        let r = read_record(&row(&["A", "", "", "", "24/12/2026"]), &c);
        let described: Vec<String> = r.errors.iter().map(RowError::describe).collect();
        assert_eq!(
            described,
            [
                "Ligne 7, colonne D (Début promo) : Promotion sans date de début : indiquez le « Début promo » (exemple : 01/12/2026)",
                "Ligne 7, colonne B (Prix promo) : Promotion sans prix promo ni remise : indiquez l'un des deux (exemples : 8,50 ou 20 %)",
            ]
        );
        let r = read_record(&row(&["A", "0", "", "01/12/2026", ""]), &c);
        assert_eq!(r.errors[0].message, "Prix promo trop bas : 0,01 € au moins");
        // « -20 % » in a « Promo » column is a discount.
        let c = cols(&[Field::Sku, Field::PromoPrice, Field::PromoStart]);
        let r = read_record(&row(&["A", "-20 %", "01/12/2026"]), &c);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.promotion.as_deref().map(|p| (p.price_cents, p.percent)), Some((None, Some(20))));
    }
}
