//! Recovery from the marketplace, for a shop on a new PC with no backup: once paired, an
//! empty shop is filled with everything the marketplace holds for it
//! (`GET /v1/catalog/content`: categories, products, variants, prices, stock, and the
//! photos read back with `GET /v1/media/{sha256}`).
//!
//! What cannot come back, said before starting ([`WARNING`]): drafts never synced (the
//! marketplace never saw them), the photo originals (the marketplace holds the renders
//! Comptoir sent: resized, without metadata). The shop's vocabulary comes back with the
//! rest (selling unit, packaging, net quantities, services and their sessions, stock
//! policy, food information): the wire carries it. A product the sync held back for
//! missing information was on the marketplace unpublished: it comes back as a draft.
//! Orders come back by themselves through the order feed once connected.
//!
//! Recovered objects keep the marketplace's ids and versions, and their content hashes
//! are recorded as sent, so the next sync finds nothing to send: no duplicate product,
//! no photo uploaded again (each recovered photo's render is the marketplace's own file).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use comptoir_protocol::catalog::{CategoryData, ContentItem, ObjectType, ProductData};
use serde::Serialize;

use super::backup_error;
use crate::catalogue::{CategoryInput, ProductInput, ProductStatus, VariantInput, VariantOption};
use crate::photos::batch::CancelFlag;
use crate::photos::probe::Format;
use crate::photos::store::{Kind, sha256_hex};
use crate::photos::{Studio, settings};
use crate::storage::promotions::{NewPromotion, RestoredCampaign, RestoredPromotion};
use crate::storage::sync::{Entity, KnownObject};
use crate::sync::SyncError;
use crate::sync::credentials::TokenStore;
use crate::sync::engine::{Credential, api_error};
use crate::sync::wire;
use crate::vat::VatRate;
use crate::{Db, Error};

/// Said before recovery starts (the CLI prints it; the app shows it for confirmation).
pub const WARNING: &str = "Récupération depuis la place de marché : la boutique vide de ce PC va être remplie avec ce que la place de marché détient pour elle (catégories, produits, déclinaisons, prix, stock, photos). Les brouillons jamais synchronisés sont perdus ; les photos récupérées sont celles de la place de marché (redimensionnées, sans leurs métadonnées), pas vos originaux ; un produit publié mais mis hors ligne faute d'informations obligatoires revient en brouillon.";

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RecoverReport {
    pub shop_id: String,
    pub shop_name: String,
    pub categories: u64,
    pub products: u64,
    pub variants: u64,
    /// Photos downloaded (renders of the marketplace) and their bytes.
    pub photos: u64,
    pub photo_bytes: u64,
}

fn core(e: Error) -> SyncError {
    SyncError::Core(e)
}

/// Pairs this PC's empty shop in `data_dir` with the marketplace at `url` (one-time
/// `pairing_code`, token into `keychain`), then fills it with the shop's catalogue and
/// photos as the marketplace holds them. Refused (`recover_not_empty`) when the shop
/// already has products, photos or orders. See [`WARNING`] for what is lost.
///
/// Interrupted (the line cut mid-way), it leaves a partly filled shop, which a second
/// attempt refuses as not empty: start again on a new empty data directory (nothing on
/// the marketplace was changed by the attempt).
pub async fn recover(
    data_dir: &Path,
    url: &str,
    pairing_code: &str,
    keychain: &dyn TokenStore,
    now: DateTime<Utc>,
) -> Result<RecoverReport, SyncError> {
    let db = Db::open_in(data_dir).await?;
    let result = fill(&db, data_dir, url, pairing_code, keychain, now).await;
    db.close().await;
    match &result {
        Ok(_) => tracing::info!("boutique récupérée depuis la place de marché {url}"),
        Err(e) => tracing::error!("récupération depuis la place de marché {url} impossible : {e}"),
    }
    result
}

