//! `POST /v1/catalog/batch`, `GET /v1/catalog/state`, `GET /v1/catalog/content` and
//! product moderation.
//!
//! Ops are independent: each gets its own `ok` / `conflict` / `invalid` result and
//! the `ok` ones commit together. Only storage failures fail the whole batch.

use std::collections::{BTreeSet, HashSet};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use chrono::Datelike;
use chrono::{DateTime, Utc};
use comptoir_protocol::auth::Scope;
use comptoir_protocol::catalog::{
    ALCOHOL_HEALTH_MESSAGE, Allergen, CatalogBatchResponse, CatalogOp, CategoryData, ContentItem, ContentPage,
    Moderation, ModerationStatus, ObjectType, OpKind, OpResult, OpStatus, ProductData, ProductKind, SellingUnit,
    StateItem, StatePage, StockPolicy, UnitPricePer,
};
use comptoir_protocol::events::{EventType, ProductModerated};
use comptoir_protocol::hash::{content_hash, is_sha256_hex};
use comptoir_protocol::problem::codes;
use comptoir_protocol::quantity::NetQuantity;
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::auth::Auth;
use crate::clock::{from_ms, to_ms};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params, decode_at, idempotency_key};
use crate::{AppState, Effects, events, idempotency};

/// VAT rates in force in France (normal, intermediate, reduced, super-reduced, exempt).
pub const VAT_RATES: [&str; 5] = ["20", "10", "5.5", "2.1", "0"];

/// Collects every invalid field of one object, not just the first.
#[derive(Default)]
pub(crate) struct Invalid {
    pub(crate) errors: Vec<(&'static str, String, String)>,
}

impl Invalid {
    pub(crate) fn add(&mut self, code: &'static str, pointer: String, detail: impl Into<String>) {
        self.errors.push((code, pointer, detail.into()));
    }

    fn into_result(self) -> ApiResult<()> {
        let Some(first) = self.errors.first() else {
            return Ok(());
        };
        // Mixed causes: `validation_failed` when the form is one of them, otherwise
        // (only references: a SKU taken, a photo or a category missing) the first.
        let code = if self.errors.iter().all(|e| e.0 == first.0)
            || self.errors.iter().all(|e| e.0 != codes::VALIDATION_FAILED)
        {
            first.0
        } else {
            codes::VALIDATION_FAILED
        };
        let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, "The object is invalid");
        if code == codes::NOT_PUBLISHABLE {
            err = err.detail(
                "Produit non publiable en l'état : des informations obligatoires manquent (voir errors) ; le même produit non publié est accepté",
            );
        }
        for (_, p, d) in self.errors {
            err = err.field(p, d);
        }
        Err(err)
    }
}

fn check_text(inv: &mut Invalid, pointer: String, value: &str, max: usize, required: bool) {
    if required && value.trim().is_empty() {
        inv.add(codes::VALIDATION_FAILED, pointer, "must not be empty");
    } else if value.chars().count() > max {
        inv.add(codes::VALIDATION_FAILED, pointer, format!("at most {max} characters"));
    }
}

async fn version_of(
    conn: &mut SqliteConnection,
    ty: ObjectType,
    shop: &str,
    ext: &str,
) -> ApiResult<Option<(i64, bool)>> {
    let q = match ty {
        ObjectType::Product => "SELECT version, deleted FROM products WHERE shop_id = ? AND external_id = ?",
        _ => "SELECT version, deleted FROM categories WHERE shop_id = ? AND external_id = ?",
    };
    Ok(sqlx::query_as::<_, (i64, bool)>(q).bind(shop).bind(ext).fetch_optional(conn).await?)
}

async fn live(conn: &mut SqliteConnection, ty: ObjectType, shop: &str, ext: &str) -> ApiResult<bool> {
    Ok(matches!(version_of(conn, ty, shop, ext).await?, Some((_, false))))
}

