//! What the marketplace is sent of a product's photos: the studio's render of each —
//! the preset's main image with the photo's edits (quarter turns, crop, square), upright,
//! with no metadata at all — addressed by the sha256 of its own bytes. The original
//! never leaves the PC: it carries the GPS position where it was taken (often the
//! shopkeeper's home), lies on its side behind an EXIF orientation tag, and weighs 5–10
//! times the render.
//!
//! Only the main image goes: the marketplace derives the small sizes its pages need
//! from it, while sending the studio's 400 px thumbnail too would add about 15 % of
//! bytes on a 40 KB/s line and a second hash per photo to keep consistent.
//!
//! A render is hashed once and recorded per product photo with the fingerprint of the
//! preset and edits it was made with (`product_photo_renders`); an edit or a new preset
//! gives a new fingerprint, hence a new render and a new hash, and the product (put back
//! in the outbox by the edit's trigger or by `set_preset`) is sent pointing at it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use comptoir_protocol::catalog::ProductData;

use crate::photos::Studio;
use crate::photos::store::sha256_hex;
use crate::storage::sync_photos::SyncPhotoRow;
use crate::{Db, Result};

/// JPEG: every render is one.
pub const RENDER_MEDIA_TYPE: &str = "image/jpeg";

/// A render on disk, ready to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Render {
    pub sha256: String,
    pub path: PathBuf,
    pub bytes: u64,
    /// The product photo it was resolved for (to record a re-render).
    pub product_photo_id: i64,
    pub photo_sha: String,
    pub fingerprint: String,
}

/// The renders of one sync pass, resolved as products are sent.
pub struct Renders {
    db: Db,
    studio: Studio,
    /// product photo id → render, for this pass (the preset cannot change meanwhile:
    /// a new preset requeues the products, and the next pass sees it).
    by_photo: HashMap<i64, Render>,
    by_sha: HashMap<String, Render>,
}

impl Renders {
    /// The renders of a data directory's shop, with the preset in force.
    pub async fn new(db: &Db, data_dir: &Path) -> Result<Self> {
        let mut studio = Studio::new(db.clone(), data_dir);
        studio.preset = crate::photos::settings::preset(db).await?;
        Ok(Self { db: db.clone(), studio, by_photo: HashMap::new(), by_sha: HashMap::new() })
    }

    /// Fills the `images` of each product with its photos' renders, in display order,
    /// rendering (from the original) and hashing those not resolved yet.
    pub async fn fill(&mut self, products: &mut BTreeMap<String, ProductData>, all: bool) -> Result<()> {
        if products.is_empty() {
            return Ok(());
        }
        let rows = if all {
            self.db.sync_product_photos(None).await?
        } else {
            let uids: Vec<String> = products.keys().cloned().collect();
            self.db.sync_product_photos(Some(&uids)).await?
        };
        for row in rows {
            let Some(data) = products.get_mut(&row.product_uid) else { continue };
            let render = self.resolve(&row).await?;
            data.images.push(render.sha256.clone());
        }
        Ok(())
    }

    /// The renders of the given products' photos, in display order, by product uid
    /// (a product without photos, or deleted, is absent): [`Renders::fill`] without the
    /// products' data, for a pass that only needs to know which images they name.
    pub async fn images_of(&mut self, uids: &[String]) -> Result<BTreeMap<String, Vec<String>>> {
        let mut images: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if uids.is_empty() {
            return Ok(images);
        }
        for row in self.db.sync_product_photos(Some(uids)).await? {
            let render = self.resolve(&row).await?;
            images.entry(row.product_uid).or_default().push(render.sha256);
        }
        Ok(images)
    }

    /// A render this pass resolved, by its hash.
    pub fn get(&self, sha: &str) -> Option<&Render> {
        self.by_sha.get(sha)
    }

    async fn resolve(&mut self, row: &SyncPhotoRow) -> Result<Render> {
        if let Some(r) = self.by_photo.get(&row.product_photo_id) {
            return Ok(r.clone());
        }
        let fp = self.studio.fingerprint_of(&row.edits);
        let (main, _thumb) = self.studio.render_files(&row.photo_sha, row.format, &row.edits).await?;
        let render = match &row.render {
            // Recorded with this very preset and these edits: the file's hash is known.
            Some((rfp, sha, bytes)) if *rfp == fp => Render {
                sha256: sha.clone(),
                path: main,
                bytes: *bytes,
                product_photo_id: row.product_photo_id,
                photo_sha: row.photo_sha.clone(),
                fingerprint: fp,
            },
            _ => {
                let (sha, bytes) = hash_file(main.clone()).await?;
                self.db.set_product_photo_render(row.product_photo_id, &fp, &sha, bytes).await?;
                Render {
                    sha256: sha,
                    path: main,
                    bytes,
                    product_photo_id: row.product_photo_id,
                    photo_sha: row.photo_sha.clone(),
                    fingerprint: fp,
                }
            }
        };
        self.by_photo.insert(row.product_photo_id, render.clone());
        self.by_sha.insert(render.sha256.clone(), render.clone());
        Ok(render)
    }
}

/// The products as the marketplace must hold them (their wire data, images as
/// renders): all of them, or the given ones.
pub async fn wire_products(db: &Db, data_dir: &Path, uids: Option<&[String]>) -> Result<BTreeMap<String, ProductData>> {
    let mut products = db.sync_product_data(uids).await?;
    Renders::new(db, data_dir).await?.fill(&mut products, uids.is_none()).await?;
    Ok(products)
}

/// sha256 and size of a file, off the async threads.
async fn hash_file(path: PathBuf) -> Result<(String, u64)> {
    tokio::task::spawn_blocking(move || -> Result<(String, u64)> {
        let bytes = std::fs::read(&path)?;
        Ok((sha256_hex(&bytes), bytes.len() as u64))
    })
    .await
    .map_err(|e| crate::Error::Io(std::io::Error::other(e.to_string())))?
}

/// Reads a render to upload and checks that it still is what its hash says. A render
/// file is rebuilt when missing (a preset change removed it meanwhile) by the caller.
pub async fn read_render(path: &Path, sha: &str) -> Result<Option<Vec<u8>>> {
    let path = path.to_path_buf();
    let sha = sha.to_owned();
    tokio::task::spawn_blocking(move || -> Result<Option<Vec<u8>>> {
        match std::fs::read(&path) {
            Ok(b) if sha256_hex(&b) == sha => Ok(Some(b)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await
    .map_err(|e| crate::Error::Io(std::io::Error::other(e.to_string())))?
}
