//! EAN-13 and EAN-8 barcodes (GTIN), with their check digit.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EanError {
    NotDigits,
    Length,
    Checksum,
    /// `3,76E+12`: a spreadsheet showed the code in scientific notation and saved
    /// that, losing digits. Nothing can recover them.
    Scientific,
}

impl EanError {
    pub fn message(self) -> &'static str {
        match self {
            EanError::NotDigits => "Code EAN invalide : uniquement des chiffres",
            EanError::Length => "Code EAN invalide : 8 ou 13 chiffres attendus",
            EanError::Checksum => "Code EAN invalide (clé de contrôle)",
            EanError::Scientific => {
                "Code EAN abîmé par le tableur (3,76E+12) : chiffres perdus, mettez la colonne au format Texte et ressaisissez les codes"
            }
        }
    }
}

/// Checks an EAN-13 or EAN-8 (spaces ignored) and returns it normalised.
pub fn validate(input: &str) -> Result<String, EanError> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if is_scientific(&digits) {
        return Err(EanError::Scientific);
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) || digits.is_empty() {
        return Err(EanError::NotDigits);
    }
    if digits.len() != 13 && digits.len() != 8 {
        return Err(EanError::Length);
    }
    let bytes = digits.as_bytes();
    let (body, check) = bytes.split_at(bytes.len() - 1);
    if check_digit(body) != check[0] - b'0' {
        return Err(EanError::Checksum);
    }
    Ok(digits)
}

/// `3,76E+12`, `3.76012E+12`, `3,76e12`: what Excel writes for a long number shown
/// in its default format.
fn is_scientific(s: &str) -> bool {
    let Some((mantissa, exp)) = s.split_once(['E', 'e']) else { return false };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        && mantissa.chars().any(|c| c.is_ascii_digit())
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

/// An EAN stored as a number in a spreadsheet cell: whole digits, with the leading
/// zeros the number lost put back when that gives a valid code (`12345678905` →
/// `0012345678905`... only if its check digit holds).
pub fn from_number(n: f64) -> Result<String, EanError> {
    if !n.is_finite() || n < 0.0 || n.fract() != 0.0 || n >= 1e13 * 10.0 {
        return Err(EanError::NotDigits);
    }
    let digits = format!("{n:.0}");
    // 3,76E+12 typed or pasted back as a number: real codes never end in seven zeros.
    if digits.len() >= 12 && digits.ends_with("0000000") {
        return Err(EanError::Scientific);
    }
    if digits.len() < 13 && digits.len() != 8 {
        let padded = format!("{digits:0>13}");
        if let Ok(ok) = validate(&padded) {
            return Ok(ok);
        }
    }
    validate(&digits)
}

/// GS1 check digit: weights 3 and 1 alternate from the rightmost body digit.
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 =
        body.iter().rev().enumerate().map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_codes() {
        assert_eq!(validate("3760123450010"), Ok("3760123450010".into()));
        assert_eq!(validate("4006381333931"), Ok("4006381333931".into()));
        assert_eq!(validate("96385074"), Ok("96385074".into()));
        assert_eq!(validate("376 0123 45001 0"), Ok("3760123450010".into()));
    }

    #[test]
    fn refuses_bad_codes() {
        assert_eq!(validate("3760123450011"), Err(EanError::Checksum));
        assert_eq!(validate("96385075"), Err(EanError::Checksum));
        assert_eq!(validate("376012345001"), Err(EanError::Length));
        assert_eq!(validate("3,76E+12"), Err(EanError::Scientific));
        assert_eq!(validate("3.76012E+12"), Err(EanError::Scientific));
        assert_eq!(validate("E12"), Err(EanError::NotDigits));
        assert_eq!(validate(""), Err(EanError::NotDigits));
    }

    #[test]
    fn numbers_from_spreadsheets() {
        assert_eq!(from_number(3_760_123_450_010.0), Ok("3760123450010".into()));
        assert_eq!(from_number(12_345_678_905.0), Ok("0012345678905".into()));
        assert_eq!(from_number(96_385_074.0), Ok("96385074".into()));
        assert_eq!(from_number(3_760_000_000_000.0), Err(EanError::Scientific));
        assert_eq!(from_number(3_760_123_450_011.0), Err(EanError::Checksum));
        assert_eq!(from_number(1.5), Err(EanError::NotDigits));
    }
}
