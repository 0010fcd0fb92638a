//! SQL of what the sync sends of product photos: their renders (migration 0010).

use sqlx::Row;

use super::Db;
use crate::Result;
use crate::model::photos::{Crop, Edits, Format};

/// One photo of a product as the sync needs it: the original it is rendered from, the
/// edits, and the render the sync last resolved for it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncPhotoRow {
    pub product_uid: String,
    pub product_photo_id: i64,
    pub photo_sha: String,
    pub format: Format,
    pub edits: Edits,
    /// (fingerprint, render sha256, bytes) last recorded.
    pub render: Option<(String, String, u64)>,
}

impl Db {
    /// The photos of the given products (all products: `None`), in display order.
    pub async fn sync_product_photos(&self, uids: Option<&[String]>) -> Result<Vec<SyncPhotoRow>> {
        let filter = serde_json::to_string(uids.unwrap_or_default()).unwrap_or_else(|_| "[]".to_owned());
        let rows = sqlx::query(
            "SELECT p.uid, pp.id, pp.photo_sha, ph.format, pp.rotation, pp.crop,
                    r.fingerprint, r.render_sha, r.byte_size
             FROM product_photos pp
             JOIN products p ON p.id = pp.product_id
             JOIN photos ph ON ph.sha256 = pp.photo_sha
             LEFT JOIN product_photo_renders r ON r.product_photo_id = pp.id
             WHERE ?1 OR p.uid IN (SELECT value FROM json_each(?2))
             ORDER BY pp.product_id, pp.position, pp.id",
        )
        .bind(uids.is_none())
        .bind(filter)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let product_photo_id: i64 = r.get(1);
            let photo_sha: String = r.get(2);
            let format = super::photos::stored_format(&photo_sha, r.get::<&str, _>(3))?;
            let crop = r
                .get::<Option<&str>, _>(5)
                .map(|c| super::stored_json_at::<Crop>("product_photos", product_photo_id, "crop", c))
                .transpose()?;
            let fingerprint: Option<String> = r.get(6);
            out.push(SyncPhotoRow {
                product_uid: r.get(0),
                product_photo_id,
                photo_sha,
                format,
                edits: Edits { rotation: r.get::<i64, _>(4) as u16, crop },
                render: fingerprint.map(|fp| (fp, r.get(7), r.get::<i64, _>(8) as u64)),
            });
        }
        Ok(out)
    }

    /// Records the render resolved for a product photo (no outbox change: the catalogue
    /// did not change, only what we know of it).
    pub async fn set_product_photo_render(
        &self,
        product_photo_id: i64,
        fingerprint: &str,
        render_sha: &str,
        byte_size: u64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO product_photo_renders (product_photo_id, fingerprint, render_sha, byte_size)
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM product_photos WHERE id = ?1)
             ON CONFLICT (product_photo_id) DO UPDATE SET fingerprint = excluded.fingerprint,
                 render_sha = excluded.render_sha, byte_size = excluded.byte_size",
        )
        .bind(product_photo_id)
        .bind(fingerprint)
        .bind(render_sha)
        .bind(byte_size as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Puts every product that shows a photo back in the outbox, in the same
    /// transaction as a setting change (a new photo preset changes every render).
    pub async fn set_setting_and_requeue_photo_products(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sync_outbox (entity, uid, changed_at)
             SELECT 'product', p.uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products p
             WHERE EXISTS (SELECT 1 FROM product_photos pp WHERE pp.product_id = p.id)
             ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