async fn fill(
    db: &Db,
    data_dir: &Path,
    url: &str,
    pairing_code: &str,
    keychain: &dyn TokenStore,
    now: DateTime<Utc>,
) -> Result<RecoverReport, SyncError> {
    if !db.is_empty_shop().await? {
        return Err(core(backup_error(
            crate::ErrorCode::RecoverNotEmpty,
            "Cette boutique contient déjà des produits, des photos ou des commandes : la récupération depuis la place de marché ne remplit qu'une boutique vide (restaurez plutôt une sauvegarde)",
        )));
    }
    let conn = crate::sync::connect(db, url, Credential::PairingCode(pairing_code.to_owned()), keychain).await?;
    let client = crate::orders::connection::client_from_connection(db, keychain).await?;

    // The whole catalogue, page by page.
    let mut items: Vec<ContentItem> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client.catalog_content(cursor.as_deref(), None).await.map_err(|e| api_error(&e))?;
        items.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let (categories, products): (Vec<ContentItem>, Vec<ContentItem>) =
        items.into_iter().partition(|i| i.object_type == ObjectType::Category);

    let mut known = Vec::new();
    let cat_ids = recover_categories(db, &categories, now, &mut known).await?;

    // Photos: every image the products show, downloaded and checked against its hash.
    let mut studio = Studio::new(db.clone(), data_dir);
    studio.preset = settings::preset(db).await?;
    let fingerprint = studio.fingerprint_of(&Default::default());
    let staging = data_dir.join(".recover-photos");
    std::fs::create_dir_all(&staging).map_err(|e| core(e.into()))?;
    let mut wanted: Vec<String> = Vec::new();
    for p in products.iter().filter_map(|i| i.product.as_ref()) {
        for sha in &p.images {
            if !wanted.contains(sha) {
                wanted.push(sha.clone());
            }
        }
    }
    let mut files = Vec::new();
    let mut photo_bytes = 0u64;
    for sha in &wanted {
        let (content_type, bytes) = client.media_get(sha).await.map_err(|e| api_error(&e))?;
        if sha256_hex(&bytes) != *sha {
            return Err(SyncError::Refused(format!("la photo {sha} reçue ne correspond pas à son empreinte")));
        }
        let format = match content_type.as_str() {
            "image/png" => Format::Png,
            "image/webp" => Format::Webp,
            _ => Format::Jpeg,
        };
        // The marketplace's file is the render of this photo: put it where the studio
        // keeps the preset's main image first (the studio then keeps it), so the sync
        // sends the very sha256 the marketplace already holds instead of a re-render.
        studio
            .store
            .put(&studio.store.derivative_path(sha, &fingerprint, Kind::Main), &bytes)
            .map_err(|e| core(e.into()))?;
        let path = staging.join(format!("{sha}.{}", format.extension()));
        std::fs::write(&path, &bytes).map_err(|e| core(e.into()))?;
        photo_bytes += bytes.len() as u64;
        files.push(path);
    }
    let report = studio.import(files, Arc::new(|_| {}), CancelFlag::new(), now).await?;
    let _ = std::fs::remove_dir_all(&staging);
    if report.failed > 0 {
        return Err(SyncError::Refused(format!(
            "{} photos de la place de marché n'ont pas pu être lues",
            report.failed
        )));
    }

    let mut variants = 0u64;
    let mut stock = Vec::new();
    let mut media = Vec::new();
    let mut promotions = Promotions::default();
    for item in &products {
        let Some(p) = &item.product else { continue };
        let input = product_input(p, &cat_ids).map_err(core)?;
        variants += input.variants.len() as u64;
        let saved = db.save_product(&input, now).await?;
        for wv in &p.variants {
            if let Some(v) = saved.variants.iter().find(|v| v.sku.eq_ignore_ascii_case(&wv.sku)) {
                promotions.add(v.id, &wv.promotions);
            }
        }
        db.adopt_remote_uid(Entity::Product, saved.id, &item.external_id, None).await?;
        for sha in &p.images {
            let row = db.attach_photo(saved.id, sha, now).await?;
            let size = std::fs::metadata(studio.store.derivative_path(sha, &fingerprint, Kind::Main))
                .map(|m| m.len())
                .unwrap_or(0);
            db.set_product_photo_render(row.id, &fingerprint, sha, size).await?;
            media.push(sha.clone());
        }
        stock.extend(p.variants.iter().map(|v| (v.sku.clone(), v.stock.available)));
        known.push((
            Entity::Product,
            item.external_id.clone(),
            KnownObject {
                version: item.version,
                sent_hash: Some(item.hash.clone()),
                sent_images: Some(p.images.clone()),
            },
        ));
    }
    let (campaigns, rows) = promotions.finish();
    db.restore_promotions(&campaigns, &rows, now).await?;
    db.set_known_objects(&known).await?;
    db.set_known_stock(&stock).await?;
    db.mark_media_on_server(&media, now).await?;
    db.clear_outbox().await?;
    Ok(RecoverReport {
        shop_id: conn.shop_id,
        shop_name: conn.shop_name,
        categories: categories.len() as u64,
        products: products.len() as u64,
        variants,
        photos: wanted.len() as u64,
        photo_bytes,
    })
}