/// What the document states of a product (`ProductData`) and, with `refs`, what it
/// refers to in the shop: its SKUs free, its photos uploaded, its categories live.
/// Every cause is told, not just the first.
async fn validate_product(
    conn: &mut SqliteConnection,
    shop: &str,
    ext: &str,
    d: &ProductData,
    at: &str,
    refs: bool,
) -> ApiResult<()> {
    let mut inv = Invalid::default();
    check_text(&mut inv, format!("{at}/title"), &d.title, 200, true);
    check_text(&mut inv, format!("{at}/description"), &d.description, 10_000, false);
    if d.variants.is_empty() || d.variants.len() > 100 {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/variants"), "1 to 100 variants");
    }
    let mut skus = HashSet::new();
    let mut promotion_ids = HashSet::new();
    for (j, v) in d.variants.iter().enumerate() {
        let vp = format!("{at}/variants/{j}");
        check_text(&mut inv, format!("{vp}/sku"), &v.sku, 64, true);
        if !skus.insert(v.sku.as_str()) {
            inv.add(codes::VALIDATION_FAILED, format!("{vp}/sku"), "duplicate sku in this product");
        }
        if !(0..=100_000_000).contains(&v.price_ttc) {
            inv.add(codes::VALIDATION_FAILED, format!("{vp}/price_ttc"), "cents, between 0 and 100000000");
        }
        if v.currency != "EUR" {
            inv.add(codes::VALIDATION_FAILED, format!("{vp}/currency"), "only EUR is accepted");
        }
        if !VAT_RATES.contains(&v.vat_rate.as_str()) {
            inv.add(codes::VALIDATION_FAILED, format!("{vp}/vat_rate"), format!("one of {}", VAT_RATES.join(", ")));
        }
        if let Some(ean) = &v.ean
            && (!ean.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 13, 14].contains(&ean.len()))
        {
            inv.add(codes::VALIDATION_FAILED, format!("{vp}/ean"), "8, 12, 13 or 14 digits");
        }
        if v.stock.available < 0 {
            inv.add(codes::VALIDATION_FAILED, format!("{vp}/stock/available"), "must be >= 0");
        }
        for (k, val) in &v.options {
            let too_long = |s: &str| s.chars().count() > 100;
            if k.trim().is_empty() || val.trim().is_empty() || too_long(k) || too_long(val) {
                inv.add(
                    codes::VALIDATION_FAILED,
                    format!("{vp}/options/{}", k.replace('~', "~0").replace('/', "~1")),
                    "option names and values: 1 to 100 characters",
                );
            }
        }
        crate::promotions::check_variant(&mut inv, v, &vp, &mut promotion_ids);
        if refs && !v.sku.is_empty() {
            let owner: Option<String> =
                sqlx::query_scalar("SELECT product_external_id FROM variants WHERE shop_id = ? AND sku = ?")
                    .bind(shop)
                    .bind(&v.sku)
                    .fetch_optional(&mut *conn)
                    .await?;
            if let Some(owner) = owner.filter(|o| o != ext) {
                inv.add(codes::SKU_TAKEN, format!("{vp}/sku"), format!("already used by product {owner}"));
            }
        }
    }
    if d.images.len() > 20 {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/images"), "at most 20 images");
    }
    for (j, sha) in d.images.iter().enumerate() {
        if !is_sha256_hex(sha) {
            inv.add(codes::VALIDATION_FAILED, format!("{at}/images/{j}"), "lowercase hex sha256");
            continue;
        }
        if !refs {
            continue;
        }
        let present = sqlx::query_scalar::<_, i64>("SELECT 1 FROM media WHERE shop_id = ? AND sha256 = ?")
            .bind(shop)
            .bind(sha)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        if !present {
            inv.add(
                codes::MEDIA_MISSING,
                format!("{at}/images/{j}"),
                "upload it first (PUT /v1/media/{sha256} or PATCH /v1/media/{sha256}/upload)",
            );
        }
    }
    validate_vocabulary(&mut inv, d, at);
    for (j, c) in d.category_external_ids.iter().enumerate().filter(|_| refs) {
        if !live(conn, ObjectType::Category, shop, c).await? {
            inv.add(codes::UNKNOWN_CATEGORY, format!("{at}/category_external_ids/{j}"), "no such category");
        }
    }
    inv.into_result()
}

async fn validate_category(
    conn: &mut SqliteConnection,
    shop: &str,
    ext: &str,
    d: &CategoryData,
    at: &str,
    refs: bool,
) -> ApiResult<()> {
    let mut inv = Invalid::default();
    check_text(&mut inv, format!("{at}/name"), &d.name, 200, true);
    if let Some(parent) = d.parent_external_id.as_ref().filter(|_| refs)
        && (parent == ext || !live(conn, ObjectType::Category, shop, parent).await?)
    {
        inv.add(codes::UNKNOWN_CATEGORY, format!("{at}/parent_external_id"), "no such category");
    }
    inv.into_result()
}

