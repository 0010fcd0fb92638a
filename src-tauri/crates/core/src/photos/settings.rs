//! The studio's preferences kept in the shop database: the watched folder (where the
//! phone syncs its pictures), so the app watches it again at every start.

use std::path::{Path, PathBuf};

use crate::{Db, Error, Result};

const WATCH: &str = "photos.watch_folder";

/// The watched folder, if one is set.
pub async fn watch_folder(db: &Db) -> Result<Option<PathBuf>> {
    Ok(db.setting(WATCH).await?.filter(|v| !v.is_empty()).map(PathBuf::from))
}

/// Sets (or, with `None`, stops) the watched folder; a folder that does not exist is
/// refused with its name.
pub async fn set_watch_folder(db: &Db, folder: Option<&Path>) -> Result<()> {
    if let Some(f) = folder
        && !f.is_dir()
    {
        return Err(Error::invalid(
            "folder",
            "not_a_folder",
            format!("Le dossier « {} » n'existe pas ou n'est pas un dossier", f.display()),
        ));
    }
    db.set_setting(WATCH, &folder.map(|f| f.display().to_string()).unwrap_or_default()).await
}

const PRESET: &str = "photos.preset";

/// The derivatives the shop's marketplace wants (1600 px by default; some want 2048,
/// or a square on white).
pub async fn preset(db: &Db) -> Result<super::Preset> {
    match db.setting(PRESET).await? {
        Some(v) => crate::storage::stored_json("préréglage des photos", &v),
        None => Ok(super::Preset::default()),
    }
}

/// Keeps a new preset (normalised). The photos' derivatives are then stale:
/// `Studio::rebuild_stale` re-renders them from the originals.
///
/// The marketplace is sent renders made with the preset, so a changed preset puts
/// every product with photos back in the sync's outbox, in the same transaction.
pub async fn set_preset(db: &Db, preset: super::Preset) -> Result<super::Preset> {
    let p = preset.normalized();
    let json = serde_json::to_string(&p).map_err(|e| Error::Io(std::io::Error::other(e)))?;
    if self::preset(db).await?.normalized() == p {
        return Ok(p);
    }
    db.set_setting_and_requeue_photo_products(PRESET, &json).await?;
    Ok(p)
}
