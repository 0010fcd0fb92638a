//! The shop of one rate: its products, their photos imported through the studio (one
//! attached to each), and the catalogue batch bodies a first sync has to send.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use chrono::Utc;
use comptoir_core::Db;
use comptoir_core::catalogue::ProductInput;
use comptoir_core::photos::{CancelFlag, Studio};
use comptoir_protocol::catalog::{CatalogBatchRequest, CatalogOp};
use comptoir_protocol::hash::sha256_hex;

fn product(i: usize) -> ProductInput {
    crate::sync_bench::published_product(
        format!("Produit de la ligne {i:04}"),
        format!("Produit fermier de l'Orne numéro {i}, photographié au téléphone, envoyé par une ligne rurale."),
        format!("LIGNE{i:04}"),
        350 + (i as i64 % 900),
        12,
    )
}

/// A product of this shop with its main render, as the marketplace should get it.
pub(super) struct Prepared {
    pub(super) uid: String,
    pub(super) render_sha: String,
    pub(super) render_bytes: u64,
}

/// The shop of one rate: products, photos imported through the studio, one attached to
/// each product.
pub(super) async fn prepare_shop(db: &Db, data_dir: &Path, files: &[PathBuf]) -> anyhow::Result<(Vec<Prepared>, u32)> {
    let now = Utc::now();
    let mut studio = Studio::new(db.clone(), data_dir);
    studio.preset = comptoir_core::photos::settings::preset(db).await?;
    let report = studio.import(files.to_vec(), Arc::new(|_| {}), CancelFlag::new(), now).await?;
    let by_path: HashMap<&Path, &str> =
        report.files.iter().filter_map(|f| f.photo.as_ref().map(|p| (f.path.as_path(), p.sha256.as_str()))).collect();
    let mut out = Vec::with_capacity(files.len());
    for (i, file) in files.iter().enumerate() {
        let Some(sha) = by_path.get(file.as_path()) else {
            let why = report.files.iter().find(|f| f.path == *file).and_then(|f| f.problem.as_ref());
            bail!("la photo {} n'a pas été importée : {why:?}", file.display());
        };
        let p = db.save_product(&product(i), now).await?;
        let photo = studio.attach(p.id, sha, now).await?;
        let render = tokio::fs::read(&photo.main_path).await?;
        out.push(Prepared { uid: p.uid, render_sha: sha256_hex(&render), render_bytes: render.len() as u64 });
    }
    Ok((out, studio.preset.normalized().main_max))
}

/// The catalogue batch bodies of a first sync: every product's upsert (base version 0,
/// `images` = its render), in batches of the server's size, as JSON.
pub(super) async fn catalogue_bytes(db: &Db, shop: &[Prepared], max_ops: usize) -> anyhow::Result<u64> {
    let images: HashMap<&str, &str> = shop.iter().map(|p| (p.uid.as_str(), p.render_sha.as_str())).collect();
    let mut ops = Vec::new();
    for (uid, (data, _)) in db.sync_category_data().await? {
        ops.push(CatalogOp::upsert_category(uid, 0, &data));
    }
    for (uid, mut data) in db.sync_product_data(None).await? {
        data.images = images.get(uid.as_str()).map(|s| vec![(*s).to_owned()]).unwrap_or_default();
        ops.push(CatalogOp::upsert_product(uid, 0, &data));
    }
    let mut total = 0;
    for chunk in ops.chunks(max_ops.max(1)) {
        total += serde_json::to_vec(&CatalogBatchRequest { ops: chunk.to_vec() })?.len() as u64;
    }
    Ok(total)
}