/// Categories, parents first; a category the new shop already has (the ones every shop
/// starts with) under the same parent and name takes the marketplace's id.
async fn recover_categories(
    db: &Db,
    items: &[ContentItem],
    now: DateTime<Utc>,
    known: &mut Vec<(Entity, String, KnownObject)>,
) -> Result<HashMap<String, i64>, SyncError> {
    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut left: Vec<(&ContentItem, &CategoryData)> =
        items.iter().filter_map(|i| i.category.as_ref().map(|c| (i, c))).collect();
    while !left.is_empty() {
        let before = left.len();
        let mut next = Vec::new();
        for (item, data) in left {
            let parent = match &data.parent_external_id {
                None => None,
                Some(p) => match ids.get(p) {
                    Some(id) => Some(*id),
                    // Its parent is not placed yet (or is missing: placed at the top).
                    None if items.iter().any(|i| &i.external_id == p) => {
                        next.push((item, data));
                        continue;
                    }
                    None => None,
                },
            };
            let existing = db
                .categories()
                .await?
                .into_iter()
                .find(|c| c.parent_id == parent && c.name.eq_ignore_ascii_case(&data.name));
            let id = match existing {
                Some(c) => c.id,
                None => {
                    db.save_category(&CategoryInput { id: None, name: data.name.clone(), parent_id: parent }, now)
                        .await?
                        .id
                }
            };
            db.adopt_remote_uid(Entity::Category, id, &item.external_id, Some(data.position)).await?;
            ids.insert(item.external_id.clone(), id);
            known.push((
                Entity::Category,
                item.external_id.clone(),
                KnownObject { version: item.version, sent_hash: Some(item.hash.clone()), sent_images: None },
            ));
        }
        if next.len() == before {
            // A parent cycle: cannot happen with the reference server; refuse plainly.
            return Err(SyncError::Refused("l'arborescence des catégories reçue est circulaire".to_owned()));
        }
        left = next;
    }
    Ok(ids)
}

