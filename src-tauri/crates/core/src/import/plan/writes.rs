//! What the planner hands the import's transaction: each product with its ids (a new
//! one's uid, its search text), each new category it uses, created after its parents.

use super::{
    CategoryRef, CategoryRow, CreatedProduct, Planner, ProductWrite, UpdatedProduct, VariantWrite, WriteBatch,
};
use crate::storage::offer::StoredOffer;

impl WriteBatch {
    pub(super) fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.created.is_empty() && self.updated.is_empty() && self.photos.is_empty()
    }
}

impl Planner<'_> {
    /// Adds the product to the batch with its ids; gives its id.
    pub(super) fn send_product(&mut self, w: ProductWrite) -> Option<i64> {
        if !self.writing {
            // A simulation still learns which new categories the products use.
            self.category_id(w.category);
            return w.id;
        }
        let category_id = self.category_id(w.category);
        match w.id {
            Some(id) => {
                self.batch.updated.push(UpdatedProduct { id, write: w, category_id });
                Some(id)
            }
            None => {
                let (id, uid) = self.ids.product();
                let variants: Vec<(VariantWrite, String)> = w
                    .variants
                    .into_iter()
                    .map(|v| {
                        let json = serde_json::to_string(&v.options).unwrap_or_else(|_| "[]".into());
                        (v, json)
                    })
                    .collect();
                let refs: Vec<(&str, Option<&str>, &str)> =
                    variants.iter().map(|(v, json)| (v.sku.as_str(), v.ean.as_deref(), json.as_str())).collect();
                // What reindexing would store, computed without reading back.
                let search_body =
                    crate::storage::search_text(&w.name, &w.description, self.category_names(category_id), refs);
                self.batch.created.push(CreatedProduct {
                    id,
                    uid,
                    sort_key: crate::text::sort_key(&w.name),
                    name: w.name,
                    description: w.description,
                    category_id,
                    status: w.status,
                    vat: w.vat,
                    unit: w.unit,
                    offer: StoredOffer::from_offer(&w.offer),
                    variants,
                    search_body,
                    ean_later: self.late,
                });
                Some(id)
            }
        }
    }

    /// The id of a category a written product uses: a planned one gets its id (and is
    /// created, after its parents) the first time.
    fn category_id(&mut self, c: CategoryRef) -> Option<i64> {
        match c {
            CategoryRef::None => None,
            CategoryRef::Existing(id) => Some(id),
            CategoryRef::New(i) => {
                if let Some(id) = self.category_ids.get(i).copied().flatten() {
                    return Some(id);
                }
                let parent_id = self.category_id(self.planned[i].parent);
                let id = self.ids.category();
                if self.category_ids.len() <= i {
                    self.category_ids.resize(i + 1, None);
                }
                self.category_ids[i] = Some(id);
                let name = self.planned[i].name.clone();
                self.tree.insert(id, (name.clone(), parent_id));
                self.batch.categories.push(CategoryRow { id, parent_id, name });
                Some(id)
            }
        }
    }

    /// Category names from the product's own up to the root, as the search text has them.
    fn category_names(&self, id: Option<i64>) -> Vec<&str> {
        let mut names = Vec::new();
        let mut cur = id;
        while let Some(c) = cur {
            let Some((name, parent)) = self.tree.get(&c) else { break };
            names.push(name.as_str());
            cur = *parent;
            if names.len() > 64 {
                break;
            }
        }
        names
    }
}
