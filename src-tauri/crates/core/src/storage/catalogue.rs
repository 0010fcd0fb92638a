//! SQL of the catalogue. Writes are transactional and keep the search index in step.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::offer::{OFFER_COLUMNS, OFFER_PLACEHOLDERS, OFFER_SET, StoredOffer};
use super::{Db, ts};
use crate::catalogue::{
    CatalogueStats, Category, CategoryInput, Product, ProductFilter, ProductInput, ProductPage, ProductRow,
    ProductStatus, Unit, Variant, VariantOption, VariantPatch, unit_price_of, validate_product,
};
use crate::text::fold;
use crate::vat::VatRate;
use crate::{Error, FieldError, Result};

/// Separator in category paths, as shown to people.
pub const PATH_SEP: &str = " › ";

/// Largest page the list hands out at once; the UI asks for what is on screen.
const MAX_PAGE: u32 = 500;

impl Db {
    pub async fn catalogue_stats(&self) -> Result<CatalogueStats> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM variants), (SELECT count(*) FROM categories)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(CatalogueStats { products: row.get(0), variants: row.get(1), categories: row.get(2) })
    }

    // ---- categories -------------------------------------------------------------

    /// The whole tree, depth-first in display order, each with its full path.
    pub async fn categories(&self) -> Result<Vec<Category>> {
        self.category_tree(true).await
    }

    /// The tree; product counts are optional because counting scans every product, which
    /// the catalogue list (asked on every keystroke) does not need.
    async fn category_tree(&self, with_counts: bool) -> Result<Vec<Category>> {
        let sql = if with_counts {
            "SELECT c.id, c.uid, c.parent_id, c.name, c.position, coalesce(n.products, 0)
             FROM categories c
             LEFT JOIN (SELECT category_id, count(*) AS products FROM products GROUP BY category_id) n
                    ON n.category_id = c.id"
        } else {
            "SELECT c.id, c.uid, c.parent_id, c.name, c.position, 0 FROM categories c"
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        let mut by_parent: HashMap<Option<i64>, Vec<Category>> = HashMap::new();
        for r in rows {
            let c = Category {
                id: r.get(0),
                uid: r.get(1),
                parent_id: r.get(2),
                name: r.get(3),
                path: String::new(),
                depth: 0,
                position: r.get(4),
                product_count: r.get(5),
            };
            by_parent.entry(c.parent_id).or_default().push(c);
        }
        for children in by_parent.values_mut() {
            children.sort_by(|a, b| a.position.cmp(&b.position).then_with(|| fold(&a.name).cmp(&fold(&b.name))));
        }
        let mut out = Vec::new();
        fn walk(
            parent: Option<i64>,
            prefix: &str,
            depth: u32,
            by_parent: &mut HashMap<Option<i64>, Vec<Category>>,
            out: &mut Vec<Category>,
        ) {
            let Some(children) = by_parent.remove(&parent) else { return };
            for mut c in children {
                c.path = if prefix.is_empty() { c.name.clone() } else { format!("{prefix}{PATH_SEP}{}", c.name) };
                c.depth = depth;
                let (id, path) = (c.id, c.path.clone());
                out.push(c);
                walk(Some(id), &path, depth + 1, by_parent, out);
            }
        }
        walk(None, "", 0, &mut by_parent, &mut out);
        Ok(out)
    }

    pub async fn save_category(&self, input: &CategoryInput, now: DateTime<Utc>) -> Result<Category> {
        let name = input.name.trim();
        if name.is_empty() {
            return Err(Error::invalid("name", "required", "Le nom de la catégorie est obligatoire"));
        }
        let mut tx = self.pool.begin().await?;
        let saved = save_category_in(&mut tx, input, name, now).await;
        let id = match saved {
            Ok(id) => {
                tx.commit().await?;
                id
            }
            Err(e) => {
                // Roll back now: a dropped transaction is only rolled back when its pooled
                // connection is next used, and until then it keeps SQLite's write lock (the
                // next write on another connection would fail with "database is locked").
                tx.rollback().await?;
                return Err(e);
            }
        };
        self.categories().await?.into_iter().find(|c| c.id == id).ok_or_else(|| Error::not_found("Catégorie", id))
    }

    /// Deletes an empty category. One that still holds products or sub-categories is
    /// refused rather than emptied: nothing the shopkeeper filed disappears silently.
    pub async fn delete_category(&self, id: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT name, (SELECT count(*) FROM products WHERE category_id = ?1), (SELECT count(*) FROM categories WHERE parent_id = ?1)
             FROM categories WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("Catégorie", id))?;
        let (name, products, children): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
        if products > 0 || children > 0 {
            return Err(Error::Conflict(format!(
                "La catégorie « {name} » contient encore {products} produit(s) et {children} sous-catégorie(s) : déplacez-les d'abord"
            )));
        }
        sqlx::query("DELETE FROM categories WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds a category by its path (`Alimentation › Crèmerie`, or `Alimentation/Crèmerie`,
    /// or just `Crèmerie` when that name is unique), ignoring case and accents.
    pub async fn find_category(&self, path: &str) -> Result<Option<Category>> {
        let all = self.categories().await?;
        // A name may itself contain a separator ("Boissons/Cave"): a whole-name match wins.
        let whole = fold(path.trim());
        if let Some(c) = all.iter().find(|c| fold(&c.name) == whole || fold(&c.path) == whole) {
            return Ok(Some(c.clone()));
        }
        let wanted: Vec<String> =
            path.split(['›', '>', '/']).map(|s| fold(s.trim())).filter(|s| !s.is_empty()).collect();
        if wanted.is_empty() {
            return Ok(None);
        }
        let matches: Vec<&Category> = all
            .iter()
            .filter(|c| {
                let parts: Vec<String> = c.path.split(PATH_SEP).map(fold).collect();
                parts.ends_with(&wanted)
            })
            .collect();
        Ok(match matches.as_slice() {
            [one] => Some((*one).clone()),
            many => many.iter().find(|c| c.path.split(PATH_SEP).count() == wanted.len()).map(|c| (*c).clone()),
        })
    }

    // ---- products -----------------------------------------------------------------

    pub async fn list_products(&self, filter: &ProductFilter) -> Result<ProductPage> {
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

        let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*)");
        push_from_where(&mut count, &fts, &category_ids);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT p.id, p.name, p.category_id, p.status, p.vat_bp, p.unit,
                    (SELECT count(*) FROM variants v WHERE v.product_id = p.id),
                    (SELECT sku FROM variants v WHERE v.product_id = p.id ORDER BY position, id LIMIT 1),
                    (SELECT min(price_cents) FROM variants v WHERE v.product_id = p.id),
                    (SELECT max(price_cents) FROM variants v WHERE v.product_id = p.id),
                    (SELECT coalesce(sum(stock), 0) FROM variants v WHERE v.product_id = p.id),
                    p.kind, p.stock_policy, p.packaging,
                    (SELECT price_cents FROM variants v WHERE v.product_id = p.id ORDER BY position, id LIMIT 1),
                    (SELECT net_quantity FROM variants v WHERE v.product_id = p.id ORDER BY position, id LIMIT 1)",
        );
        push_from_where(&mut q, &fts, &category_ids);
        q.push(" ORDER BY p.sort_key, p.id LIMIT ");
        q.push_bind(i64::from(limit));
        q.push(" OFFSET ");
        q.push_bind(i64::from(filter.offset));
        let rows = q.build().fetch_all(&self.pool).await?;
        let paths: HashMap<i64, String> = tree.into_iter().map(|c| (c.id, c.path)).collect();
        let items = rows
            .into_iter()
            .map(|r| {
                let category_id: Option<i64> = r.get(2);
                let unit = parse_unit(r.get(5))?;
                let kind: String = r.get(11);
                let stock_policy: String = r.get(12);
                let first_price: Option<i64> = r.get(14);
                let first_net: Option<String> = r.get(15);
                Ok(ProductRow {
                    id: r.get(0),
                    name: r.get(1),
                    category_path: category_id.and_then(|c| paths.get(&c).cloned()),
                    status: parse_status(r.get(3))?,
                    vat: parse_vat(r.get(4))?,
                    unit,
                    variant_count: r.get(6),
                    sku: r.get(7),
                    min_price_cents: r.get(8),
                    max_price_cents: r.get(9),
                    total_stock: r.get(10),
                    kind: crate::catalogue::ProductKind::from_stored(&kind).ok_or_else(|| corrupt("kind", &kind))?,
                    stock_policy: crate::catalogue::StockPolicy::from_stored(&stock_policy)
                        .ok_or_else(|| corrupt("stock_policy", &stock_policy))?,
                    packaging: r.get(13),
                    unit_price: first_price.and_then(|p| unit_price_of(unit, p, first_net.as_deref())),
                    promotion: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ProductPage { total: u32::try_from(total).unwrap_or(u32::MAX), offset: filter.offset, items })
    }

    async fn category_paths(&self) -> Result<HashMap<i64, String>> {
        Ok(self.category_tree(false).await?.into_iter().map(|c| (c.id, c.path)).collect())
    }

    pub async fn product(&self, id: i64) -> Result<Product> {
        let mut conn = self.pool.acquire().await?;
        let product = load_product(&mut conn, id).await?;
        drop(conn);
        let mut product = product.ok_or_else(|| Error::not_found("Produit", id))?;
        if let Some(c) = product.category_id {
            product.category_path = self.category_paths().await?.remove(&c);
        }
        Ok(product)
    }

    pub async fn product_by_sku(&self, sku: &str) -> Result<Product> {
        let id: Option<i64> = sqlx::query_scalar("SELECT product_id FROM variants WHERE sku = ? COLLATE NOCASE")
            .bind(sku.trim())
            .fetch_optional(&self.pool)
            .await?;
        self.product(id.ok_or_else(|| Error::not_found("Référence", sku.trim()))?).await
    }

    /// Creates or replaces a product with exactly the given variants.
    pub async fn save_product(&self, input: &ProductInput, now: DateTime<Utc>) -> Result<Product> {
        let input = validate_product(input)?;
        let mut tx = self.pool.begin().await?;
        let id = save_product_tx(&mut tx, &input, now).await?;
        tx.commit().await?;
        self.product(id).await
    }

    /// Creates many products in one transaction (demo data, benchmarks): all or none.
    pub async fn create_products(&self, inputs: &[ProductInput], now: DateTime<Utc>) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        for input in inputs {
            let mut input = validate_product(input)?;
            input.id = None;
            save_product_tx(&mut tx, &input, now).await?;
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

    /// Changes one variant (and its product's shared fields) addressed by SKU.
    pub async fn patch_variant(&self, sku: &str, patch: &VariantPatch, now: DateTime<Utc>) -> Result<Product> {
        let product = self.product_by_sku(sku).await?;
        let mut input = product_to_input(&product);
        let v = input
            .variants
            .iter_mut()
            .find(|v| v.sku.eq_ignore_ascii_case(sku.trim()))
            .ok_or_else(|| Error::not_found("Référence", sku))?;
        if let Some(p) = patch.price_cents {
            v.price_cents = p;
        }
        if let Some(s) = patch.stock {
            v.stock = s;
        }
        if let Some(e) = &patch.ean {
            v.ean = e.clone();
        }
        if let Some(n) = &patch.name {
            input.name = n.clone();
        }
        if let Some(vat) = patch.vat {
            input.vat = vat;
        }
        if let Some(c) = patch.category_id {
            input.category_id = c;
        }
        if let Some(q) = &patch.net_quantity {
            v.net_quantity = q.clone();
        }
        if let Some(s) = patch.status {
            input.status = s;
        }
        if let Some(u) = patch.unit {
            input.unit = u;
        }
        let o = &mut input.offer;
        if let Some(p) = &patch.packaging {
            o.packaging = p.clone();
        }
        if let Some(k) = patch.kind {
            o.kind = k;
        }
        if let Some(s) = patch.stock_policy {
            o.stock_policy = s;
        }
        if let Some(d) = patch.lead_time_days {
            o.lead_time_days = d;
        }
        if let Some(d) = patch.duration_minutes {
            o.duration_minutes = d;
        }
        o.food = patch.food.apply(o.food.take());
        self.save_product(&input, now).await
    }
}

/// The editable form of a stored product (what the editor would send back unchanged).
pub fn product_to_input(p: &Product) -> ProductInput {
    ProductInput {
        id: Some(p.id),
        name: p.name.clone(),
        description: p.description.clone(),
        category_id: p.category_id,
        status: p.status,
        vat: p.vat,
        unit: p.unit,
        offer: p.offer.clone(),
        variants: p
            .variants
            .iter()
            .map(|v| crate::catalogue::VariantInput {
                id: Some(v.id),
                sku: v.sku.clone(),
                options: v.options.clone(),
                price_cents: v.price_cents,
                stock: v.stock,
                ean: v.ean.clone(),
                net_quantity: v.net_quantity.clone(),
            })
            .collect(),
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

/// One product's searchable parts: name, description, category names from its own up
/// to the root, then each variant's `sku ean options-json` (variant id order).
pub(crate) const SEARCH_PARTS_SQL: &str = "WITH RECURSIVE up(id, parent_id, name) AS (
         SELECT c.id, c.parent_id, c.name FROM categories c JOIN products p ON p.category_id = c.id WHERE p.id = ?1
         UNION ALL SELECT c.id, c.parent_id, c.name FROM categories c JOIN up ON c.id = up.parent_id)
     SELECT p.name, p.description,
            (SELECT group_concat(name, ' ') FROM up),
            (SELECT group_concat(sku || ' ' || coalesce(ean, '') || ' ' || options, ' ') FROM variants WHERE product_id = p.id)
     FROM products p WHERE p.id = ?1";

/// The search text of [`SEARCH_PARTS_SQL`]'s parts, folded.
pub(crate) fn search_text(parts: [Option<String>; 4]) -> String {
    fold(&parts.into_iter().flatten().collect::<Vec<_>>().join(" "))
}

/// Rebuilds the search text of one product: its name, description, category path,
/// SKUs, EANs and option values, folded.
pub(crate) async fn reindex_product(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    let row = sqlx::query(SEARCH_PARTS_SQL).bind(id).fetch_optional(&mut *conn).await?;
    sqlx::query("DELETE FROM product_search WHERE rowid = ?").bind(id).execute(&mut *conn).await?;
    if let Some(r) = row {
        let body = search_text([r.get(0), r.get(1), r.get(2), r.get(3)]);
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
            unit_price: unit_price_of(unit, price_cents, net_quantity.as_deref()),
            net_quantity,
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

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

fn corrupt(what: &str, value: impl std::fmt::Display) -> Error {
    Error::Database(sqlx::Error::Decode(format!("valeur inattendue pour {what} : {value}").into()))
}

fn parse_status(s: String) -> Result<ProductStatus> {
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

/// The body of [`Db::save_category`], inside its transaction; returns the id.
async fn save_category_in(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    input: &CategoryInput,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    if let Some(parent) = input.parent_id {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM categories WHERE id = ?").bind(parent).fetch_optional(&mut **tx).await?;
        if exists.is_none() {
            return Err(Error::not_found("Catégorie parente", parent));
        }
        if let Some(id) = input.id {
            // Moving a category under itself or one of its descendants would make a cycle.
            let cycle: bool = sqlx::query_scalar(
                "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
                 SELECT EXISTS (SELECT 1 FROM sub WHERE id = ?)",
            )
            .bind(id)
            .bind(parent)
            .fetch_one(&mut **tx)
            .await?;
            if cycle {
                return Err(Error::invalid(
                    "parent_id",
                    "cycle",
                    "Une catégorie ne peut pas être rangée dans elle-même ou dans une de ses sous-catégories",
                ));
            }
        }
    }
    let result = match input.id {
        None => {
            sqlx::query(
                "INSERT INTO categories (parent_id, name, position, created_at, updated_at)
                 VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM categories WHERE parent_id IS ?1), ?3, ?3)",
            )
            .bind(input.parent_id)
            .bind(name)
            .bind(ts(now))
            .execute(&mut **tx)
            .await
        }
        Some(id) => {
            sqlx::query("UPDATE categories SET name = ?, parent_id = ?, updated_at = ? WHERE id = ?")
                .bind(name)
                .bind(input.parent_id)
                .bind(ts(now))
                .bind(id)
                .execute(&mut **tx)
                .await
        }
    };
    let id = match result {
        Ok(r) if input.id.is_none() => r.last_insert_rowid(),
        Ok(r) if r.rows_affected() == 0 => return Err(Error::not_found("Catégorie", input.id.unwrap_or_default())),
        Ok(_) => input.id.unwrap_or_default(),
        Err(e) if is_unique_violation(&e) => {
            return Err(Error::invalid("name", "taken", format!("Une catégorie « {name} » existe déjà à cet endroit")));
        }
        Err(e) => return Err(e.into()),
    };
    // Paths appear in the search text of products: reindex those under this category.
    if input.id.is_some() {
        let ids: Vec<i64> = sqlx::query_scalar(
            "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
             SELECT p.id FROM products p JOIN sub ON p.category_id = sub.id",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        for pid in ids {
            reindex_product(tx, pid).await?;
        }
    }
    Ok(id)
}
