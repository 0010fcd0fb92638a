//! SQL of the catalogue's categories: the tree with its display paths, saving,
//! deleting and finding one. A renamed or moved category reindexes its products.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite};

use super::products::{is_unique_violation, reindex_product};
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

    pub(super) async fn category_paths(&self) -> Result<HashMap<i64, String>> {
        Ok(self.category_tree(false).await?.into_iter().map(|c| (c.id, c.path)).collect())
    }
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
