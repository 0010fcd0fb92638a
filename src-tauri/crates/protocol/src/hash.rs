//! Content hashes both sides compute the same way, so a client can diff its
//! catalogue against `GET /v1/catalog/state` without downloading it.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Lowercase hex sha256 of raw bytes (media are addressed by this).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hash of a typed object's canonical JSON (struct field order, maps sorted).
///
/// Computed over the typed value, not the bytes received, so unknown fields and
/// whitespace never change it.
pub fn content_hash<T: Serialize>(value: &T) -> String {
    // Serializing plain data structs to a Vec cannot fail.
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    sha256_hex(&bytes)
}

/// True for a 64-character lowercase hex sha256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_is_the_known_value() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert!(is_sha256_hex(&sha256_hex(b"x")));
        assert!(!is_sha256_hex("E3B0"));
    }
}
