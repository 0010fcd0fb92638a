//! A watched folder (where the phone syncs its pictures): new image files are handed to
//! a callback once they have stopped changing for a moment (debounced), so a photo still
//! being copied is not read half-written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::{Error, Result};
use comptoir_photos::batch::has_image_extension;

/// Watches a folder while it is alive; dropping it stops watching.
pub struct FolderWatcher {
    watcher: Option<RecommendedWatcher>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FolderWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FolderWatcher")
    }
}

impl Drop for FolderWatcher {
    fn drop(&mut self) {
        // Dropping the watcher drops the event sender: the debounce thread ends.
        self.watcher.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Calls `on_new` with the image files (by extension) created or written in `dir`
/// (and its sub-folders), each once it has been quiet for `quiet`, in name order.
pub fn watch_folder(
    dir: &Path,
    quiet: Duration,
    on_new: impl Fn(Vec<PathBuf>) + Send + 'static,
) -> Result<FolderWatcher> {
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx).map_err(watch_error)?;
    watcher.watch(dir, RecursiveMode::Recursive).map_err(watch_error)?;
    let thread = std::thread::Builder::new().name("photos-watch".into()).spawn(move || {
        let mut pending: HashMap<PathBuf, Instant> = HashMap::new();
        let tick = (quiet / 4).max(Duration::from_millis(20));
        loop {
            match rx.recv_timeout(tick) {
                Ok(Ok(event)) => {
                    if matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_)) {
                        for p in event.paths {
                            if has_image_extension(&p)
                                && !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
                            {
                                pending.insert(p, Instant::now());
                            }
                        }
                    }
                }
                Ok(Err(e)) => tracing::warn!("surveillance du dossier : {e}"),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
            let mut ready: Vec<PathBuf> =
                pending.iter().filter(|(_, t)| t.elapsed() >= quiet).map(|(p, _)| p.clone()).collect();
            if ready.is_empty() {
                continue;
            }
            for p in &ready {
                pending.remove(p);
            }
            ready.retain(|p| p.is_file());
            ready.sort();
            if !ready.is_empty() {
                on_new(ready);
            }
        }
    })?;
    Ok(FolderWatcher { watcher: Some(watcher), thread: Some(thread) })
}

fn watch_error(e: notify::Error) -> Error {
    Error::Io(std::io::Error::other(format!("Impossible de surveiller le dossier : {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_photos_are_reported_once_quiet() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::channel();
        let w = watch_folder(dir.path(), Duration::from_millis(150), move |paths| {
            let _ = tx.send(paths);
        })
        .unwrap();
        std::fs::write(dir.path().join("b.jpg"), b"1").unwrap();
        std::fs::write(dir.path().join("a.JPG"), b"2").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"3").unwrap();
        std::fs::write(dir.path().join(".a.jpg.tmp"), b"4").unwrap();
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while seen.len() < 2 && Instant::now() < deadline {
            if let Ok(batch) = rx.recv_timeout(Duration::from_millis(200)) {
                seen.extend(batch);
            }
        }
        seen.sort();
        let names: Vec<_> = seen.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["a.JPG", "b.jpg"]);
        drop(w);
    }
}
