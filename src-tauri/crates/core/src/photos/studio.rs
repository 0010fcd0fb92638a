//! The studio's services: what the desktop shell and the CLI call. Heavy work runs on
//! blocking threads; the database is written from the async side.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::batch::{self, BatchOptions, CancelFlag, Outcome, Progress};
use super::matching::{MatchProposal, candidates};
use super::pipeline::render;
use super::preset::{Crop, Edits, Preset};
use super::probe::Format;
use super::problem::PhotoProblem;
use super::store::{Kind, PhotoStore};
use super::{NewPhoto, PhotoRecord, ProductPhotoRow, QualityNote};
use crate::{Db, Error, Result};

/// Everything the studio needs: the database, the photo files, the preset in force.
#[derive(Debug, Clone)]
pub struct Studio {
    pub db: Db,
    pub store: PhotoStore,
    pub preset: Preset,
    pub options: BatchOptions,
}

/// One file of an import, for the review list.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ImportedFile {
    pub name: String,
    pub path: PathBuf,
    /// `imported`, `duplicate` (already in the library: stored once), `failed`, `cancelled`.
    pub status: String,
    pub photo: Option<PhotoRecord>,
    pub quality: Vec<QualityNote>,
    pub problem: Option<PhotoProblem>,
    /// The product its name points to, if any (to review before applying).
    pub proposal: Option<MatchProposal>,
}

/// (Named `PhotoImportReport` in the TypeScript bindings: the spreadsheet import has its own.)
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename = "PhotoImportReport")]
pub struct ImportReport {
    pub files: Vec<ImportedFile>,
    pub proposals: Vec<MatchProposal>,
    pub imported: u32,
    pub duplicates: u32,
    pub failed: u32,
    pub cancelled: bool,
    pub seconds: f32,
    pub per_second: f32,
}

/// A product's photo with its files (rendered with its edits for the current preset).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ProductPhoto {
    #[serde(flatten)]
    pub row: ProductPhotoRow,
    pub is_main: bool,
    pub photo: PhotoRecord,
    pub quality: Vec<QualityNote>,
    pub main_path: PathBuf,
    pub thumb_path: PathBuf,
}

/// A photo of the library with the products it is on, for the studio's grid.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LibraryPhoto {
    pub photo: PhotoRecord,
    pub quality: Vec<QualityNote>,
    /// Names of the products showing it (empty: still to attach).
    pub products: Vec<String>,
}

fn blocking_error(e: tokio::task::JoinError) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

impl Studio {
    /// The studio of a data directory, with the default preset and one worker per core.
    pub fn new(db: Db, data_dir: &Path) -> Self {
        Self {
            db,
            store: PhotoStore::in_data_dir(data_dir),
            preset: Preset::default(),
            options: BatchOptions::default(),
        }
    }

    fn fingerprint(&self) -> String {
        self.preset.normalized().fingerprint(&Edits::default())
    }