const MAX_LABEL: usize = 80;
const MAX_LABELS: usize = 20;
const MAX_FOOD_TEXT: usize = 5_000;
const MAX_HEALTH_MESSAGE: usize = 500;
const MAX_SESSIONS: usize = 100;
const MAX_PLACES: u32 = 100_000;
const MAX_DURATION_MINUTES: u32 = 30 * 24 * 60;
const MAX_LEAD_TIME_DAYS: u16 = 365;
const MAX_ABV_TENTHS: u16 = 1000;

/// A text of the shop's vocabulary: `required` means present and not blank.
fn check_texte(inv: &mut Invalid, pointer: String, value: &str, max: usize, required: bool) {
    if required && value.trim().is_empty() {
        inv.add(codes::VALIDATION_FAILED, pointer, "ne doit pas être vide");
    } else if value.chars().count() > max {
        inv.add(codes::VALIDATION_FAILED, pointer, format!("{max} caractères au plus"));
    }
}

/// The shop's vocabulary on a product (selling unit, packaging, service, stock policy,
/// food information) and its variants (net quantity, unit price): the form first
/// (`validation_failed`, as the OpenAPI document states it), then what the law asks
/// of a product put on sale (`not_publishable`) and the unit price the marketplace
/// computes itself (`unit_price_mismatch`). This server is the last guard before a
/// buyer reads the page: a client that skips a check is still refused here.
fn validate_vocabulary(inv: &mut Invalid, d: &ProductData, at: &str) {
    let form = codes::VALIDATION_FAILED;
    if d.unit == Some(SellingUnit::Unknown) {
        let all: Vec<&str> = SellingUnit::ALL.iter().map(|u| u.as_str()).collect();
        inv.add(form, format!("{at}/unit"), format!("unité de vente inconnue : {}", all.join(", ")));
    }
    if let Some(p) = &d.packaging {
        check_texte(inv, format!("{at}/packaging"), p, MAX_LABEL, true);
    }
    if d.kind == Some(ProductKind::Unknown) {
        inv.add(form, format!("{at}/kind"), "type inconnu : goods ou service");
    }
    if d.duration_minutes.is_some_and(|m| !(1..=MAX_DURATION_MINUTES).contains(&m)) {
        inv.add(form, format!("{at}/duration_minutes"), format!("durée en minutes, de 1 à {MAX_DURATION_MINUTES}"));
    }
    if d.sessions.len() > MAX_SESSIONS {
        inv.add(form, format!("{at}/sessions"), format!("{MAX_SESSIONS} séances au plus"));
    }
    for (j, s) in d.sessions.iter().enumerate() {
        // The document's pattern: a real date of 2000–2099, minutes, no seconds.
        if s.start().is_none_or(|t| !(2000..=2099).contains(&t.year())) {
            inv.add(
                form,
                format!("{at}/sessions/{j}/starts_at"),
                format!("date de séance invalide « {} » : attendu AAAA-MM-JJTHH:MM, heure de Paris", s.starts_at),
            );
        }
        if s.places.is_some_and(|p| !(1..=MAX_PLACES).contains(&p)) {
            inv.add(form, format!("{at}/sessions/{j}/places"), format!("places : de 1 à {MAX_PLACES}"));
        }
    }
    if d.stock_policy == Some(StockPolicy::Unknown) {
        inv.add(form, format!("{at}/stock_policy"), "gestion du stock inconnue : counted, unlimited ou made_to_order");
    }
    if d.lead_time_days.is_some_and(|l| !(1..=MAX_LEAD_TIME_DAYS).contains(&l)) {
        inv.add(
            form,
            format!("{at}/lead_time_days"),
            format!("délai de fabrication : de 1 à {MAX_LEAD_TIME_DAYS} jours"),
        );
    }
    if let Some(f) = &d.food {
        let fp = format!("{at}/food");
        for (name, value) in
            [("ingredients", &f.ingredients), ("storage", &f.storage), ("origin", &f.origin), ("producer", &f.producer)]
        {
            check_texte(inv, format!("{fp}/{name}"), value, MAX_FOOD_TEXT, false);
        }
        let allergens = f.allergens.as_deref().unwrap_or_default();
        if allergens.len() > Allergen::ALL.len() {
            inv.add(form, format!("{fp}/allergens"), format!("{} allergènes au plus", Allergen::ALL.len()));
        }
        for (j, a) in allergens.iter().enumerate() {
            if *a == Allergen::Unknown {
                let all: Vec<&str> = Allergen::ALL.iter().map(|a| a.as_str()).collect();
                inv.add(
                    form,
                    format!("{fp}/allergens/{j}"),
                    format!(
                        "allergène inconnu : l'un des 14 de l'annexe II du règlement (UE) 1169/2011 ({})",
                        all.join(", ")
                    ),
                );
            }
        }
        if f.labels.len() > MAX_LABELS {
            inv.add(form, format!("{fp}/labels"), format!("{MAX_LABELS} labels au plus"));
        }
        for (j, l) in f.labels.iter().enumerate() {
            check_texte(inv, format!("{fp}/labels/{j}"), l, MAX_LABEL, true);
        }
        if f.abv_tenths.is_some_and(|t| t > MAX_ABV_TENTHS) {
            inv.add(form, format!("{fp}/abv_tenths"), "degré d'alcool en dixièmes de % vol, de 0 à 1000");
        }
        if let Some(m) = &f.health_message {
            check_texte(inv, format!("{fp}/health_message"), m, MAX_HEALTH_MESSAGE, true);
        }
    }
    let unit = d.unit_or_default();
    for (j, v) in d.variants.iter().enumerate() {
        let vp = format!("{at}/variants/{j}");
        if let Some(q) = &v.net_quantity
            && NetQuantity::parse_canonical(q).is_none()
        {
            inv.add(
                form,
                format!("{vp}/net_quantity"),
                format!("quantité nette « {q} » : attendu la forme canonique, par ex. 75 cl, 1,5 kg ou 6 × 125 g"),
            );
        }
        let Some(sent) = v.unit_price else { continue };
        if sent.per == UnitPricePer::Unknown {
            inv.add(form, format!("{vp}/unit_price/per"), "unité du prix inconnue : kg, l, m ou m2");
        } else if sent.cents < 0 {
            inv.add(form, format!("{vp}/unit_price/cents"), "centimes, positif ou nul");
        } else if unit != SellingUnit::Unknown {
            match crate::storefront::unit_price(d, v) {
                Some(expected) if expected == sent => {}
                Some(expected) => inv.add(
                    codes::UNIT_PRICE_MISMATCH,
                    format!("{vp}/unit_price"),
                    format!(
                        "prix à l'unité de mesure incohérent : {} d'après le prix et la quantité nette",
                        crate::storefront::unit_price_text(expected)
                    ),
                ),
                None => inv.add(
                    codes::UNIT_PRICE_MISMATCH,
                    format!("{vp}/unit_price"),
                    "aucun prix à l'unité de mesure ne découle du prix, de l'unité de vente et de la quantité nette",
                ),
            }
        }
    }
    if d.published {
        publish_requirements(inv, d, at);
    }
}

