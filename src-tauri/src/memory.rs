//! Gives the memory C libraries freed back to the system (issue 17).
//!
//! SQLite, GTK and WebKit's UI side allocate with the C library's malloc, which on Linux
//! (glibc) keeps what they free in per-thread arenas of up to 64 MB instead of returning
//! it. After the first sync of 50,000 products the app held 460 MB of PSS, 337 MB of it
//! free in four such arenas: `malloc_trim(0)` brought it to 123 MB (measured on the
//! running app with gdb, `tests/app/creep.rs`). Rust's own allocations go to mimalloc,
//! which returns its pages by itself.
//!
//! A thread looks every 30 s at how much is free in the arenas (`mallinfo2`) and trims
//! when it is over 32 MB: after a sync, an import, a photo batch or an export, whatever
//! did it. Trimming walks the arenas once (a few ms); below the threshold nothing is done.
//! (`mallinfo2` needs glibc 2.33; WebKitGTK 4.1, which Tauri 2 needs, comes with 2.35 at
//! the oldest, Ubuntu 22.04.)

/// Starts the trimming thread (glibc Linux; elsewhere there is nothing to do, see below).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn spawn_trimmer() {
    /// How often the arenas are looked at.
    const EVERY: std::time::Duration = std::time::Duration::from_secs(30);
    /// Free memory in the arenas above which it is given back.
    const THRESHOLD: usize = 32 << 20;
    let spawned = std::thread::Builder::new().name("malloc-trim".into()).spawn(|| {
        loop {
            std::thread::sleep(EVERY);
            // SAFETY: glibc's own functions, documented safe to call from any thread at any
            // time; they take each arena's lock in turn.
            #[allow(unsafe_code)]
            let free = unsafe { libc::mallinfo2() }.fordblks;
            if free > THRESHOLD {
                #[allow(unsafe_code)]
                let released = unsafe { libc::malloc_trim(0) };
                tracing::debug!(free_mb = free >> 20, released, "mémoire libre rendue au système");
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "pas de fil pour rendre la mémoire libre au système");
    }
}

/// Windows: the CRT's heap (the process heap) decommits freed pages itself. macOS: the
/// system allocator's zones give free pages back under memory pressure. musl: it returns
/// freed memory by itself. Nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn spawn_trimmer() {}
