-- What the marketplace is sent of a product photo (issue 13): the studio's render — the
-- preset's main image with the photo's edits applied, upright, no metadata — addressed
-- by its own sha256. The original (GPS position, EXIF orientation, full size) never
-- leaves the PC. The sync records here the render it resolved for each product photo,
-- so a render is hashed once; a new preset or edit gives a new fingerprint and a new
-- render. No trigger: recording a render is not a change of the catalogue.
CREATE TABLE product_photo_renders (
    product_photo_id  INTEGER PRIMARY KEY REFERENCES product_photos(id) ON DELETE CASCADE,
    -- Preset::fingerprint of the preset and edits it was rendered with
    fingerprint       TEXT NOT NULL,
    render_sha        TEXT NOT NULL CHECK (length(render_sha) = 64),
    byte_size         INTEGER NOT NULL CHECK (byte_size > 0)
);
CREATE INDEX product_photo_renders_sha ON product_photo_renders (render_sha);

-- The images the marketplace last accepted for each product (JSON array of sha256).
-- While a product's new photos are still uploading, a change of its stock or price is
-- sent at once with these images (still on the server), and the photos follow.
ALTER TABLE sync_objects ADD COLUMN sent_images TEXT CHECK (sent_images IS NULL OR json_valid(sent_images));

-- Comptoir up to this version sent the originals: what the marketplace holds of each
-- synced product names its photos' originals, in display order.
UPDATE sync_objects SET sent_images = (
    SELECT json_group_array(photo_sha) FROM (
        SELECT pp.photo_sha FROM product_photos pp JOIN products p ON p.id = pp.product_id
        WHERE p.uid = sync_objects.uid ORDER BY pp.position, pp.id
    )
)
WHERE entity = 'product' AND sent_hash IS NOT NULL;

-- ...and every product with photos goes back in line, so that the next sync replaces
-- those originals by renders (a product whose data did not change otherwise is sent
-- again only for its images; one without photos is not sent at all).
INSERT INTO sync_outbox (entity, uid, changed_at)
SELECT 'product', p.uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products p
WHERE EXISTS (SELECT 1 FROM product_photos pp WHERE pp.product_id = p.id)
ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
