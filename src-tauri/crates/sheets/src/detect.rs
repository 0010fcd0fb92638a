//! What kind of file is this, and for text files, which encoding and which delimiter.

use encoding_rs::{Encoding, ISO_8859_15, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// CSV, TSV or TXT: delimited text.
    Text,
    Xlsx,
    Xls,
    Ods,
}

impl FileFormat {
    pub fn label(self) -> &'static str {
        match self {
            FileFormat::Text => "texte (CSV)",
            FileFormat::Xlsx => "Excel (XLSX)",
            FileFormat::Xls => "Excel 97-2003 (XLS)",
            FileFormat::Ods => "LibreOffice (ODS)",
        }
    }
}

/// Decides from the first bytes, then from the extension: a `.csv` that is really an
/// XLSX (it happens: "Enregistrer sous" with the wrong type) is read as an XLSX.
pub fn format_of(bytes: &[u8], file_name: &str) -> FileFormat {
    if bytes.starts_with(b"PK\x03\x04") {
        // ODS keeps its MIME type uncompressed at the start of the archive.
        let head = &bytes[..bytes.len().min(200)];
        if head.windows(39).any(|w| w == b"application/vnd.oasis.opendocument.spr") {
            return FileFormat::Ods;
        }
        if file_name.to_ascii_lowercase().ends_with(".ods") {
            return FileFormat::Ods;
        }
        return FileFormat::Xlsx;
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return FileFormat::Xls;
    }
    FileFormat::Text
}

/// Decodes delimited text: BOM first, then UTF-16 without BOM (zero bytes every other
/// byte), then strict UTF-8, then chardetng's guess among the Western encodings
/// (Windows-1252 as French Excel writes, ISO-8859-15 when its `€` is there).
pub fn decode_text(bytes: &[u8]) -> (String, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return (text.into_owned(), enc);
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(bytes);
        return (text.into_owned(), enc);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (s.to_owned(), UTF_8);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(&detection_sample(bytes), true);
    let guess = detector.guess(Some(b"fr"), chardetng::Utf8Detection::Allow);
    let enc = if guess == WINDOWS_1252 || guess == ISO_8859_15 {
        // chardetng answers windows-1252 for both; ISO-8859-15 puts € at 0xA4
        // where Windows-1252 has ¤, which no price list contains.
        if bytes.contains(&0xA4) && !bytes.contains(&0x80) { ISO_8859_15 } else { WINDOWS_1252 }
    } else if is_western(guess) {
        guess
    } else {
        WINDOWS_1252
    };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text.into_owned(), enc)
}

/// What chardetng is given to guess from. It spends about 80 instructions on every byte
/// it reads: fed a whole 10 MB price list, it was a third of the CPU time of the import.
/// Only bytes above 0x7F tell the candidate encodings apart, so a large file is sampled:
/// its lines holding such bytes (whole, for the letters around them), in file order,
/// up to 256 KB. A file that small is given whole, as before.
fn detection_sample(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    const MAX: usize = 256 * 1024;
    if bytes.len() <= MAX {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut sample = Vec::with_capacity(MAX);
    for line in bytes.split_inclusive(|b| *b == b'\n').filter(|l| !l.is_ascii()) {
        let room = MAX - sample.len();
        if line.len() > room {
            sample.extend_from_slice(&line[..room]);
            break;
        }
        sample.extend_from_slice(line);
    }
    std::borrow::Cow::Owned(sample)
}

fn is_western(enc: &'static Encoding) -> bool {
    matches!(enc.name(), "windows-1252" | "ISO-8859-15" | "ISO-8859-2" | "windows-1250" | "macintosh")
}

fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_zero = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_zero = sample.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    if odd_zero * 10 > pairs * 7 && even_zero * 10 < pairs {
        Some(UTF_16LE)
    } else if even_zero * 10 > pairs * 7 && odd_zero * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Picks `;`, `,`, tab or `|`: the one that splits the first lines into the same
/// number of fields most often (quoted parts ignored). `12,50` in a `;` file puts a
/// varying number of commas on each line, so the semicolon wins.
pub fn detect_delimiter(text: &str) -> u8 {
    const CANDIDATES: [u8; 4] = [b';', b'\t', b',', b'|'];
    let lines: Vec<&str> = logical_lines(text, 60);
    let mut best = (b';', 0usize, 0usize);
    for &d in &CANDIDATES {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).filter(|&c| c > 0).collect();
        if counts.is_empty() {
            continue;
        }
        // The most frequent count, and on how many lines it occurs.
        let mut freq: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for c in &counts {
            *freq.entry(*c).or_default() += 1;
        }
        let (mode, lines_with_mode) =
            freq.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0))).unwrap_or((0, 0));
        if (lines_with_mode, mode) > (best.1, best.2) {
            best = (d, lines_with_mode, mode);
        }
    }
    best.0
}

