//! What never leaves the PC in a support report: the secrets the caller names (the
//! marketplace token, the backup passphrase), the customers' names, phones and e-mails
//! the orders hold, and anything shaped like an e-mail address, a French phone number,
//! an international one, or a credential (`Authorization: …`, `Bearer …`, `token=…`).
//!
//! Every text goes through [`Redactor::redact`] just before it is zipped, so a detail
//! that slipped into a log line or an error message from anywhere is masked too.
//! Masking too much is the safe side: a customer called « Camembert » hides the cheese.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::storage::report::CustomerDetails;
use crate::{Error, Result};

/// What a masked detail is replaced by.
pub const MASK: &str = "[masqué]";

/// Shorter name parts (« Le », « Di ») are masked only inside the whole name: alone,
/// they would mask half the words of a report.
const MIN_NAME_PART: usize = 3;
/// A digit run matches a stored phone by its last digits (the national number without
/// its prefix, however it was written).
const PHONE_TAIL: usize = 8;
/// Words after which a value is a credential.
const CREDENTIAL_KEYS: [&str; 8] =
    ["authorization", "token", "jeton", "pairing_code", "passphrase", "password", "secret", "api_key"];

pub struct Redactor {
    /// Secrets and stored e-mails, masked wherever they occur.
    exact: Option<AhoCorasick>,
    /// Customers' names and their parts, masked as whole words.
    words: Option<AhoCorasick>,
    /// The last [`PHONE_TAIL`] digits of each stored phone number.
    phone_tails: Vec<String>,
}

/// `None` for no needle. A needle set that cannot be built fails the report: a report
/// is not written unmasked.
fn automaton(needles: Vec<String>) -> Result<Option<AhoCorasick>> {
    if needles.is_empty() {
        return Ok(None);
    }
    // Case variants beyond ASCII (« ÉLODIE » for « Élodie ») are needles of their own.
    let mut all: Vec<String> = needles.iter().flat_map(|n| [n.clone(), n.to_lowercase(), n.to_uppercase()]).collect();
    all.sort();
    all.dedup();
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(all)
        .map(Some)
        .map_err(|e| Error::Io(std::io::Error::other(format!("masquage des données des clients impossible : {e}"))))
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

impl Redactor {
    pub fn new(secrets: &[String], customers: &CustomerDetails) -> Result<Self> {
        let mut exact: Vec<String> = secrets.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        // Phones too as written, whatever their shape (the digit rules below catch the rest).
        let stored = customers.emails.iter().chain(&customers.phones).map(|e| e.trim());
        exact.extend(stored.filter(|e| e.chars().count() >= MIN_NAME_PART).map(str::to_owned));
        let mut words = Vec::new();
        for name in &customers.names {
            let name = name.trim();
            // A one-letter name would mask every lone letter of the report.
            if name.chars().count() < 2 {
                continue;
            }
            words.push(name.to_owned());
            words.extend(
                name.split(|c: char| !c.is_alphanumeric())
                    .filter(|p| p.chars().count() >= MIN_NAME_PART)
                    .map(str::to_owned),
            );
        }
        let phone_tails = customers
            .phones
            .iter()
            .map(|p| digits(p))
            .filter(|d| d.len() >= PHONE_TAIL)
            .map(|d| d[d.len() - PHONE_TAIL..].to_owned())
            .collect();
        Ok(Self { exact: automaton(exact)?, words: automaton(words)?, phone_tails })
    }

    pub fn redact(&self, text: &str) -> String {
        let mut t = String::with_capacity(text.len());
        match &self.exact {
            Some(ac) => ac.replace_all_with(text, &mut t, |_, _, dst| {
                dst.push_str(MASK);
                true
            }),
            None => t.push_str(text),
        }
        t = mask_credentials(&t);
        t = mask_emails(&t);
        t = self.mask_phones(&t);
        if let Some(ac) = &self.words {
            t = mask_whole_words(ac, &t);
        }
        t
    }

    /// Every string of a JSON document (masking its serialized text could miss a value
    /// JSON escapes, such as a name with a quote).
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => *s = self.redact(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|v| self.redact_json(v)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|v| self.redact_json(v)),
            _ => {}
        }
    }

    fn mask_phones(&self, text: &str) -> String {
        let b = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let (mut i, mut copied) = (0, 0);
        while i < b.len() {
            let starts = (b[i].is_ascii_digit() || (b[i] == b'+' && b.get(i + 1).is_some_and(u8::is_ascii_digit)))
                && !text[..i].chars().next_back().is_some_and(is_word);
            if !starts {
                i += 1;
                continue;
            }
            let end = digit_run_end(b, i);
            let glued = text[end..].chars().next().is_some_and(is_word);
            if !glued && self.is_phone(&text[i..end]) {
                out.push_str(&text[copied..i]);
                out.push_str(MASK);
                copied = end;
            }
            i = end.max(i + 1);
        }
        out.push_str(&text[copied..]);
        out
    }

    fn is_phone(&self, run: &str) -> bool {
        let d = digits(run);
        let international = run.starts_with('+') || d.starts_with("00");
        let d = d.strip_prefix("00").unwrap_or(&d);
        let french = match d.strip_prefix("33") {
            Some(n) if international => n.strip_prefix('0').unwrap_or(n),
            _ if international => "",
            _ => d.strip_prefix('0').unwrap_or(""),
        };
        let french_shaped = french.len() == 9 && !french.starts_with('0') && (international || d.len() == 10);
        let any_international = international && (8..=15).contains(&d.len());
        let stored = d.len() >= PHONE_TAIL && self.phone_tails.iter().any(|t| d.ends_with(t.as_str()));
        french_shaped || any_international || stored
    }
}