/// What a product must carry to be put on sale (`published`); an unpublished product
/// may lack it. The same rules as Comptoir's (`catalogue::publish_problems`).
fn publish_requirements(inv: &mut Invalid, d: &ProductData, at: &str) {
    let missing = codes::NOT_PUBLISHABLE;
    if let Some(f) = &d.food {
        // Pre-packed food sold at a distance: the particulars of Regulation (EU)
        // No 1169/2011 art. 9 must be available before the purchase (art. 14).
        // Drinks above 1.2 % vol are exempt from the list of ingredients (art. 16(4)),
        // not from their allergens (art. 21).
        if f.ingredients.trim().is_empty() && !d.is_alcoholic() {
            inv.add(
                missing,
                format!("{at}/food/ingredients"),
                "liste des ingrédients manquante : obligatoire pour vendre un produit alimentaire en ligne (règlement (UE) 1169/2011, art. 9 et 14)",
            );
        }
        if f.allergens.is_none() {
            inv.add(
                missing,
                format!("{at}/food/allergens"),
                "allergènes non renseignés : la liste (vide pour « aucun ») est obligatoire pour vendre en ligne (règlement (UE) 1169/2011, art. 9 et annexe II)",
            );
        }
        if f.storage.trim().is_empty() {
            inv.add(
                missing,
                format!("{at}/food/storage"),
                "conditions de conservation manquantes (règlement (UE) 1169/2011, art. 9)",
            );
        }
        if !d.unit_or_default().is_measured() {
            for (j, v) in d.variants.iter().enumerate() {
                if v.net_quantity.is_none() {
                    inv.add(
                        missing,
                        format!("{at}/variants/{j}/net_quantity"),
                        format!("quantité nette manquante pour {} (règlement (UE) 1169/2011, art. 9)", v.sku),
                    );
                }
            }
        }
    }
    if d.is_alcoholic() {
        if !d.adults_only {
            inv.add(
                missing,
                format!("{at}/adults_only"),
                "boisson alcoolisée : vente interdite aux mineurs, adults_only doit valoir true (Code de la santé publique, art. L3342-1)",
            );
        }
        let message = d.food.as_ref().and_then(|f| f.health_message.as_deref()).map(str::trim);
        if message != Some(ALCOHOL_HEALTH_MESSAGE) {
            inv.add(
                missing,
                format!("{at}/food/health_message"),
                format!(
                    "boisson alcoolisée : le message sanitaire « {ALCOHOL_HEALTH_MESSAGE} » est obligatoire (Code de la santé publique, art. L3323-4)"
                ),
            );
        }
    }
}

