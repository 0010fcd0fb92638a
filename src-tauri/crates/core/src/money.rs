//! Money is integer euro cents, always. Parsing accepts what French people type and
//! what French spreadsheets contain; formatting writes what they expect to read.

/// Why a money string was refused; the caller words it for its context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    Empty,
    Invalid,
    Negative,
    TooManyDecimals,
    TooLarge,
}

impl MoneyError {
    pub fn message(self) -> &'static str {
        match self {
            MoneyError::Empty => "Prix manquant",
            MoneyError::Invalid => "Prix illisible (exemple attendu : 12,50)",
            MoneyError::Negative => "Le prix ne peut pas être négatif",
            MoneyError::TooManyDecimals => "Prix avec plus de deux décimales",
            MoneyError::TooLarge => "Prix trop élevé",
        }
    }
}

/// Upper bound for any single price: 10 million euros. Keeps every later
/// multiplication (quantities, unit prices) far from i64 overflow.
pub const MAX_CENTS: i64 = 1_000_000_000;

/// Parses `12,50`, `12,50 €`, `€12.50`, `1 234,50` (space, no-break space or narrow
/// no-break space as thousands separator), `1.234,50`, `12.5`, `12` into cents.
///
/// A single `.` or `,` followed by one or two digits is the decimal separator; with
/// both present, the last one is. Three digits after a lone separator (`1.234`) are
/// ambiguous, so they are refused rather than guessed.
pub fn parse_cents(input: &str) -> Result<i64, MoneyError> {
    let s: String = input
        .trim()
        .trim_end_matches("EUR")
        .trim_end_matches("eur")
        .chars()
        .filter(|c| !matches!(c, '€' | ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\''))
        .collect();
    if s.is_empty() {
        return Err(MoneyError::Empty);
    }
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let last_sep = s.rfind([',', '.']);
    let (int_part, frac_part) = match last_sep {
        None => (s.to_owned(), String::new()),
        Some(i) => {
            let frac = &s[i + 1..];
            let int = &s[..i];
            let has_both = int.contains(',') || int.contains('.');
            if frac.len() == 3 && !has_both {
                // "1.234" or "1,234": a thousands separator or three decimals? Refuse.
                return Err(MoneyError::Invalid);
            }
            if frac.len() > 2 {
                if frac.chars().all(|c| c.is_ascii_digit()) && frac.trim_end_matches('0').len() <= 2 {
                    (int.replace([',', '.'], ""), frac[..2].to_owned())
                } else {
                    return Err(MoneyError::TooManyDecimals);
                }
            } else {
                // Earlier separators are thousands separators: they must group by three.
                if has_both {
                    let groups: Vec<&str> = int.split([',', '.']).collect();
                    if groups[1..].iter().any(|g| g.len() != 3) {
                        return Err(MoneyError::Invalid);
                    }
                }
                (int.replace([',', '.'], ""), frac.to_owned())
            }
        }
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(MoneyError::Invalid);
    }
    if !int_part.chars().all(|c| c.is_ascii_digit()) || !frac_part.chars().all(|c| c.is_ascii_digit()) {
        return Err(MoneyError::Invalid);
    }
    if int_part.len() > 12 {
        return Err(MoneyError::TooLarge);
    }
    let euros: i64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| MoneyError::Invalid)? };
    let cents: i64 = match frac_part.len() {
        0 => 0,
        1 => frac_part.parse::<i64>().map_err(|_| MoneyError::Invalid)? * 10,
        _ => frac_part.parse().map_err(|_| MoneyError::Invalid)?,
    };
    let total = euros.checked_mul(100).and_then(|e| e.checked_add(cents)).ok_or(MoneyError::TooLarge)?;
    if total > MAX_CENTS {
        return Err(MoneyError::TooLarge);
    }
    if negative && total != 0 {
        return Err(MoneyError::Negative);
    }
    Ok(total)
}

/// A price a spreadsheet stored as a number (`4.95`): to cents, refusing a third
/// decimal rather than rounding it away.
pub fn cents_from_number(n: f64) -> Result<i64, MoneyError> {
    if !n.is_finite() {
        return Err(MoneyError::Invalid);
    }
    if n < 0.0 {
        return if n > -0.005 { Ok(0) } else { Err(MoneyError::Negative) };
    }
    let scaled = n * 100.0;
    let cents = scaled.round();
    // Floats hold 4.95 as 4.9500000000000002: allow that much, no more.
    if (scaled - cents).abs() > 1e-6 * scaled.abs().max(1.0) {
        return Err(MoneyError::TooManyDecimals);
    }
    if cents > MAX_CENTS as f64 {
        return Err(MoneyError::TooLarge);
    }
    Ok(cents as i64)
}

