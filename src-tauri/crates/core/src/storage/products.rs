//! SQL of the catalogue's products: the list, one product, writes (transactional, the
//! search index kept in step) and the search index itself. Values come in valid (the
//! catalogue validates) and go out as stored (the catalogue derives unit prices).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::offer::{OFFER_COLUMNS, OFFER_PLACEHOLDERS, OFFER_SET, StoredOffer};
use super::{Db, ts};
use crate::model::catalogue::{
    Product, ProductFilter, ProductInput, ProductKind, ProductStatus, StockPolicy, Unit, Variant, VariantOption,
};
use crate::text::fold;
use crate::vat::VatRate;
use crate::{Error, FieldError, Result};

/// Largest page the list hands out at once; the UI asks for what is on screen.
const MAX_PAGE: u32 = 500;

/// A line of the catalogue list as stored. The catalogue's `ProductRow` is this with
/// what it derives (the unit price) and what promotions add (the badge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedProduct {
    pub id: i64,
    pub name: String,
    pub category_path: Option<String>,
    pub status: ProductStatus,
    pub vat: VatRate,
    pub unit: Unit,
    pub variant_count: i64,
    /// SKU of the first variant.
    pub sku: Option<String>,
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    pub total_stock: i64,
    pub kind: ProductKind,
    pub stock_policy: StockPolicy,
    pub packaging: Option<String>,
    /// The first variant's price and net quantity (its unit price is the list's).
    pub first_price_cents: Option<i64>,
    pub first_net_quantity: Option<String>,
}

impl Db {
    /// One page of the catalogue list matching `filter`, and how many match in all.
    pub async fn list_product_rows(&self, filter: &ProductFilter) -> Result<(u32, Vec<ListedProduct>)> {
        let limit = filter.limit.clamp(1, MAX_PAGE);
        let terms = filter.search.as_deref().map(crate::text::search_terms).unwrap_or_default();
        // Each word is a quoted prefix: "pate" finds "pâté" and "pâtes"; quoting keeps
        // FTS syntax characters typed by the user from being interpreted.
        let fts = (!terms.is_empty()).then(|| terms.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" "));

        let tree = self.category_tree(false).await?;
        // The category and its descendants: the tree is depth-first, so they are the
        // run of deeper entries right after it.
        let category_ids: Option<Vec<i64>> = filter.category_id.map(|id| {
            let mut ids = Vec::new();
            if let Some(start) = tree.iter().position(|c| c.id == id) {
                ids.push(id);
                let depth = tree[start].depth;
                ids.extend(tree[start + 1..].iter().take_while(|c| c.depth > depth).map(|c| c.id));
            }
            ids
        });