/// The desired state of an upsert, decoded after the op's `type`.
enum Data {
    // Boxed: a product (with its food information) is many times a category's size.
    Product(Box<ProductData>),
    Category(CategoryData),
}

/// Checks an upsert's data; `refs`: also what it refers to.
async fn validate_data(
    conn: &mut SqliteConnection,
    shop: &str,
    ext: &str,
    data: &Data,
    at: &str,
    refs: bool,
) -> ApiResult<()> {
    match data {
        Data::Product(d) => validate_product(conn, shop, ext, d, at, refs).await,
        Data::Category(d) => validate_category(conn, shop, ext, d, at, refs).await,
    }
}

struct OpCtx<'a> {
    shop: &'a str,
    at: String,
    now: DateTime<Utc>,
}

fn result(op: &CatalogOp, status: OpStatus) -> OpResult {
    OpResult {
        external_id: op.external_id.clone(),
        object_type: op.object_type,
        status,
        version: None,
        current_version: None,
        problem: None,
    }
}

async fn apply_op(conn: &mut SqliteConnection, cx: &OpCtx<'_>, raw: Value) -> ApiResult<OpResult> {
    let hint = OpResult {
        external_id: raw.get("external_id").and_then(Value::as_str).unwrap_or_default().to_owned(),
        object_type: raw
            .get("type")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or(ObjectType::Unknown),
        status: OpStatus::Invalid,
        version: None,
        current_version: None,
        problem: None,
    };
    let invalid = |e: ApiError| OpResult { problem: Some(*e.problem), ..hint.clone() };
    let op: CatalogOp = match decode_at(raw, &cx.at) {
        Ok(op) => op,
        Err(e) => return Ok(invalid(e)),
    };
    let at = &cx.at;
    let mut inv = Invalid::default();
    check_text(&mut inv, format!("{at}/external_id"), &op.external_id, 200, true);
    if op.base_version < 0 {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/base_version"), "must be >= 0");
    }
    if op.op == OpKind::Unknown {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/op"), "upsert or delete");
    }
    if op.object_type == ObjectType::Unknown {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/type"), "category or product");
    }
    if op.op == OpKind::Upsert && op.data.is_none() {
        inv.add(codes::VALIDATION_FAILED, format!("{at}/data"), "required for upsert");
    }
    if let Err(e) = inv.into_result() {
        return Ok(invalid(e));
    }
    let data_at = format!("{at}/data");
    let data = match (op.op, op.object_type, op.data.clone()) {
        (OpKind::Upsert, ObjectType::Product, Some(raw)) => match decode_at(raw, &data_at) {
            Ok(d) => Some(Data::Product(Box::new(d))),
            Err(e) => return Ok(invalid(e)),
        },
        (OpKind::Upsert, _, Some(raw)) => match decode_at(raw, &data_at) {
            Ok(d) => Some(Data::Category(d)),
            Err(e) => return Ok(invalid(e)),
        },
        _ => None,
    };
    // A stale op with invalid data is told `invalid` (with every cause), not `conflict`.
    if let Some(d) = &data
        && validate_data(conn, cx.shop, &op.external_id, d, &data_at, false).await.is_err()
        && let Err(e) = validate_data(conn, cx.shop, &op.external_id, d, &data_at, true).await
    {
        return Ok(invalid(e));
    }

    let current = version_of(conn, op.object_type, cx.shop, &op.external_id).await?;
    let current_version = current.map_or(0, |c| c.0);
    if op.base_version != current_version {
        return Ok(OpResult { current_version: Some(current_version), ..result(&op, OpStatus::Conflict) });
    }
    let version = match data {
        None => match current {
            None => 0,
            Some((v, true)) => v,
            Some((v, false)) => {
                delete(conn, op.object_type, cx, &op.external_id, v + 1).await?;
                v + 1
            }
        },
        Some(Data::Product(data)) => {
            if let Err(e) = validate_product(conn, cx.shop, &op.external_id, &data, &data_at, true).await {
                return Ok(invalid(e));
            }
            write_product(conn, cx.shop, &op.external_id, current_version + 1, &data, cx.now).await?;
            track_images(conn, cx.shop, &op.external_id, &data.images, cx.now).await?;
            current_version + 1
        }
        Some(Data::Category(data)) => {
            if let Err(e) = validate_category(conn, cx.shop, &op.external_id, &data, &data_at, true).await {
                return Ok(invalid(e));
            }
            sqlx::query(
                "INSERT INTO categories (shop_id, external_id, version, deleted, data, hash, updated_at)
                 VALUES (?, ?, ?, 0, ?, ?, ?)
                 ON CONFLICT (shop_id, external_id) DO UPDATE SET version = excluded.version, deleted = 0,
                   data = excluded.data, hash = excluded.hash, updated_at = excluded.updated_at",
            )
            .bind(cx.shop)
            .bind(&op.external_id)
            .bind(current_version + 1)
            .bind(serde_json::to_string(&data)?)
            .bind(content_hash(&data))
            .bind(to_ms(cx.now))
            .execute(&mut *conn)
            .await?;
            current_version + 1
        }
    };
    Ok(OpResult { version: Some(version), ..result(&op, OpStatus::Ok) })
}