    /// Imports files and folders: processes and stores every photo (each bad file is
    /// reported by name, the batch goes on), records them, and proposes products by file
    /// name. Nothing is attached until [`Studio::apply_matches`].
    pub async fn import(
        &self,
        paths: Vec<PathBuf>,
        on_progress: Arc<dyn Fn(&Progress) + Send + Sync>,
        cancel: CancelFlag,
        now: DateTime<Utc>,
    ) -> Result<ImportReport> {
        let known = self.db.photo_fingerprints().await?;
        let (store, preset, options) = (self.store.clone(), self.preset, self.options.clone());
        let known_for_batch = known.clone();
        let report = tokio::task::spawn_blocking(move || {
            let files = batch::collect_files(&paths);
            batch::process_batch(&files, &store, &preset, &options, &known_for_batch, &*on_progress, &cancel)
        })
        .await
        .map_err(blocking_error)?;

        let mut seen: HashSet<String> = HashSet::new();
        let mut out = ImportReport {
            files: Vec::with_capacity(report.files.len()),
            proposals: Vec::new(),
            imported: 0,
            duplicates: 0,
            failed: 0,
            cancelled: report.cancelled,
            seconds: report.seconds,
            per_second: 0.0,
        };
        for f in report.files {
            let mut item = ImportedFile {
                name: f.name.clone(),
                path: f.path.clone(),
                status: String::new(),
                photo: None,
                quality: Vec::new(),
                problem: None,
                proposal: None,
            };
            let sha = match f.outcome {
                Outcome::Processed(p) => {
                    let record = self
                        .db
                        .upsert_photo(
                            &NewPhoto {
                                sha256: p.sha256.clone(),
                                original_name: f.name.clone(),
                                format: p.summary.format,
                                width: p.summary.width,
                                height: p.summary.height,
                                byte_size: p.byte_size,
                                quality_flags: p.quality.flags.clone(),
                                sharpness: p.quality.sharpness,
                                preset_fp: p.fingerprint.clone(),
                            },
                            now,
                        )
                        .await?;
                    let dup = known.contains_key(&p.sha256) || seen.contains(&p.sha256);
                    item.status = if dup { "duplicate" } else { "imported" }.into();
                    item.photo = Some(record);
                    Some(p.sha256)
                }
                Outcome::Known { sha256 } => {
                    item.status = "duplicate".into();
                    item.photo = self.db.photo(&sha256).await?;
                    Some(sha256)
                }
                Outcome::Failed(problem) => {
                    item.status = "failed".into();
                    item.problem = Some(problem);
                    None
                }
                Outcome::Cancelled => {
                    item.status = "cancelled".into();
                    None
                }
            };
            match item.status.as_str() {
                "imported" => out.imported += 1,
                "duplicate" => out.duplicates += 1,
                "failed" => out.failed += 1,
                _ => {}
            }
            if let Some(sha) = sha {
                seen.insert(sha.clone());
                if let Some(photo) = &item.photo {
                    item.quality = photo.quality_flags.iter().map(|&f| f.into()).collect();
                }
                item.proposal = self.propose(&f.name, &sha).await?;
                if let Some(p) = &item.proposal {
                    out.proposals.push(p.clone());
                }
            }
            out.files.push(item);
        }
        let done = out.imported + out.duplicates + out.failed;
        out.per_second = if out.seconds > 0.0 { done as f32 / out.seconds } else { 0.0 };
        Ok(out)
    }

    /// A frame captured by the webcam (JPEG or PNG bytes from the webview): kept as a
    /// file under `<data>/captures/` named after the moment it was taken, then imported
    /// through the same pipeline as any photo.
    pub async fn import_capture(&self, bytes: Vec<u8>, data_dir: &Path, now: DateTime<Utc>) -> Result<ImportReport> {
        if bytes.is_empty() {
            return Err(Error::invalid("capture", "empty", "La caméra n'a envoyé aucune image : réessayez"));
        }
        let ext = if bytes.starts_with(b"\x89PNG") { "png" } else { "jpg" };
        let dir = data_dir.join("captures");
        std::fs::create_dir_all(&dir)?;
        let stamp = now.format("%Y-%m-%d_%H-%M-%S%.3f");
        let path = dir.join(format!("Photo {stamp}.{ext}"));
        std::fs::write(&path, bytes)?;
        self.import(vec![path], Arc::new(|_: &Progress| {}), CancelFlag::new(), now).await
    }

    /// The library, newest first (`unattached_only`: the photos no product shows yet).
    pub async fn library(&self, unattached_only: bool, limit: u32) -> Result<Vec<LibraryPhoto>> {
        Ok(self
            .db
            .photo_library(unattached_only, limit)
            .await?
            .into_iter()
            .map(|(photo, products)| LibraryPhoto {
                quality: photo.quality_flags.iter().map(|&f| f.into()).collect(),
                photo,
                products,
            })
            .collect())
    }

    /// The product a file name points to (SKU or EAN, any case), if any.
    pub async fn propose(&self, file_name: &str, sha: &str) -> Result<Option<MatchProposal>> {
        for c in candidates(file_name) {
            if let Some(m) = self.db.product_for_code(&c.code).await? {
                return Ok(Some(MatchProposal {
                    file_name: file_name.to_owned(),
                    photo_sha: sha.to_owned(),
                    product_id: m.product_id,
                    product_name: m.product_name,
                    code: m.code,
                    matched_by: m.matched_by,
                    rank: c.rank,
                }));
            }
        }
        Ok(None)
    }