/// The first `max` non-blank records, joining lines inside quotes.
fn logical_lines(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                let line = text[start..i].trim_end_matches('\r');
                if !line.trim().is_empty() {
                    out.push(line);
                    if out.len() >= max {
                        return out;
                    }
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim_end_matches('\r');
    if !last.trim().is_empty() && out.len() < max {
        out.push(last);
    }
    out
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut in_quotes = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == d && !in_quotes {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let (s, e) = decode_text("\u{feff}Réf;Prix".as_bytes());
        assert_eq!((s.as_str(), e), ("Réf;Prix", UTF_8));
        let (bytes, _, _) = WINDOWS_1252.encode("Désignation;Prix\nPâté;4,50 €\n");
        let (s, e) = decode_text(&bytes);
        assert_eq!(e, WINDOWS_1252);
        assert!(s.contains("Pâté;4,50 €"));
        let utf16: Vec<u8> = "Réf\tPrix\r\nA\t1\r\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let (s, e) = decode_text(&utf16);
        assert_eq!((s.as_str(), e), ("Réf\tPrix\r\nA\t1\r\n", UTF_16LE));
        let (bytes, _, _) = ISO_8859_15.encode("Prix;Œuf\n4,50 €;x\n");
        assert_eq!(decode_text(&bytes).1, ISO_8859_15);
    }

    /// A large file is guessed from a sample: its lines with bytes above 0x7F, wherever
    /// they are (here only after 400 KB of plain ASCII), and the whole file is decoded.
    #[test]
    fn large_files_are_guessed_from_their_non_ascii_lines() {
        let mut text = String::from("Réf;Désignation;Prix\n");
        for i in 0..20_000 {
            text.push_str(&format!("R{i};Produit {i};1,50\n"));
        }
        for i in 0..2000 {
            text.push_str(&format!("P{i};Pâté de campagne n° {i} à l'ancienne;4,50 €\n"));
        }
        let (bytes, _, _) = WINDOWS_1252.encode(&text);
        assert!(bytes.len() > 512 * 1024);
        let sample = detection_sample(&bytes);
        assert!(sample.len() <= 256 * 1024 && !sample.is_empty());
        assert!(sample.split(|b| *b == b'\n').all(|l| l.is_empty() || !l.is_ascii()));
        let (s, e) = decode_text(&bytes);
        assert_eq!(e, WINDOWS_1252);
        assert_eq!(s, text);
        // The same file saved as ISO-8859-15 (€ at 0xA4) is still told apart.
        let (bytes, _, _) = ISO_8859_15.encode(&text);
        assert_eq!(decode_text(&bytes), (text.clone(), ISO_8859_15));
        // A line longer than the sample is cut to it.
        let long = vec![0xE9u8; 300 * 1024];
        assert_eq!(detection_sample(&long).len(), 256 * 1024);
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("Réf;Prix;Nom\nA;12,50;\"x;y\"\nB;1,5;z\n"), b';');
        assert_eq!(detect_delimiter("sku,price,name\nA,12.50,x\nB,1.5,\"y, z\"\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2,5\t3\n"), b'\t');
        assert_eq!(detect_delimiter("a|b\n1|2\n"), b'|');
    }

    #[test]
    fn formats() {
        assert_eq!(format_of(b"PK\x03\x04....", "x.csv"), FileFormat::Xlsx);
        assert_eq!(format_of(b"a;b", "x.xlsx"), FileFormat::Text);
        assert_eq!(format_of(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0], "x"), FileFormat::Xls);
    }
}
