//! File-system steps of a backup that must survive a crash or a pulled USB key: files
//! written under a temporary name, flushed, then renamed; directories flushed so that
//! the rename itself is on the disk; one backup at a time per backup folder (a lock the
//! OS releases when the process dies, even by `kill -9`).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Hex sha256 of a digest.
pub(crate) fn hex(d: &[u8]) -> String {
    let mut s = String::with_capacity(d.len() * 2);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// sha256 and length of a file, read in 1 MiB slices.
pub(crate) fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex(&h.finalize()), n))
}

/// Makes a directory entry change (a create, a rename) durable.
///
/// - Linux and other Unixes: `fsync` on the directory, as POSIX asks for renames.
/// - macOS: the same; `File::sync_all` is `F_FULLFSYNC` there, which also flushes the
///   drive's cache (a USB key pulled right after a backup keeps it).
/// - Windows: NTFS journals its metadata and `MoveFileExW` (what `rename` is) is
///   complete when it returns; a directory handle cannot be flushed without write
///   access to it, so there is nothing to do. FAT/exFAT keys are flushed by Windows'
///   "quick removal" policy, the default for removable drives.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        match File::open(dir)?.sync_all() {
            // Some file systems a destination may be on (SMB/CIFS shares, exFAT on macOS)
            // do not flush directories (EINVAL, ENOTSUP): they write metadata through.
            Err(e) if matches!(e.kind(), std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Unsupported) => Ok(()),
            other => other,
        }
    }
    #[cfg(windows)]
    {
        let _ = dir;
        Ok(())
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Renames a finished file or directory into place and makes that durable.
///
/// On Windows `rename` refuses to replace an existing directory and a file another
/// process holds open; backups only ever rename to fresh names, so both are errors
/// worth reporting rather than retrying. On Unix it is atomic.
pub(crate) fn promote(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::rename(from, to)?;
    if let Some(parent) = to.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary name in the same directory.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = tmp_name(path);
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    promote(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// `.<name>.<pid>.tmp` beside `path`: hidden, and never taken for a content-addressed
/// photo (whose names are a hash and an extension).
pub(crate) fn tmp_name(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Copies a content-addressed file, checking on the way that its bytes still hash to
/// `sha` (a photo damaged on the shop's disk is reported, not spread to every backup).
/// Returns the bytes written, or `Ok(None)` when the source does not match its name.
pub(crate) fn copy_verified(from: &Path, to: &Path, sha: &str) -> std::io::Result<Option<u64>> {
    let mut src = File::open(from)?;
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = tmp_name(to);
    let result = (|| -> std::io::Result<Option<u64>> {
        let mut out = File::create(&tmp)?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut n = 0u64;
        loop {
            let k = src.read(&mut buf)?;
            if k == 0 {
                break;
            }
            h.update(&buf[..k]);
            out.write_all(&buf[..k])?;
            n += k as u64;
        }
        if hex(&h.finalize()) != sha {
            return Ok(None);
        }
        out.sync_all()?;
        Ok(Some(n))
    })();
    match result {
        Ok(Some(n)) => {
            std::fs::rename(&tmp, to)?;
            Ok(Some(n))
        }
        other => {
            let _ = std::fs::remove_file(&tmp);
            other
        }
    }
}

/// A hard link when `from` and `to` share a file system (the local backups beside the
/// data: the same immutable photo twice for free), else `None`. A content-addressed
/// original is never rewritten in place, so sharing its inode is safe.
pub(crate) fn link(from: &Path, to: &Path) -> Option<u64> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    std::fs::hard_link(from, to).ok()?;
    std::fs::metadata(to).ok().map(|m| m.len())
}

/// One backup (or restore) at a time in a folder. The lock is an OS file lock: it goes
/// with the process, so a backup killed mid-way never blocks the next one.
pub(crate) struct FolderLock {
    _file: File,
}

impl FolderLock {
    /// Waits for the lock (another backup of the same folder finishing).
    pub(crate) fn take(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(".lock"))?;
        match file.lock() {
            Ok(()) => {}
            // A share that cannot lock files: one Comptoir per shop writes there anyway.
            Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {}
            Err(e) => return Err(e),
        }
        Ok(Self { _file: file })
    }
}

/// Removes `path` whether it is a file or a directory; absent is fine.
pub(crate) fn remove_any(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
