//! The catalogue's rules on the way in and out of storage, as `Db` methods: a product
//! is validated before it is written, its unit prices are derived when it is read, and
//! a patch is applied to the product it addresses. Storage only stores and loads.

use chrono::{DateTime, Utc};

use super::{
    Product, ProductFilter, ProductInput, ProductPage, ProductRow, VariantPatch, product_to_input, unit_price_of,
    validate_product,
};
use crate::{Db, Error, Result};

impl Db {
    /// One page of the catalogue list (without promotions: see
    /// `promotions::product_page`), each line with its first variant's unit price.
    pub async fn list_products(&self, filter: &ProductFilter) -> Result<ProductPage> {
        let (total, rows) = self.list_product_rows(filter).await?;
        let items = rows
            .into_iter()
            .map(|r| ProductRow {
                unit_price: r.first_price_cents.and_then(|p| unit_price_of(r.unit, p, r.first_net_quantity.as_deref())),
                id: r.id,
                name: r.name,
                category_path: r.category_path,
                status: r.status,
                vat: r.vat,
                unit: r.unit,
                variant_count: r.variant_count,
                sku: r.sku,
                min_price_cents: r.min_price_cents,
                max_price_cents: r.max_price_cents,
                total_stock: r.total_stock,
                kind: r.kind,
                stock_policy: r.stock_policy,
                packaging: r.packaging,
                promotion: None,
            })
            .collect();
        Ok(ProductPage { total, offset: filter.offset, items })
    }

    /// One product, each variant with its unit price.
    pub async fn product(&self, id: i64) -> Result<Product> {
        let mut product = self.stored_product(id).await?;
        for v in &mut product.variants {
            v.unit_price = unit_price_of(product.unit, v.price_cents, v.net_quantity.as_deref());
        }
        Ok(product)
    }

    /// The product a SKU (any case) belongs to.
    pub async fn product_by_sku(&self, sku: &str) -> Result<Product> {
        self.product(self.product_id_of_sku(sku).await?).await
    }

    /// Creates or replaces a product with exactly the given variants, once valid.
    pub async fn save_product(&self, input: &ProductInput, now: DateTime<Utc>) -> Result<Product> {
        let input = validate_product(input)?;
        let id = self.write_product(&input, now).await?;
        self.product(id).await
    }

    /// Creates many products in one transaction (demo data, benchmarks): all or none,
    /// every one valid before any is written.
    pub async fn create_products(&self, inputs: &[ProductInput], now: DateTime<Utc>) -> Result<usize> {
        let valid = inputs
            .iter()
            .map(|input| {
                let mut input = validate_product(input)?;
                input.id = None;
                Ok(input)
            })
            .collect::<Result<Vec<_>>>()?;
        self.write_products(&valid, now).await
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