async fn delete(conn: &mut SqliteConnection, ty: ObjectType, cx: &OpCtx<'_>, ext: &str, version: i64) -> ApiResult<()> {
    let q = match ty {
        ObjectType::Product => {
            sqlx::query("DELETE FROM variants WHERE shop_id = ? AND product_external_id = ?")
                .bind(cx.shop)
                .bind(ext)
                .execute(&mut *conn)
                .await?;
            track_images(conn, cx.shop, ext, &[], cx.now).await?;
            "UPDATE products SET version = ?, deleted = 1, data = NULL, hash = NULL, published = 0, updated_at = ?
             WHERE shop_id = ? AND external_id = ?"
        }
        _ => {
            "UPDATE categories SET version = ?, deleted = 1, data = NULL, hash = NULL, updated_at = ?
             WHERE shop_id = ? AND external_id = ?"
        }
    };
    sqlx::query(q).bind(version).bind(to_ms(cx.now)).bind(cx.shop).bind(ext).execute(conn).await?;
    Ok(())
}

/// Keep the photo references in step with the `images` product `ext` now lists
/// (none once deleted), in the batch's transaction: a photo it starts listing is
/// referenced again, and one it drops that no other live product lists becomes
/// unreferenced from now, for the sweep to delete after `media_grace` (`media.rs`).
/// Stock moves rewrite a product with the same images, so they need not call this.
async fn track_images(
    conn: &mut SqliteConnection,
    shop: &str,
    ext: &str,
    images: &[String],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let before: Vec<String> =
        sqlx::query_scalar("SELECT sha256 FROM media_refs WHERE shop_id = ? AND product_external_id = ?")
            .bind(shop)
            .bind(ext)
            .fetch_all(&mut *conn)
            .await?;
    let after: BTreeSet<&str> = images.iter().map(String::as_str).collect();
    for sha in after.iter().filter(|s| !before.iter().any(|b| b == *s)) {
        sqlx::query("INSERT INTO media_refs (shop_id, sha256, product_external_id) VALUES (?, ?, ?)")
            .bind(shop)
            .bind(sha)
            .bind(ext)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE media SET unreferenced_since = NULL
             WHERE shop_id = ? AND sha256 = ? AND unreferenced_since IS NOT NULL",
        )
        .bind(shop)
        .bind(sha)
        .execute(&mut *conn)
        .await?;
    }
    for sha in before.iter().filter(|b| !after.contains(b.as_str())) {
        sqlx::query("DELETE FROM media_refs WHERE shop_id = ? AND sha256 = ? AND product_external_id = ?")
            .bind(shop)
            .bind(sha)
            .bind(ext)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE media SET unreferenced_since = ?1
             WHERE shop_id = ?2 AND sha256 = ?3 AND unreferenced_since IS NULL
               AND NOT EXISTS (SELECT 1 FROM media_refs WHERE shop_id = ?2 AND sha256 = ?3)",
        )
        .bind(to_ms(now))
        .bind(shop)
        .bind(sha)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Store a product's full state at `version` (also used when stock moves).
