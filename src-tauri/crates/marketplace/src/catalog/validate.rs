//! An object's data checked before anything is written: every invalid field is told
//! ([`Invalid`]), not just the first, and, with `refs`, what it refers to in the shop —
//! its SKUs free, its photos uploaded, its categories live.

use std::collections::HashSet;

use axum::http::StatusCode;
use comptoir_protocol::catalog::{CategoryData, ObjectType, ProductData};
use comptoir_protocol::hash::is_sha256_hex;
use comptoir_protocol::problem::codes;
use sqlx::SqliteConnection;

use super::vocabulary::validate_vocabulary;
use crate::error::{ApiError, ApiResult};

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

    pub(super) fn into_result(self) -> ApiResult<()> {
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

pub(super) fn check_text(inv: &mut Invalid, pointer: String, value: &str, max: usize, required: bool) {
    if required && value.trim().is_empty() {
        inv.add(codes::VALIDATION_FAILED, pointer, "must not be empty");
    } else if value.chars().count() > max {
        inv.add(codes::VALIDATION_FAILED, pointer, format!("at most {max} characters"));
    }
}

pub(super) async fn version_of(
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
pub(super) async fn validate_product(
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

pub(super) async fn validate_category(
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