        // With a search, the full-text index drives (a few thousand matches at most are
        // sorted); without one, the name index gives the order directly.
        fn push_from_where(qb: &mut QueryBuilder<Sqlite>, fts: &Option<String>, categories: &Option<Vec<i64>>) {
            match fts {
                Some(fts) => {
                    qb.push(" FROM product_search s JOIN products p ON p.id = s.rowid WHERE product_search MATCH ");
                    qb.push_bind(fts.clone());
                }
                None => {
                    qb.push(" FROM products p WHERE 1 = 1");
                }
            }
            if let Some(ids) = categories {
                qb.push(" AND p.category_id IN (SELECT value FROM json_each(");
                qb.push_bind(serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()));
                qb.push("))");
            }
        }

        // The page is chosen first (ids in name order), and only its rows get their
        // variant figures: SQLite computes a SELECT's columns before sorting, so in one
        // query the eight sub-queries ran for every match, 5,000 for « pâté », not for
        // the 100 shown. With a search, the page's query also counts the matches
        // (`count(*) OVER ()`, before the LIMIT): the 5,000 products are read once, not
        // once more by a separate count (issue 17: 13 → 7 ms of CPU for « pâté »).
        // Without one, the name index gives the page directly (a window would read the
        // whole catalogue) and SQLite counts apart.
        let searching = fts.is_some();
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT p.id, p.name, p.category_id, p.status, p.vat_bp, p.unit,
                    (SELECT count(*) FROM variants v WHERE v.product_id = p.id),
                    (SELECT sku FROM variants v WHERE v.product_id = p.id ORDER BY position, id LIMIT 1),
                    (SELECT min(price_cents) FROM variants v WHERE v.product_id = p.id),
                    (SELECT max(price_cents) FROM variants v WHERE v.product_id = p.id),
                    (SELECT coalesce(sum(stock), 0) FROM variants v WHERE v.product_id = p.id),
                    p.kind, p.stock_policy, p.packaging,
                    (SELECT price_cents FROM variants v WHERE v.product_id = p.id ORDER BY position, id LIMIT 1),
                    (SELECT net_quantity FROM variants v WHERE v.product_id = p.id ORDER BY position, id LIMIT 1),
                    page.total
             FROM (SELECT p.id, p.sort_key, ",
        );
        q.push(if searching { "count(*) OVER () AS total" } else { "NULL AS total" });
        push_from_where(&mut q, &fts, &category_ids);
        q.push(" ORDER BY p.sort_key, p.id LIMIT ");
        q.push_bind(i64::from(limit));
        q.push(" OFFSET ");
        q.push_bind(i64::from(filter.offset));
        q.push(") page JOIN products p ON p.id = page.id ORDER BY page.sort_key, page.id");
        let rows = q.build().fetch_all(&self.pool).await?;
        // The window's count rides on the page's rows; a page past the end has none, and
        // only then is the count asked apart.
        let total: i64 = match rows.first().and_then(|r| r.get::<Option<i64>, _>(16)) {
            Some(total) => total,
            None if searching && filter.offset == 0 => 0,
            None => {
                let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*)");
                push_from_where(&mut count, &fts, &category_ids);
                count.build_query_scalar().fetch_one(&self.pool).await?
            }
        };
        let paths: HashMap<i64, String> = tree.into_iter().map(|c| (c.id, c.path)).collect();
        let items = rows
            .into_iter()
            .map(|r| {
                let category_id: Option<i64> = r.get(2);
                let kind: String = r.get(11);
                let stock_policy: String = r.get(12);
                Ok(ListedProduct {
                    id: r.get(0),
                    name: r.get(1),
                    category_path: category_id.and_then(|c| paths.get(&c).cloned()),
                    status: parse_status(r.get(3))?,
                    vat: parse_vat(r.get(4))?,
                    unit: parse_unit(r.get(5))?,
                    variant_count: r.get(6),
                    sku: r.get(7),
                    min_price_cents: r.get(8),
                    max_price_cents: r.get(9),
                    total_stock: r.get(10),
                    kind: ProductKind::from_stored(&kind).ok_or_else(|| corrupt("kind", &kind))?,
                    stock_policy: StockPolicy::from_stored(&stock_policy)
                        .ok_or_else(|| corrupt("stock_policy", &stock_policy))?,
                    packaging: r.get(13),
                    first_price_cents: r.get(14),
                    first_net_quantity: r.get(15),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((u32::try_from(total).unwrap_or(u32::MAX), items))
    }

    /// One product as stored, with its category's path; its variants' unit prices are
    /// left for the catalogue to derive (`Db::product`).
    pub async fn stored_product(&self, id: i64) -> Result<Product> {
        let mut conn = self.pool.acquire().await?;
        let product = load_product(&mut conn, id).await?;
        drop(conn);
        let mut product = product.ok_or_else(|| Error::not_found("Produit", id))?;
        if let Some(c) = product.category_id {
            product.category_path = self.category_paths().await?.remove(&c);
        }
        Ok(product)
    }

    /// The product a SKU (any case) belongs to.
    pub async fn product_id_of_sku(&self, sku: &str) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT product_id FROM variants WHERE sku = ? COLLATE NOCASE")
            .bind(sku.trim())
            .fetch_optional(&self.pool)
            .await?;
        id.ok_or_else(|| Error::not_found("Référence", sku.trim()))
    }

    /// Creates or replaces a validated product with exactly the given variants; returns
    /// its id.
    pub async fn write_product(&self, input: &ProductInput, now: DateTime<Utc>) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id = save_product_tx(&mut tx, input, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes many validated products in one transaction: all or none.
    pub async fn write_products(&self, inputs: &[ProductInput], now: DateTime<Utc>) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        for input in inputs {
            save_product_tx(&mut tx, input, now).await?;
        }
        tx.commit().await?;
        Ok(inputs.len())
    }

    pub async fn delete_product(&self, id: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("DELETE FROM products WHERE id = ?").bind(id).execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            return Err(Error::not_found("Produit", id));
        }
        sqlx::query("DELETE FROM product_search WHERE rowid = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Products carrying food information, in catalogue order.
    pub async fn food_product_ids(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM products WHERE food IS NOT NULL ORDER BY sort_key, id")
            .fetch_all(&self.pool)
            .await?)
    }
}

/// Writes a validated product inside the caller's transaction (imports write many).
pub(crate) async fn save_product_tx(
    conn: &mut SqliteConnection,
    input: &ProductInput,
    now: DateTime<Utc>,
) -> Result<i64> {
    let now_s = ts(now);
    let offer = StoredOffer::from_offer(&input.offer);
    if let Some(cat) = input.category_id {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM categories WHERE id = ?").bind(cat).fetch_optional(&mut *conn).await?;
        if exists.is_none() {
            return Err(Error::invalid("category_id", "not_found", "Cette catégorie n'existe plus"));
        }
    }
    let insert = format!(
        "INSERT INTO products (name, sort_key, description, category_id, status, vat_bp, unit, created_at, updated_at, {OFFER_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, {OFFER_PLACEHOLDERS})"
    );
    let update = format!(
        "UPDATE products SET name = ?, sort_key = ?, description = ?, category_id = ?, status = ?, vat_bp = ?, unit = ?, updated_at = ?, {OFFER_SET}
         WHERE id = ?"
    );
    let id = match input.id {
        None => offer
            .bind(bind_fields(sqlx::query(sqlx::AssertSqlSafe(insert)), input).bind(&now_s).bind(&now_s))
            .execute(&mut *conn)
            .await?
            .last_insert_rowid(),
        Some(id) => {
            let n = offer
                .bind(bind_fields(sqlx::query(sqlx::AssertSqlSafe(update)), input).bind(&now_s))
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(Error::not_found("Produit", id));
            }
            id
        }
    };

    // Variants: remove the ones the input dropped, then update or insert in order.
    let existing: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM variants WHERE product_id = ?").bind(id).fetch_all(&mut *conn).await?;
    for old in &existing {
        if !input.variants.iter().any(|v| v.id == Some(*old)) {
            sqlx::query("DELETE FROM variants WHERE id = ?").bind(old).execute(&mut *conn).await?;
        }
    }
    // Two variants may swap SKUs in one save: park the kept ones on temporary SKUs first
    // so the UNIQUE constraint sees a consistent state.
    for v in &input.variants {
        if let Some(vid) = v.id.filter(|vid| existing.contains(vid)) {
            sqlx::query("UPDATE variants SET sku = '\u{1}' || id, ean = NULL WHERE id = ?")
                .bind(vid)
                .execute(&mut *conn)
                .await?;
        }
    }
    let mut field_errors = Vec::new();
    for (i, v) in input.variants.iter().enumerate() {
        let options = serde_json::to_string(&v.options).unwrap_or_else(|_| "[]".into());
        let res = match v.id.filter(|vid| existing.contains(vid)) {
            Some(vid) => {
                sqlx::query(
                    "UPDATE variants SET sku = ?, options = ?, price_cents = ?, stock = ?, ean = ?, net_quantity = ?, position = ?, updated_at = ?
                     WHERE id = ?",
                )
                .bind(&v.sku)
                .bind(&options)
                .bind(v.price_cents)
                .bind(v.stock)
                .bind(&v.ean)
                .bind(&v.net_quantity)
                .bind(i as i64)
                .bind(&now_s)
                .bind(vid)
                .execute(&mut *conn)
                .await
            }
            None => {
                sqlx::query(
                    "INSERT INTO variants (product_id, sku, options, price_cents, stock, ean, net_quantity, position, created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id)
                .bind(&v.sku)
                .bind(&options)
                .bind(v.price_cents)
                .bind(v.stock)
                .bind(&v.ean)
                .bind(&v.net_quantity)
                .bind(i as i64)
                .bind(&now_s)
                .bind(&now_s)
                .execute(&mut *conn)
                .await
            }
        };
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                let msg = e.as_database_error().map(|d| d.message().to_owned()).unwrap_or_default();
                if msg.contains("variants.ean") {
                    let owner = owner_of(conn, "ean", v.ean.as_deref().unwrap_or_default()).await?;
                    field_errors.push(FieldError::new(
                        format!("variants.{i}.ean"),
                        "ean_taken",
                        format!("Code EAN déjà utilisé par « {owner} »"),
                    ));
                } else {
                    let owner = owner_of(conn, "sku", &v.sku).await?;
                    field_errors.push(FieldError::new(
                        format!("variants.{i}.sku"),
                        "sku_taken",
                        format!("Référence {} déjà utilisée par « {owner} »", v.sku),
                    ));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    if !field_errors.is_empty() {
        // The caller's transaction is dropped (rolled back) on this error.
        return Err(Error::Validation(field_errors));
    }
    reindex_product(conn, id).await?;
    Ok(id)
}

/// The product's own columns, in the order both statements of `save_product_tx` list
/// them (name to unit; the timestamps and the offer follow).
fn bind_fields<'q>(
    q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>,
    input: &'q ProductInput,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments> {
    q.bind(&input.name)
        .bind(crate::text::sort_key(&input.name))
        .bind(&input.description)
        .bind(input.category_id)
        .bind(input.status.as_str())
        .bind(input.vat.basis_points())
        .bind(input.unit.as_str())
}

async fn owner_of(conn: &mut SqliteConnection, column: &str, value: &str) -> Result<String> {
    let sql = if column == "ean" {
        "SELECT p.name FROM variants v JOIN products p ON p.id = v.product_id WHERE v.ean = ?"
    } else {
        "SELECT p.name FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = ?"
    };
    let name: Option<String> = sqlx::query_scalar(sql).bind(value).fetch_optional(&mut *conn).await?;
    Ok(name.unwrap_or_else(|| "un autre produit".into()))
}

/// What a product's search text is: its name, its description, the names of its
/// category and of each ancestor up to the root, then each variant's `sku ean options`
/// (its options as stored, JSON) in variant id order; folded. The one formula: the
/// import computes it from its plan (`import::plan::writes`), every other write reads
/// the parts back ([`reindex_product`], `import_tx`'s).
pub(crate) fn search_text<'a>(
    name: &str,
    description: &str,
    categories_leaf_first: impl IntoIterator<Item = &'a str>,
    variants: impl IntoIterator<Item = (&'a str, Option<&'a str>, &'a str)>,
) -> String {
    let categories = categories_leaf_first.into_iter().collect::<Vec<_>>().join(" ");
    let variants = variants
        .into_iter()
        .map(|(sku, ean, options)| format!("{sku} {} {options}", ean.unwrap_or("")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut parts = vec![name, description];
    // No category or no variant adds no part (not an empty one).
    parts.extend([categories.as_str(), variants.as_str()].into_iter().filter(|p| !p.is_empty()));
    fold(&parts.join(" "))
}

/// One product's searchable parts, one per row, in [`search_text`]'s order:
/// `(0, name, description, NULL)`, then `(1, category name, NULL, NULL)` from its own
/// category up to the root, then `(2, sku, ean, options)` by variant id. No row: no
/// such product.
pub(crate) const SEARCH_PARTS_SQL: &str = "WITH RECURSIVE up(id, parent_id, name, depth) AS (
         SELECT c.id, c.parent_id, c.name, 0 FROM categories c JOIN products p ON p.category_id = c.id WHERE p.id = ?1
         UNION ALL SELECT c.id, c.parent_id, c.name, up.depth + 1 FROM categories c JOIN up ON c.id = up.parent_id)
     SELECT 0, name, description, NULL, 0 FROM products WHERE id = ?1
     UNION ALL SELECT 1, name, NULL, NULL, depth FROM up
     UNION ALL SELECT 2, sku, ean, options, id FROM variants WHERE product_id = ?1
     ORDER BY 1, 5";

/// One row of [`SEARCH_PARTS_SQL`]: (part, text, second text, third text).
pub(crate) type SearchPart = (i64, String, Option<String>, Option<String>);

/// [`search_text`] of the rows [`SEARCH_PARTS_SQL`] returned (`None`: no product).
pub(crate) fn search_text_of_parts(rows: &[SearchPart]) -> Option<String> {
    let (_, name, description, _) = rows.iter().find(|r| r.0 == 0)?;
    Some(search_text(
        name,
        description.as_deref().unwrap_or(""),
        rows.iter().filter(|r| r.0 == 1).map(|r| r.1.as_str()),
        rows.iter().filter(|r| r.0 == 2).map(|r| (r.1.as_str(), r.2.as_deref(), r.3.as_deref().unwrap_or(""))),
    ))
}

/// Rebuilds the search text of one product from its rows (see [`search_text`]).
pub(crate) async fn reindex_product(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    let rows: Vec<SearchPart> = sqlx::query_as(SEARCH_PARTS_SQL).bind(id).fetch_all(&mut *conn).await?;
    sqlx::query("DELETE FROM product_search WHERE rowid = ?").bind(id).execute(&mut *conn).await?;
    if let Some(body) = search_text_of_parts(&rows) {
        sqlx::query("INSERT INTO product_search (rowid, body) VALUES (?, ?)")
            .bind(id)
            .bind(body)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn load_product(conn: &mut SqliteConnection, id: i64) -> Result<Option<Product>> {
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, uid, name, description, category_id, status, vat_bp, unit, created_at, updated_at, {OFFER_COLUMNS}
         FROM products WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let unit = parse_unit(r.get(7))?;
    let name: String = r.get(2);
    let offer = StoredOffer::from_sqlx(&r, 10).into_offer(&format!("« {name} »"))?;
    let variants = sqlx::query(
        "SELECT id, sku, options, price_cents, stock, ean, net_quantity FROM variants WHERE product_id = ? ORDER BY position, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|v| {
        let options: String = v.get(2);
        let price_cents: i64 = v.get(3);
        let net_quantity: Option<String> = v.get(6);
        let sku: String = v.get(1);
        let options: Vec<VariantOption> =
            super::stored_json(format_args!("options de la déclinaison {sku}"), &options)?;
        Ok(Variant {
            id: v.get(0),
            sku,
            options,
            price_cents,
            stock: v.get(4),
            ean: v.get(5),
            net_quantity,
            unit_price: None,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Some(Product {
        id: r.get(0),
        uid: r.get(1),
        name,
        description: r.get(3),
        category_id: r.get(4),
        category_path: None,
        status: parse_status(r.get(5))?,
        vat: parse_vat(r.get(6))?,
        unit,
        offer,
        variants,
        created_at: r.get(8),
        updated_at: r.get(9),
    }))
}

pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

fn corrupt(what: &str, value: impl std::fmt::Display) -> Error {
    Error::Database(sqlx::Error::Decode(format!("valeur inattendue pour {what} : {value}").into()))
}

pub(crate) fn parse_status(s: String) -> Result<ProductStatus> {
    match s.as_str() {
        "draft" => Ok(ProductStatus::Draft),
        "published" => Ok(ProductStatus::Published),
        _ => Err(corrupt("status", s)),
    }
}

pub(crate) fn parse_vat(bp: i64) -> Result<VatRate> {
    VatRate::from_basis_points(bp).ok_or_else(|| corrupt("vat_bp", bp))
}

pub(crate) fn parse_unit(s: String) -> Result<Unit> {
    Unit::from_stored(&s).ok_or_else(|| corrupt("unit", s))
}