    /// Attaches the reviewed proposals: per product in rank order, then file name,
    /// after the photos it already has. Returns how many photos were attached.
    pub async fn apply_matches(&self, proposals: &[MatchProposal], now: DateTime<Utc>) -> Result<u32> {
        let mut sorted: Vec<&MatchProposal> = proposals.iter().collect();
        sorted.sort_by(|a, b| (a.product_id, a.rank, &a.file_name).cmp(&(b.product_id, b.rank, &b.file_name)));
        let mut n = 0;
        for p in sorted {
            self.db.attach_photo(p.product_id, &p.photo_sha, now).await?;
            n += 1;
        }
        Ok(n)
    }

    pub async fn attach(&self, product_id: i64, sha: &str, now: DateTime<Utc>) -> Result<ProductPhoto> {
        let row = self.db.attach_photo(product_id, sha, now).await?;
        self.with_files(row, false).await
    }

    /// The photos of a product, main first, with their rendered files (rendered now if
    /// an edit or a preset change made them missing).
    pub async fn product_photos(&self, product_id: i64) -> Result<Vec<ProductPhoto>> {
        let rows = self.db.product_photo_rows(product_id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            out.push(self.with_files(row, i == 0).await?);
        }
        Ok(out)
    }

    async fn with_files(&self, row: ProductPhotoRow, is_main: bool) -> Result<ProductPhoto> {
        let photo = self.db.photo(&row.photo_sha).await?.ok_or_else(|| Error::not_found("Photo", &row.photo_sha))?;
        let (main_path, thumb_path) = self.render_edited(&photo, &row.edits).await?;
        let quality = photo.quality_flags.iter().map(|&f| f.into()).collect();
        Ok(ProductPhoto { row, is_main, photo, quality, main_path, thumb_path })
    }

    /// Makes sure the derivatives of `photo` with `edits` exist; renders them from the
    /// original when not (edits are never applied to a derivative: no generation loss).
    pub async fn render_edited(&self, photo: &PhotoRecord, edits: &Edits) -> Result<(PathBuf, PathBuf)> {
        self.render_files(&photo.sha256, photo.format, edits).await
    }

    /// The fingerprint naming the derivatives of a photo with `edits` under the preset.
    pub fn fingerprint_of(&self, edits: &Edits) -> String {
        self.preset.normalized().fingerprint(&edits.normalized())
    }

    /// [`Studio::render_edited`] from the original's hash and format alone.
    pub async fn render_files(&self, sha: &str, format: Format, edits: &Edits) -> Result<(PathBuf, PathBuf)> {
        let fp = self.fingerprint_of(edits);
        let main = self.store.derivative_path(sha, &fp, Kind::Main);
        let thumb = self.store.derivative_path(sha, &fp, Kind::Thumb);
        if main.is_file() && thumb.is_file() {
            return Ok((main, thumb));
        }
        let original = self.store.original_path(sha, format);
        let (store, preset, edits, limits) = (self.store.clone(), self.preset, *edits, self.options.limits);
        let (m, t) = (main.clone(), thumb.clone());
        tokio::task::spawn_blocking(move || -> Result<()> {
            let bytes = std::fs::read(&original)?;
            let r = render(&bytes, &preset, &edits, &limits)?;
            store.put(&m, &r.main.jpeg)?;
            store.put(&t, &r.thumb.jpeg)?;
            Ok(())
        })
        .await
        .map_err(blocking_error)??;
        Ok((main, thumb))
    }

    pub async fn reorder(&self, product_id: i64, ids: &[i64], now: DateTime<Utc>) -> Result<Vec<ProductPhoto>> {
        self.db.reorder_product_photos(product_id, ids, now).await?;
        self.product_photos(product_id).await
    }

    pub async fn set_main(&self, product_photo_id: i64, now: DateTime<Utc>) -> Result<Vec<ProductPhoto>> {
        let row = self.db.product_photo_row(product_photo_id).await?;
        self.db.set_main_photo(product_photo_id, now).await?;
        self.product_photos(row.product_id).await
    }

    /// Turns a product photo a quarter turn (clockwise or not) and re-renders it.
    pub async fn rotate(&self, product_photo_id: i64, clockwise: bool, now: DateTime<Utc>) -> Result<ProductPhoto> {
        let row = self.db.product_photo_row(product_photo_id).await?;
        let rotation = (row.edits.rotation + if clockwise { 90 } else { 270 }) % 360;
        // A crop is expressed on the rotated image: turning drops it rather than cutting the wrong part.
        self.edit(product_photo_id, Edits { rotation, crop: None }, now).await
    }