fn product_input(p: &ProductData, cats: &HashMap<String, i64>) -> crate::Result<ProductInput> {
    let vat = p
        .variants
        .first()
        .map(|v| VatRate::parse(&v.vat_rate))
        .transpose()
        .map_err(|e| Error::invalid("vat", "vat", format!("Taux de TVA reçu de la place de marché illisible ({e:?})")))?
        .unwrap_or(VatRate::Normal);
    Ok(ProductInput {
        id: None,
        name: p.title.clone(),
        description: p.description.clone(),
        category_id: p.category_external_ids.first().and_then(|c| cats.get(c)).copied(),
        status: if p.published { ProductStatus::Published } else { ProductStatus::Draft },
        vat,
        unit: wire::unit_from_wire(p),
        offer: wire::offer_from_wire(p),
        variants: p
            .variants
            .iter()
            .map(|v| VariantInput {
                id: None,
                sku: v.sku.clone(),
                options: v
                    .options
                    .iter()
                    .map(|(name, value)| VariantOption { name: name.clone(), value: value.clone() })
                    .collect(),
                price_cents: v.price_ttc,
                stock: v.stock.available,
                ean: v.ean.clone(),
                net_quantity: v.net_quantity.clone(),
            })
            .collect(),
    })
}

/// The promotions the marketplace holds, gathered product by product, with their
/// campaigns (a campaign's period is its promotions' span: the wire carries only its id
/// and name).
#[derive(Default)]
struct Promotions {
    rows: Vec<(i64, Option<wire::WireCampaign>, NewPromotion)>,
    campaigns: HashMap<wire::WireCampaign, CampaignSpan>,
}

/// A campaign's name and the span of its promotions so far: the earliest start, and
/// the latest end (`Some(None)`: one of them has no end).
struct CampaignSpan(String, DateTime<Utc>, Option<Option<DateTime<Utc>>>);

impl Promotions {
    fn add(&mut self, variant_id: i64, list: &[comptoir_protocol::catalog::Promotion]) {
        for p in list {
            // An id this shop did not write cannot be kept: left out (the next sync
            // sends the variant without it).
            let Some((id, campaign)) = wire::promotion_back(p) else { continue };
            let key = campaign.map(|(key, name)| {
                let span = self.campaigns.entry(key.clone()).or_insert(CampaignSpan(name, p.starts_at, None));
                span.1 = span.1.min(p.starts_at);
                span.2 = Some(match (span.2, p.ends_at) {
                    (Some(None), _) | (_, None) => None,
                    (Some(Some(a)), Some(b)) => Some(a.max(b)),
                    (None, Some(b)) => Some(b),
                });
                key
            });
            self.rows.push((
                id,
                key,
                NewPromotion {
                    variant_id,
                    price_cents: p.price_ttc,
                    percent: p.percent_off,
                    reference_cents: p.reference_price_ttc,
                    starts_at: p.starts_at,
                    ends_at: p.ends_at,
                    quantity_limit: p.quantity_limit,
                },
            ));
        }
    }

    /// The campaigns with their ids (the shop's keep theirs; the marketplace's get the
    /// next free ones) and the promotions pointing at them.
    fn finish(self) -> (Vec<RestoredCampaign>, Vec<RestoredPromotion>) {
        let mut next = self
            .campaigns
            .keys()
            .filter_map(|k| match k {
                wire::WireCampaign::Shop(n) => Some(*n),
                wire::WireCampaign::Market(_) => None,
            })
            .max()
            .unwrap_or(0);
        let mut ids: HashMap<wire::WireCampaign, i64> = HashMap::new();
        let mut campaigns: Vec<RestoredCampaign> = Vec::new();
        let mut keys: Vec<_> = self.campaigns.into_iter().collect();
        keys.sort_by(|a, b| a.1.1.cmp(&b.1.1).then_with(|| a.1.0.cmp(&b.1.0)));
        for (key, CampaignSpan(name, starts_at, ends_at)) in keys {
            let (id, market_id) = match &key {
                wire::WireCampaign::Shop(n) => (*n, None),
                wire::WireCampaign::Market(m) => {
                    next += 1;
                    (next, Some(m.clone()))
                }
            };
            ids.insert(key, id);
            campaigns.push(RestoredCampaign { id, name, starts_at, ends_at: ends_at.flatten(), market_id });
        }
        let rows =
            self.rows.into_iter().map(|(id, key, row)| (id, key.and_then(|k| ids.get(&k).copied()), row)).collect();
        (campaigns, rows)
    }
}