pub async fn write_product(
    conn: &mut SqliteConnection,
    shop: &str,
    ext: &str,
    version: i64,
    data: &ProductData,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO products (shop_id, external_id, version, deleted, data, hash, published, updated_at)
         VALUES (?, ?, ?, 0, ?, ?, ?, ?)
         ON CONFLICT (shop_id, external_id) DO UPDATE SET version = excluded.version, deleted = 0,
           data = excluded.data, hash = excluded.hash, published = excluded.published,
           updated_at = excluded.updated_at",
    )
    .bind(shop)
    .bind(ext)
    .bind(version)
    .bind(serde_json::to_string(data)?)
    .bind(content_hash(data))
    .bind(data.published)
    .bind(to_ms(now))
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM variants WHERE shop_id = ? AND product_external_id = ?")
        .bind(shop)
        .bind(ext)
        .execute(&mut *conn)
        .await?;
    for v in &data.variants {
        sqlx::query("INSERT INTO variants (shop_id, sku, product_external_id) VALUES (?, ?, ?)")
            .bind(shop)
            .bind(&v.sku)
            .bind(ext)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn ops_of(body: &Value, max: usize) -> ApiResult<Vec<Value>> {
    match body.get("ops") {
        Some(Value::Array(ops)) if !ops.is_empty() && ops.len() <= max => Ok(ops.clone()),
        Some(Value::Array(_)) => Err(ApiError::validation("/ops", format!("1 to {max} operations"))),
        Some(_) => Err(ApiError::validation("/ops", "must be an array")),
        None => Err(ApiError::validation("/ops", "missing field `ops`")),
    }
}

/// `POST /v1/catalog/batch`
pub async fn batch(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    auth.require(Scope::CatalogWrite)?;
    let key = idempotency_key(&headers)?;
    let fp = idempotency::fingerprint("POST", "/v1/catalog/batch", &body);
    let shop = auth.shop_id.clone();
    let st2 = st.clone();
    idempotency::run(&st, &auth.shop_id, &key, &fp, |mut tx, fx| async move {
        let ops = ops_of(&body, st2.config.max_batch_ops)?;
        let now = st2.now();
        let mut results = Vec::with_capacity(ops.len());
        for (i, raw) in ops.into_iter().enumerate() {
            let cx = OpCtx { shop: &shop, at: format!("/ops/{i}"), now };
            results.push(apply_op(&mut tx, &cx, raw).await?);
        }
        let body = serde_json::to_value(CatalogBatchResponse { results })?;
        Ok((tx, fx, StatusCode::OK, body))
    })
    .await
}

pub fn encode_cursor(parts: &[&str]) -> String {
    hex::encode(parts.join("\u{1f}"))
}

pub fn decode_cursor(c: &str, n: usize) -> ApiResult<Vec<String>> {
    let bad = || ApiError::bad_query("`cursor` is not a cursor this server issued");
    let raw = String::from_utf8(hex::decode(c).map_err(|_| bad())?).map_err(|_| bad())?;
    let parts: Vec<String> = raw.split('\u{1f}').map(str::to_owned).collect();
    if parts.len() == n { Ok(parts) } else { Err(bad()) }
}

/// Where a page of `state` or `content` starts: after this (type, external id).
fn type_cursor(params: &Params) -> ApiResult<(String, String)> {
    Ok(match params.get("cursor") {
        Some(c) => {
            let p = decode_cursor(c, 2)?;
            (p[0].clone(), p[1].clone())
        }
        None => (String::new(), String::new()),
    })
}

type StateRow = (String, String, i64, bool, Option<String>, Option<String>, Option<String>, i64);

/// `GET /v1/catalog/state?cursor=&limit=`
pub async fn state(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    params: Params,
) -> ApiResult<Json<StatePage>> {
    auth.require(Scope::CatalogWrite)?;
    let limit = params.limit(500, st.config.max_page_size)?;
    let (after_type, after_ext) = type_cursor(&params)?;
    let rows: Vec<StateRow> = sqlx::query_as(
        "SELECT type, external_id, version, deleted, hash, mstatus, mreason, updated_at FROM (
           SELECT 'category' AS type, external_id, version, deleted, hash,
                  NULL AS mstatus, NULL AS mreason, updated_at
             FROM categories WHERE shop_id = ?1
           UNION ALL
           SELECT 'product', external_id, version, deleted, hash, moderation_status, moderation_reason, updated_at
             FROM products WHERE shop_id = ?1)
         WHERE (type, external_id) > (?2, ?3) ORDER BY type, external_id LIMIT ?4",
    )
    .bind(&auth.shop_id)
    .bind(&after_type)
    .bind(&after_ext)
    .bind(limit + 1)
    .fetch_all(&st.db.reader)
    .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<StateItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(ty, ext, version, deleted, hash, ms, mr, at)| StateItem {
            object_type: serde_json::from_value(Value::String(ty)).unwrap_or(ObjectType::Unknown),
            external_id: ext,
            version,
            deleted,
            hash,
            moderation: ms.map(|s| Moderation {
                status: serde_json::from_value(Value::String(s)).unwrap_or(ModerationStatus::Unknown),
                reason: mr,
            }),
            updated_at: from_ms(at),
        })
        .collect();
    let next_cursor =
        if more { items.last().map(|i| encode_cursor(&[i.object_type.as_str(), &i.external_id])) } else { None };
    Ok(Json(StatePage { items, next_cursor }))
}

