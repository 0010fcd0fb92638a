//! SQL of the catalogue's categories: the tree with its display paths, writing,
//! deleting and finding one. A renamed or moved category reindexes its products.
//! Whether a category may be written or deleted is the catalogue's rule
//! (`catalogue::categories`), decided inside the write's transaction from the facts
//! read here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite};

use super::products::reindex_product;
use super::{Db, ts};
use crate::model::catalogue::{CatalogueStats, Category, CategoryInput};
use crate::text::fold;
use crate::{Error, Result};

/// Separator in category paths, as shown to people.
pub const PATH_SEP: &str = " › ";

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
    pub(super) async fn category_tree(&self, with_counts: bool) -> Result<Vec<Category>> {
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

    /// Writes a category (`Db::save_category` decides whether it may be): in one
    /// transaction, the facts of where it goes are read, `decide` refuses or lets
    /// the write go on, and the products under it are reindexed. `name` is the name
    /// as it is to be stored. Returns the id.
    pub async fn write_category(
        &self,
        input: &CategoryInput,
        name: &str,
        now: DateTime<Utc>,
        decide: impl FnOnce(&CategorySpot) -> Result<()>,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let saved = write_category_in(&mut tx, input, name, now, decide).await;
        match saved {
            Ok(id) => {
                tx.commit().await?;
                Ok(id)
            }
            Err(e) => {
                // Roll back now: a dropped transaction is only rolled back when its pooled
                // connection is next used, and until then it keeps SQLite's write lock (the
                // next write on another connection would fail with "database is locked").
                tx.rollback().await?;
                Err(e)
            }
        }
    }

    /// Deletes a category once `decide`, given what it still holds (read in the same
    /// transaction), lets it go (`Db::delete_category`).
    pub async fn delete_category_if(
        &self,
        id: i64,
        decide: impl FnOnce(&CategoryContents) -> Result<()>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT name, (SELECT count(*) FROM products WHERE category_id = ?1), (SELECT count(*) FROM categories WHERE parent_id = ?1)
             FROM categories WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("Catégorie", id))?;
        decide(&CategoryContents { name: row.get(0), products: row.get(1), children: row.get(2) })?;
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

    pub(super) async fn category_paths(&self) -> Result<HashMap<i64, String>> {
        Ok(self.category_tree(false).await?.into_iter().map(|c| (c.id, c.path)).collect())
    }
}

/// Where a category is about to be written, read in the write's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategorySpot {
    /// The category edited exists (always true for a new one).
    pub exists: bool,
    /// The parent asked for and its ancestors up to the root, nearest first; empty
    /// when no parent is asked for or it does not exist.
    pub parent_chain: Vec<i64>,
    /// Another category under the same parent has the name, ignoring ASCII case (as
    /// the `categories_sibling_name` index compares).
    pub name_taken: bool,
}

/// What a category still holds, read in its deletion's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryContents {
    pub name: String,
    pub products: i64,
    pub children: i64,
}

/// The body of [`Db::write_category`], inside its transaction; returns the id.
async fn write_category_in(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    input: &CategoryInput,
    name: &str,
    now: DateTime<Utc>,
    decide: impl FnOnce(&CategorySpot) -> Result<()>,
) -> Result<i64> {
    let exists = match input.id {
        None => true,
        Some(id) => sqlx::query_scalar::<_, i64>("SELECT id FROM categories WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
    };
    let parent_chain: Vec<i64> = match input.parent_id {
        None => Vec::new(),
        Some(parent) => {
            sqlx::query_scalar(
                "WITH RECURSIVE up(id, parent_id, depth) AS (
                   SELECT id, parent_id, 0 FROM categories WHERE id = ?
                   UNION SELECT c.id, c.parent_id, up.depth + 1 FROM categories c JOIN up ON c.id = up.parent_id)
                 SELECT id FROM up ORDER BY depth",
            )
            .bind(parent)
            .fetch_all(&mut **tx)
            .await?
        }
    };
    let name_taken: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM categories WHERE coalesce(parent_id, 0) = coalesce(?, 0)
                          AND name = ? COLLATE NOCASE AND id IS NOT ?)",
    )
    .bind(input.parent_id)
    .bind(name)
    .bind(input.id)
    .fetch_one(&mut **tx)
    .await?;
    decide(&CategorySpot { exists, parent_chain, name_taken })?;
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
    let id = match result? {
        r if input.id.is_none() => r.last_insert_rowid(),
        r if r.rows_affected() == 0 => return Err(Error::not_found("Catégorie", input.id.unwrap_or_default())),
        _ => input.id.unwrap_or_default(),
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