/// Where a run of digits written as a phone number ends: digits, and separators
/// between them (one or two of space, dot, dash, brackets: « +33 (0)6 12… »).
fn digit_run_end(b: &[u8], start: usize) -> usize {
    let is_sep = |c: &u8| matches!(c, b' ' | b'.' | b'-' | b'(' | b')');
    let mut j = if b[start] == b'+' { start + 1 } else { start };
    loop {
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let seps = b[j..].iter().take(2).take_while(|c| is_sep(c)).count();
        if seps == 0 || !b.get(j + seps).is_some_and(u8::is_ascii_digit) {
            return j;
        }
        j += seps;
    }
}

/// Letters, digits and `_`: a number glued to one is part of a name or an id.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn mask_whole_words(ac: &AhoCorasick, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for m in ac.find_iter(text) {
        let before = text[..m.start()].chars().next_back().is_some_and(char::is_alphanumeric);
        let after = text[m.end()..].chars().next().is_some_and(char::is_alphanumeric);
        if before || after {
            continue;
        }
        out.push_str(&text[copied..m.start()]);
        out.push_str(MASK);
        copied = m.end();
    }
    out.push_str(&text[copied..]);
    out
}

fn is_email_local(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

fn mask_emails(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices('@') {
        if at < copied {
            continue;
        }
        let start = text[copied..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_email_local(*c))
            .last()
            .map_or(at, |(i, _)| copied + i);
        let domain = &text[at + 1..];
        let len = domain.char_indices().find(|(_, c)| !is_email_domain(*c)).map_or(domain.len(), |(i, _)| i);
        let domain = domain[..len].trim_end_matches(['.', '-']);
        let dot = domain.find('.').is_some_and(|i| i > 0 && i + 1 < domain.len());
        if start == at || !dot {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(MASK);
        copied = at + 1 + domain.len();
    }
    out.push_str(&text[copied..]);
    out
}

/// `Authorization: …` and `Bearer …` to the end of their value, and `token=…`,
/// `"passphrase": "…"` and the like.
fn mask_credentials(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let b = text.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (pos, _) in lower.match_indices("bearer ") {
        let s = pos + "bearer ".len();
        let e = s + b[s..].iter().take_while(|c| c.is_ascii_alphanumeric() || b"-._~+/=".contains(c)).count();
        if e > s {
            spans.push((s, e));
        }
    }
    for key in CREDENTIAL_KEYS {
        for (pos, _) in lower.match_indices(key) {
            let glued_before = pos > 0 && (b[pos - 1].is_ascii_alphanumeric());
            let mut s = pos + key.len();
            if glued_before || b.get(s).is_some_and(u8::is_ascii_alphanumeric) {
                continue;
            }
            s += b[s..].iter().take_while(|c| matches!(c, b'"' | b'\'' | b' ')).count();
            if !matches!(b.get(s), Some(b':' | b'=')) {
                continue;
            }
            s += 1;
            s += b[s..].iter().take_while(|c| matches!(c, b'"' | b'\'' | b' ')).count();
            // An Authorization header's value runs to the end of the line (« Basic … »).
            let stop: &[u8] = if key == "authorization" { b"\r\n\"'" } else { b" \t\r\n\"',;&" };
            let e = s + b[s..].iter().take_while(|c| !stop.contains(c)).count();
            if e > s {
                spans.push((s, e));
            }
        }
    }
    if spans.is_empty() {
        return text.to_owned();
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (s, e) in spans {
        if s < copied {
            continue;
        }
        out.push_str(&text[copied..s]);
        out.push_str(MASK);
        copied = e;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        let customers = CustomerDetails {
            names: vec!["Élodie Quatrebarbes".into(), "Jo Lê".into()],
            emails: vec!["elodie.q@exemple.fr".into()],
            phones: vec!["+44 20 7946 0958".into()],
        };
        Redactor::new(&["tok_S3cr3t-ABC".into(), " ".into()], &customers).unwrap()
    }

    #[test]
    fn secrets_customers_and_shapes_are_masked() {
        let r = redactor();
        let cases = [
            ("jeton tok_S3cr3t-ABC envoyé", "jeton [masqué] envoyé"),
            ("client ÉLODIE QUATREBARBES, puis quatrebarbes", "client [masqué], puis [masqué]"),
            ("Quatrebarbesville reste", "Quatrebarbesville reste"),
            ("Jo Lê a commandé", "[masqué] a commandé"),
            ("écrire à Marc.Dupont+bio@ferme-normande.fr.", "écrire à [masqué]."),
            ("tél. 06 12 34 56 78 ou 0612345678", "tél. [masqué] ou [masqué]"),
            ("+33 6 12 34 56 78 / +33 (0)6 12 34 56 78", "[masqué] / [masqué]"),
            ("London 020 7946 0958", "London [masqué]"),
            ("Authorization: Bearer abc.def-ghi", "Authorization: [masqué]"),
            ("header bearer abcdefgh1234 sent", "header bearer [masqué] sent"),
            (
                r#"{"token": "xyz123", "pairing_code":"ABCD-1234"}"#,
                r#"{"token": "[masqué]", "pairing_code":"[masqué]"}"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(r.redact(input), want, "{input}");
        }
    }

    #[test]
    fn ordinary_figures_are_left_alone() {
        let r = redactor();
        for s in [
            "2026-11-28T10:00:00.123Z  WARN comptoir_core::sync::engine: HTTP 503",
            "le 05/11/2026 10:00, 1 234 567 octets, commande n° 1042, version 0.1.0",
            "sha 0a1b2c0612345678ff, photo IMG_0612345678.jpg, 127.0.0.1:8080",
            "Jeton refusé par la place de marché",
        ] {
            assert_eq!(r.redact(s), s);
        }
    }

    #[test]
    fn json_strings_are_masked_where_escaping_would_hide_them() {
        let customers = CustomerDetails { names: vec!["Anne \"Nanou\" Roy".into()], ..CustomerDetails::default() };
        let r = Redactor::new(&[], &customers).unwrap();
        let mut v = serde_json::json!({ "e": ["vu Anne \"Nanou\" Roy"] });
        r.redact_json(&mut v);
        assert_eq!(v, serde_json::json!({ "e": ["vu [masqué]"] }));
    }
}
