//! EAN-13 and EAN-8 barcodes (GTIN), with their check digit.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EanError {
    NotDigits,
    Length,
    Checksum,
}

impl EanError {
    pub fn message(self) -> &'static str {
        match self {
            EanError::NotDigits => "Code EAN invalide : uniquement des chiffres",
            EanError::Length => "Code EAN invalide : 8 ou 13 chiffres attendus",
            EanError::Checksum => "Code EAN invalide (clé de contrôle)",
        }
    }
}

/// Checks an EAN-13 or EAN-8 (spaces ignored) and returns it normalised.
pub fn validate(input: &str) -> Result<String, EanError> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
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
        assert_eq!(validate("3,76E+12"), Err(EanError::NotDigits));
        assert_eq!(validate(""), Err(EanError::NotDigits));
    }
}