    /// Sets (or, with `None`, removes) the crop of a product photo.
    pub async fn crop(&self, product_photo_id: i64, crop: Option<Crop>, now: DateTime<Utc>) -> Result<ProductPhoto> {
        let row = self.db.product_photo_row(product_photo_id).await?;
        self.edit(product_photo_id, Edits { crop, ..row.edits }, now).await
    }

    /// Crops to the largest centred square.
    pub async fn crop_square(&self, product_photo_id: i64, now: DateTime<Utc>) -> Result<ProductPhoto> {
        let row = self.db.product_photo_row(product_photo_id).await?;
        let photo = self.db.photo(&row.photo_sha).await?.ok_or_else(|| Error::not_found("Photo", &row.photo_sha))?;
        let (w, h) =
            if row.edits.rotation % 180 == 90 { (photo.height, photo.width) } else { (photo.width, photo.height) };
        self.crop(product_photo_id, Some(Crop::centered_square(w, h)), now).await
    }

    async fn edit(&self, product_photo_id: i64, edits: Edits, now: DateTime<Utc>) -> Result<ProductPhoto> {
        // Stored as the studio draws them: quarter turns, a crop inside the image.
        self.db.set_photo_edits(product_photo_id, &edits.normalized(), now).await?;
        let row = self.db.product_photo_row(product_photo_id).await?;
        let is_main = self.db.product_photo_rows(row.product_id).await?.first().map(|r| r.id) == Some(row.id);
        self.with_files(row, is_main).await
    }

    /// The main image of a product photo turned as it is but not cropped: what a crop
    /// frame is drawn on (a crop is expressed in fractions of that image).
    pub async fn crop_source(&self, product_photo_id: i64) -> Result<PathBuf> {
        let row = self.db.product_photo_row(product_photo_id).await?;
        let photo = self.db.photo(&row.photo_sha).await?.ok_or_else(|| Error::not_found("Photo", &row.photo_sha))?;
        Ok(self.render_edited(&photo, &Edits { crop: None, ..row.edits }).await?.0)
    }

    pub async fn set_alt(&self, product_photo_id: i64, alt: &str, now: DateTime<Utc>) -> Result<()> {
        self.db.set_photo_alt(product_photo_id, alt, now).await
    }

    pub async fn detach(&self, product_photo_id: i64, now: DateTime<Utc>) -> Result<()> {
        self.db.detach_photo(product_photo_id, now).await
    }

    /// After a preset change: re-renders the derivatives of every photo made with another
    /// preset (from the originals), with progress and cancel. Returns how many were rebuilt.
    pub async fn rebuild_stale(
        &self,
        on_progress: Arc<dyn Fn(&Progress) + Send + Sync>,
        cancel: CancelFlag,
        now: DateTime<Utc>,
    ) -> Result<u32> {
        let fp = self.fingerprint();
        let stale: Vec<PhotoRecord> = self.db.photos().await?.into_iter().filter(|p| p.preset_fp != fp).collect();
        let files: Vec<PathBuf> = stale.iter().map(|p| self.store.original_path(&p.sha256, p.format)).collect();
        let (store, preset, options) = (self.store.clone(), self.preset, self.options.clone());
        let report = tokio::task::spawn_blocking(move || {
            batch::process_batch(&files, &store, &preset, &options, &HashMap::new(), &*on_progress, &cancel)
        })
        .await
        .map_err(blocking_error)?;
        let mut n = 0;
        for (photo, f) in stale.iter().zip(report.files) {
            if let Outcome::Processed(p) = f.outcome {
                self.db
                    .upsert_photo(
                        &NewPhoto {
                            sha256: photo.sha256.clone(),
                            original_name: photo.original_name.clone(),
                            format: photo.format,
                            width: p.summary.width,
                            height: p.summary.height,
                            byte_size: photo.byte_size,
                            quality_flags: p.quality.flags,
                            sharpness: p.quality.sharpness,
                            preset_fp: fp.clone(),
                        },
                        now,
                    )
                    .await?;
                self.store.remove_derivatives(&photo.sha256, &photo.preset_fp);
                n += 1;
            }
        }
        Ok(n)
    }
}