/// Cents as a spreadsheet number of euros (`495` → `4.95`).
pub fn cents_to_number(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// `1234` → `12,34 €`; thousands grouped with a narrow no-break space as French
/// typography wants (`1 234,50 €`).
pub fn format_eur(cents: i64) -> String {
    format!("{} €", format_amount(cents))
}

/// `1234` → `12,34` (no currency sign), for input fields and CSV.
pub fn format_amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::with_capacity(euros.len() + euros.len() / 3 * 3);
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02}", abs % 100)
}

/// Rounds `numerator / denominator` half away from zero (the commercial rounding
/// French invoices use), in integers so no float ever touches money.
pub fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    assert!(denominator != 0, "division by zero");
    let (n, d) = if denominator < 0 { (-numerator, -denominator) } else { (numerator, denominator) };
    if n >= 0 { (n * 2 + d) / (2 * d) } else { -((-n * 2 + d) / (2 * d)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_french_inputs() {
        for (s, c) in [
            ("12,50", 1250),
            ("12,50 €", 1250),
            ("12,5", 1250),
            ("12.5", 1250),
            ("12", 1200),
            ("0,99", 99),
            (",99", 99),
            ("1 234,50", 123_450),
            ("1\u{a0}234,50 €", 123_450),
            ("1\u{202f}234,50\u{a0}€", 123_450),
            ("1.234,50", 123_450),
            ("1,234.50", 123_450),
            ("€4.95", 495),
            ("4,95 EUR", 495),
            ("12,5000", 1250),
            ("-0", 0),
        ] {
            assert_eq!(parse_cents(s), Ok(c), "{s}");
        }
    }

    #[test]
    fn refuses_ambiguous_or_wrong_inputs() {
        assert_eq!(parse_cents(""), Err(MoneyError::Empty));
        assert_eq!(parse_cents("  € "), Err(MoneyError::Empty));
        assert_eq!(parse_cents("douze"), Err(MoneyError::Invalid));
        assert_eq!(parse_cents("1.234"), Err(MoneyError::Invalid));
        assert_eq!(parse_cents("12,345"), Err(MoneyError::Invalid));
        assert_eq!(parse_cents("12,500"), Err(MoneyError::Invalid));
        assert_eq!(parse_cents("12,3456"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_cents("-3,00"), Err(MoneyError::Negative));
        assert_eq!(parse_cents("1,23,45"), Err(MoneyError::Invalid));
        assert_eq!(parse_cents("99999999999999"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn spreadsheet_numbers() {
        assert_eq!(cents_from_number(4.95), Ok(495));
        assert_eq!(cents_from_number(12.5), Ok(1250));
        assert_eq!(cents_from_number(0.1 + 0.2), Ok(30));
        assert_eq!(cents_from_number(1234.5), Ok(123_450));
        assert_eq!(cents_from_number(4.955), Err(MoneyError::TooManyDecimals));
        assert_eq!(cents_from_number(-1.0), Err(MoneyError::Negative));
        assert_eq!(cents_from_number(f64::NAN), Err(MoneyError::Invalid));
        for c in [0, 1, 99, 495, 123_456_789] {
            assert_eq!(cents_from_number(cents_to_number(c)), Ok(c));
        }
    }

    #[test]
    fn formats_the_french_way() {
        assert_eq!(format_eur(1250), "12,50 €");
        assert_eq!(format_eur(5), "0,05 €");
        assert_eq!(format_eur(123_450), "1\u{202f}234,50 €");
        assert_eq!(format_amount(100_000_000), "1\u{202f}000\u{202f}000,00");
        assert_eq!(format_amount(-250), "-2,50");
    }

    #[test]
    fn rounds_half_up() {
        assert_eq!(div_round_half_up(5, 2), 3);
        assert_eq!(div_round_half_up(4, 2), 2);
        assert_eq!(div_round_half_up(-5, 2), -3);
        assert_eq!(div_round_half_up(1, 3), 0);
        assert_eq!(div_round_half_up(2, 3), 1);
    }
}