type ContentRow = (String, String, i64, Option<String>, Option<String>, Option<String>, Option<String>);

/// `GET /v1/catalog/content?cursor=&limit=`: the live objects with their stored data,
/// for a shop rebuilding its catalogue (a new PC, no backup). Same order and cursors
/// as `state`; pages default to 100 objects (products carry their variants).
pub async fn content(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    params: Params,
) -> ApiResult<Json<ContentPage>> {
    auth.require(Scope::CatalogWrite)?;
    let limit = params.limit(100, st.config.max_page_size)?;
    let (after_type, after_ext) = type_cursor(&params)?;
    let rows: Vec<ContentRow> = sqlx::query_as(
        "SELECT type, external_id, version, data, hash, mstatus, mreason FROM (
           SELECT 'category' AS type, external_id, version, data, hash, NULL AS mstatus, NULL AS mreason
             FROM categories WHERE shop_id = ?1 AND deleted = 0
           UNION ALL
           SELECT 'product', external_id, version, data, hash, moderation_status, moderation_reason
             FROM products WHERE shop_id = ?1 AND deleted = 0)
         WHERE (type, external_id) > (?2, ?3) ORDER BY type, external_id LIMIT ?4",
    )
    .bind(&auth.shop_id)
    .bind(&after_type)
    .bind(&after_ext)
    .bind(limit + 1)
    .fetch_all(&st.db.reader)
    .await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::with_capacity(rows.len().min(limit as usize));
    for (ty, ext, version, data, hash, ms, mr) in rows.into_iter().take(limit as usize) {
        let object_type = serde_json::from_value(Value::String(ty)).unwrap_or(ObjectType::Unknown);
        let data = data.unwrap_or_default();
        let (category, product) = match object_type {
            ObjectType::Category => (Some(serde_json::from_str::<CategoryData>(&data)?), None),
            _ => (None, Some(serde_json::from_str::<ProductData>(&data)?)),
        };
        items.push(ContentItem {
            object_type,
            external_id: ext,
            version,
            hash: hash.unwrap_or_default(),
            category,
            product,
            moderation: ms.map(|s| Moderation {
                status: serde_json::from_value(Value::String(s)).unwrap_or(ModerationStatus::Unknown),
                reason: mr,
            }),
        });
    }
    let next_cursor =
        if more { items.last().map(|i| encode_cursor(&[i.object_type.as_str(), &i.external_id])) } else { None };
    Ok(Json(ContentPage { items, next_cursor }))
}

/// Marketplace moderation: bumps the product version (so the shop's next stale
/// upsert conflicts) and tells the shop through its event log.
pub async fn moderate(
    st: &AppState,
    shop: &str,
    ext: &str,
    status: ModerationStatus,
    reason: Option<String>,
) -> ApiResult<ProductModerated> {
    if status == ModerationStatus::Unknown {
        return Err(ApiError::validation("/status", "approved or rejected"));
    }
    if status == ModerationStatus::Rejected && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(ApiError::validation("/reason", "a rejection needs a reason the shop can act on"));
    }
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let status_str = match status {
        ModerationStatus::Approved => "approved",
        _ => "rejected",
    };
    let version: Option<i64> = sqlx::query_scalar(
        "UPDATE products SET version = version + 1, moderation_status = ?, moderation_reason = ?, updated_at = ?
         WHERE shop_id = ? AND external_id = ? AND deleted = 0 RETURNING version",
    )
    .bind(status_str)
    .bind(&reason)
    .bind(to_ms(now))
    .bind(shop)
    .bind(ext)
    .fetch_optional(&mut *tx)
    .await?;
    let version = version.ok_or_else(|| ApiError::not_found("product"))?;
    let ev = ProductModerated { external_id: ext.to_owned(), version, moderation: Moderation { status, reason } };
    let mut fx = Effects::default();
    events::append(&mut tx, &mut fx, shop, EventType::ProductModerated, now, &ev).await?;
    tx.commit().await?;
    st.published(fx);
    Ok(ev)
}
