//! Cells as the French write them, where no catalogue rule is involved: the text of a
//! cell as typed, a whole quantity (`1 234`, `12,0`), a percentage off (`-20 %`, or
//! `0,2` as French Excel keeps a cell formatted as a percentage), a date's serial
//! number. Prices, VAT rates, EANs, units and the shop's words are comptoir-core's
//! (its `money`, `vat`, `ean`, `catalogue` and the import's `values`): they carry its
//! rules and its limits.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::read::{Cell, number_to_string};

/// Text of a cell as typed; numbers whole when they are (a reference `1001`).
pub fn cell_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Cell::Number(n) => Some(number_to_string(*n)),
        other => Some(other.display()),
    }
}

/// A whole quantity: `12`, `1 234`, `12,0`, `-3`, or a whole number cell.
pub fn parse_quantity(cell: &Cell) -> Option<i64> {
    let n = match cell {
        Cell::Number(n) => *n,
        other => {
            let s: String = other
                .display()
                .chars()
                .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}'))
                .map(|c| if c == ',' { '.' } else { c })
                .collect();
            if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+')) {
                return None;
            }
            s.parse::<f64>().ok()?
        }
    };
    (n.is_finite() && n.fract() == 0.0 && n.abs() <= 1e9).then_some(n as i64)
}

/// A « Remise » cell: a whole percentage off, 1 to 99. `20 %`, `20%`, `-20 %`, `−20 %`
/// (the minus sign of typography), `20`; a number below 1 without `%` is a fraction, as
/// French Excel keeps a cell formatted as a percentage (`0,2` for 20 %). Refused: 0,
/// 100 and more, a part of a percent (`12,5 %`), an amount (`5 €`).
pub fn parse_discount(cell: &Cell) -> Result<u8, String> {
    const UNREADABLE: &str = "Remise illisible : un pourcentage entier de 1 à 99 est attendu (exemples : 20 %, -15 %)";
    let (value, fraction) = match cell {
        Cell::Number(n) => (n.abs(), true),
        other => {
            let t: String = other.display().chars().filter(|c| !c.is_whitespace()).collect();
            let t = t.strip_prefix(['-', '\u{2212}', '\u{2013}']).unwrap_or(&t);
            let (t, sign) = match t.strip_suffix('%') {
                Some(rest) => (rest, true),
                None => (t, false),
            };
            let separators = t.chars().filter(|c| matches!(c, ',' | '.')).count();
            if t.is_empty() || separators > 1 || !t.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '.')) {
                return Err(UNREADABLE.into());
            }
            (t.replace(',', ".").parse::<f64>().map_err(|_| UNREADABLE.to_owned())?, !sign)
        }
    };
    let percent = if fraction && value > 0.0 && value < 1.0 { value * 100.0 } else { value };
    let whole = percent.round();
    if !percent.is_finite() || (percent - whole).abs() > 1e-6 || !(1.0..=99.0).contains(&whole) {
        let shown = number_to_string((percent * 10_000.0).round() / 10_000.0).replace('.', ",");
        return Err(format!("Remise de {shown} % impossible : la remise est un pourcentage entier de 1 à 99 %"));
    }
    Ok(whole as u8)
}

/// The export's « Remise »: `20 %`, which [`parse_discount`] reads back.
pub fn discount_text(percent: u8) -> String {
    format!("{percent} %")
}

/// A number cell that is a date's serial number (a cell Excel shows without a date
/// format): days since 30 December 1899, the fraction the time of day, to the second.
/// Only 1 January 2000 to 1 January 2100 (excluded) count as dates: outside them it is
/// more likely a quantity or a price than a date.
pub fn serial_date(n: f64) -> Option<NaiveDateTime> {
    if !(36_526.0..73_051.0).contains(&n) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default().and_time(NaiveTime::MIN);
    let seconds = (n * 86_400.0).round() as i64;
    Some(epoch + chrono::Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity(&Cell::Text("12,0".into())), Some(12));
        assert_eq!(parse_quantity(&Cell::Text("-3".into())), Some(-3));
        assert_eq!(parse_quantity(&Cell::Text("2,5".into())), None);
        assert_eq!(parse_quantity(&Cell::Number(4.0)), Some(4));
    }

    #[test]
    fn discounts_are_whole_percentages() {
        let text = |t: &str| parse_discount(&Cell::Text(t.into()));
        for t in ["20 %", "20%", "-20 %", "\u{2212}20 %", "\u{2212} 20\u{a0}%", "20", "20,0", "0,2", "0.20"] {
            assert_eq!(text(t), Ok(20), "{t}");
        }
        assert_eq!(text("1 %"), Ok(1));
        assert_eq!(text("99"), Ok(99));
        // French Excel keeps « 20 % » as 0,2; « -20 % » as -0,2.
        assert_eq!(parse_discount(&Cell::Number(0.2)), Ok(20));
        assert_eq!(parse_discount(&Cell::Number(-0.07)), Ok(7));
        assert_eq!(parse_discount(&Cell::Number(35.0)), Ok(35));
        assert_eq!(
            text("12,5 %"),
            Err("Remise de 12,5 % impossible : la remise est un pourcentage entier de 1 à 99 %".into())
        );
        assert_eq!(
            text("0,5 %"),
            Err("Remise de 0,5 % impossible : la remise est un pourcentage entier de 1 à 99 %".into())
        );
        assert_eq!(
            text("100 %"),
            Err("Remise de 100 % impossible : la remise est un pourcentage entier de 1 à 99 %".into())
        );
        assert_eq!(text("0"), Err("Remise de 0 % impossible : la remise est un pourcentage entier de 1 à 99 %".into()));
        for bad in ["douze %", "5 €", "20 % sur tout", "1,2,3", "%", "+20 %"] {
            assert_eq!(
                text(bad),
                Err("Remise illisible : un pourcentage entier de 1 à 99 est attendu (exemples : 20 %, -15 %)".into()),
                "{bad}"
            );
        }
        // What the export writes reads back.
        assert_eq!(text(&discount_text(15)), Ok(15));
    }

    #[test]
    fn cells_as_typed_and_serial_dates() {
        assert_eq!(cell_text(&Cell::Number(1001.0)).as_deref(), Some("1001"));
        assert_eq!(cell_text(&Cell::Text("  ".into())), None);
        assert_eq!(cell_text(&Cell::Bool(true)).as_deref(), Some("VRAI"));
        let at = |d, h, m| NaiveDate::from_ymd_opt(2026, 12, d).and_then(|d| d.and_hms_opt(h, m, 0));
        assert_eq!(serial_date(46_380.0), at(24, 0, 0));
        // 08:00 as Excel keeps it, a fraction of a day.
        assert_eq!(serial_date(46_357.0 + 8.0 / 24.0), at(1, 8, 0));
        assert_eq!(serial_date(36_525.0), None);
        assert_eq!(serial_date(73_051.0), None);
        assert_eq!(serial_date(f64::NAN), None);
    }
}
