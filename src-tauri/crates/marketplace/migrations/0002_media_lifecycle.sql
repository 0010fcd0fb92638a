-- Photos' life after upload: resumable uploads, and releasing the photos the
-- catalogue no longer references. Times are Unix milliseconds (UTC).

-- Which live product lists which photo in `images`: the index behind "is this photo
-- still referenced", kept in the catalogue batch's transaction. A deleted product
-- has no rows here.
CREATE TABLE media_refs (
    shop_id             TEXT NOT NULL,
    sha256              TEXT NOT NULL,
    product_external_id TEXT NOT NULL,
    PRIMARY KEY (shop_id, sha256, product_external_id)
) WITHOUT ROWID;
CREATE INDEX media_refs_product ON media_refs (shop_id, product_external_id);

INSERT OR IGNORE INTO media_refs (shop_id, sha256, product_external_id)
SELECT p.shop_id, j.value, p.external_id
  FROM products p, json_each(p.data, '$.images') j
 WHERE p.deleted = 0 AND p.data IS NOT NULL AND j.type = 'text';

-- Since when no live product references the photo (NULL while one does). The
-- sweep deletes it once this is older than the grace period: photos are uploaded
-- before the product that lists them, and a product may drop a photo that another
-- one is about to take.
ALTER TABLE media ADD COLUMN unreferenced_since INTEGER;

-- Photos already unreferenced start their grace period now, not at their upload:
-- a shop mid-sync when the server was upgraded must not lose them at once.
UPDATE media SET unreferenced_since = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
 WHERE NOT EXISTS (SELECT 1 FROM media_refs r WHERE r.shop_id = media.shop_id AND r.sha256 = media.sha256);

CREATE INDEX media_unreferenced ON media (unreferenced_since) WHERE unreferenced_since IS NOT NULL;

-- A resumable upload in progress (`PATCH /v1/media/{sha256}/upload`): the photo's
-- declared size and type, and how many bytes from its start are stored below.
CREATE TABLE media_uploads (
    shop_id      TEXT NOT NULL REFERENCES shops(id),
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    length       INTEGER NOT NULL,
    received     INTEGER NOT NULL,
    -- Last time bytes arrived: uploads untouched for a day are purged.
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (shop_id, sha256)
) WITHOUT ROWID;
CREATE INDEX media_uploads_updated ON media_uploads (updated_at);

-- The bytes received so far, in pieces of about 64 KiB written as they arrive
-- (so a connection cut mid-body keeps them); `offset` is where each starts. Pieces
-- are contiguous: they cover exactly [0, media_uploads.received).
CREATE TABLE media_upload_chunks (
    shop_id TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    offset  INTEGER NOT NULL,
    bytes   BLOB NOT NULL,
    PRIMARY KEY (shop_id, sha256, offset),
    FOREIGN KEY (shop_id, sha256) REFERENCES media_uploads (shop_id, sha256) ON DELETE CASCADE
);
