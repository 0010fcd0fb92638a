//! Content-addressed photo files in the data directory:
//! `<data>/photos/ab/abcdef….jpg` for an original (its sha256, its own extension) and
//! `<data>/photos/ab/abcdef…-<fingerprint>-main.jpg` / `-thumb.jpg` for derivatives.
//! The same photo imported twice is one file; a new preset or edit is a new fingerprint.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::probe::Format;

/// Which derivative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Main,
    Thumb,
}

#[derive(Debug, Clone)]
pub struct PhotoStore {
    root: PathBuf,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl PhotoStore {
    /// The store of a data directory (`<data>/photos`).
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self { root: data_dir.join("photos") }
    }

    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, sha: &str) -> PathBuf {
        self.root.join(sha.get(..2).unwrap_or("00"))
    }

    pub fn original_path(&self, sha: &str, format: Format) -> PathBuf {
        self.dir(sha).join(format!("{sha}.{}", format.extension()))
    }

    pub fn derivative_path(&self, sha: &str, fingerprint: &str, kind: Kind) -> PathBuf {
        self.dir(sha).join(Self::derivative_name(sha, fingerprint, kind))
    }

    pub fn has_derivatives(&self, sha: &str, fingerprint: &str) -> bool {
        self.derivative_path(sha, fingerprint, Kind::Main).is_file()
            && self.derivative_path(sha, fingerprint, Kind::Thumb).is_file()
    }

    /// Writes `bytes` at `path` unless it is already there; atomic (temp file + rename),
    /// so a crash never leaves half a photo under a content name.
    pub fn put(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        if path.is_file() {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)?;
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let tmp = dir.join(format!(
            ".{}.{}-{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("photo"),
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        drop(f);
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    /// The derivative a window may show, from its bare file name
    /// (`<sha256>-<fingerprint>-main.jpg` or `-thumb.jpg`): anything else — another
    /// directory, an original, a path with separators — is `None`, so the app's image
    /// protocol can never be turned into a way to read other files.
    pub fn public_derivative(&self, name: &str) -> Option<PathBuf> {
        let stem = name.strip_suffix("-main.jpg").or_else(|| name.strip_suffix("-thumb.jpg"))?;
        let (sha, fp) = stem.split_once('-')?;
        let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        (hex(sha, 64) && hex(fp, 12)).then(|| self.dir(sha).join(name))
    }

    /// The bare file name [`PhotoStore::public_derivative`] takes.
    pub fn derivative_name(sha: &str, fingerprint: &str, kind: Kind) -> String {
        let k = match kind {
            Kind::Main => "main",
            Kind::Thumb => "thumb",
        };
        format!("{sha}-{fingerprint}-{k}.jpg")
    }

    /// Removes the derivatives of one fingerprint (when a preset changed); missing
    /// files are fine.
    pub fn remove_derivatives(&self, sha: &str, fingerprint: &str) {
        for k in [Kind::Main, Kind::Thumb] {
            let _ = std::fs::remove_file(self.derivative_path(sha, fingerprint, k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_derivative_names_are_public() {
        let store = PhotoStore::at("/data/photos");
        let sha = "ab".repeat(32);
        let name = PhotoStore::derivative_name(&sha, "0123456789ab", Kind::Thumb);
        assert_eq!(store.public_derivative(&name), Some(store.derivative_path(&sha, "0123456789ab", Kind::Thumb)));
        assert!(store.public_derivative(&format!("{sha}-0123456789ab-main.jpg")).is_some());
        for bad in [
            format!("{sha}.jpg"),
            format!("../{sha}-0123456789ab-main.jpg"),
            format!("{sha}-0123456789ab-main.jpg/../../etc/passwd"),
            format!("{}-0123456789ab-main.jpg", "AB".repeat(32)),
            format!("{sha}-0123456789a-main.jpg"),
            "..%2F..%2Fetc%2Fpasswd".to_owned(),
            String::new(),
        ] {
            assert_eq!(store.public_derivative(&bad), None, "{bad}");
        }
    }
}
