//! Random identifiers and secrets.

use sha2::{Digest, Sha256};

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS RNG failing is not something a server can recover from.
    getrandom::fill(&mut buf).expect("OS random number generator unavailable");
    buf
}

pub fn shop_id() -> String {
    format!("shop_{}", hex::encode(random_bytes::<8>()))
}

pub fn order_id() -> String {
    format!("ord_{}", hex::encode(random_bytes::<8>()))
}

pub fn request_id() -> String {
    format!("req_{}", hex::encode(random_bytes::<8>()))
}

/// Bearer secret: 256 bits, prefixed so that leaked tokens are recognisable.
pub fn token() -> String {
    format!("cpt_{}", hex::encode(random_bytes::<32>()))
}

/// Short code an admin reads out to a shopkeeper: Crockford base32, no I/L/O/U.
pub fn pairing_code() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = random_bytes::<10>();
    let chars: String = bytes.iter().map(|b| ALPHABET[(*b & 31) as usize] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Code the customer shows at the counter.
pub fn pickup_code() -> String {
    let b = random_bytes::<4>();
    format!("{:06}", u32::from_le_bytes(b) % 1_000_000)
}

/// Secrets (tokens, pairing codes) are stored and looked up by this hash only.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().to_ascii_uppercase().as_bytes()))
}
