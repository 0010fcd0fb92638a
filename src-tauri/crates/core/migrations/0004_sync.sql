-- Offline-first sync with the marketplace (issue 6).
--
-- Every local change to what the marketplace shows (a product, its variants, its photos,
-- a category) lands in `sync_outbox` in the SAME transaction as the change, through the
-- triggers below: no write path (editor, import, undo, photo studio) can forget it.
-- One row per object (coalescing key = entity + uid): ten edits are one row, and what is
-- sent is built from the current rows at send time (absent row = delete).
-- Changes applied FROM the marketplace (stock sold) run with a row in
-- `sync_remote_apply` so that they are not echoed back.

CREATE TABLE sync_outbox (
    id               INTEGER PRIMARY KEY,
    entity           TEXT NOT NULL CHECK (entity IN ('product', 'category')),
    uid              TEXT NOT NULL,
    -- bumped by every change; the batch records the value it sent
    change_seq       INTEGER NOT NULL DEFAULT 1,
    changed_at       TEXT NOT NULL,
    -- set when the entry is put in a batch, cleared when that batch is answered
    batch_key        TEXT REFERENCES sync_batches(idempotency_key) ON DELETE SET NULL,
    sent_seq         INTEGER,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    last_error       TEXT,
    UNIQUE (entity, uid)
);
CREATE INDEX sync_outbox_batch ON sync_outbox (batch_key);

-- A batch once built is frozen: a retry (after a timeout, a crash, a restart) re-sends
-- the very same body with the same Idempotency-Key.
CREATE TABLE sync_batches (
    idempotency_key  TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('catalog', 'stock')),
    body             TEXT NOT NULL CHECK (json_valid(body)),
    created_at       TEXT NOT NULL
);

-- What the marketplace holds of each object, as far as we know.
CREATE TABLE sync_objects (
    entity             TEXT NOT NULL CHECK (entity IN ('product', 'category')),
    uid                TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 0,
    -- content hash (comptoir_protocol::hash::content_hash) of the data last accepted
    sent_hash          TEXT,
    moderation         TEXT,
    moderation_reason  TEXT,
    PRIMARY KEY (entity, uid)
) WITHOUT ROWID;

-- Last stock the marketplace is known to hold per SKU: a sale's delta is merged into
-- the local stock instead of overwriting a delivery counted in the shop meanwhile.
CREATE TABLE sync_stock (
    sku        TEXT PRIMARY KEY COLLATE NOCASE,
    available  INTEGER NOT NULL
) WITHOUT ROWID;

-- Things a person must look at (moderation rejection, invalid data): never dropped.
CREATE TABLE sync_conflicts (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL,
    uid          TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('rejected', 'invalid', 'conflict')),
    message      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    resolved_at  TEXT
);
CREATE UNIQUE INDEX sync_conflicts_open ON sync_conflicts (entity, uid, kind) WHERE resolved_at IS NULL;

-- The connection (never the token: that lives in the OS keychain) and the engine's state.
CREATE TABLE sync_state (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    marketplace_url  TEXT,
    shop_id          TEXT,
    shop_name        TEXT,
    limits           TEXT CHECK (limits IS NULL OR json_valid(limits)),
    events_after     INTEGER NOT NULL DEFAULT 0,
    last_success_at  TEXT,
    offline_since    TEXT,
    failures         INTEGER NOT NULL DEFAULT 0,
    retry_at         TEXT,
    last_error       TEXT,
    reconciled_at    TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- Present (one row) while the engine writes what came from the marketplace.
CREATE TABLE sync_remote_apply (
    id  INTEGER PRIMARY KEY CHECK (id = 1)
);

-- ---- triggers: the outbox is written in the transaction of the change ----------------

CREATE TRIGGER sync_products_ins AFTER INSERT ON products
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at) VALUES ('product', NEW.uid, strftime('%Y-%m-%dT%H:%M:%SZ'))
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_products_upd AFTER UPDATE ON products
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at) VALUES ('product', NEW.uid, strftime('%Y-%m-%dT%H:%M:%SZ'))
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_products_del AFTER DELETE ON products
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at) VALUES ('product', OLD.uid, strftime('%Y-%m-%dT%H:%M:%SZ'))
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_variants_ins AFTER INSERT ON variants
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT 'product', uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products WHERE id = NEW.product_id
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_variants_upd AFTER UPDATE ON variants
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT 'product', uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products WHERE id IN (NEW.product_id, OLD.product_id)
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_variants_del AFTER DELETE ON variants
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT 'product', uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products WHERE id = OLD.product_id
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_product_photos_ins AFTER INSERT ON product_photos
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT 'product', uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products WHERE id = NEW.product_id
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_product_photos_upd AFTER UPDATE ON product_photos
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT 'product', uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products WHERE id IN (NEW.product_id, OLD.product_id)
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_product_photos_del AFTER DELETE ON product_photos
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT 'product', uid, strftime('%Y-%m-%dT%H:%M:%SZ') FROM products WHERE id = OLD.product_id
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_categories_ins AFTER INSERT ON categories
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at) VALUES ('category', NEW.uid, strftime('%Y-%m-%dT%H:%M:%SZ'))
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_categories_upd AFTER UPDATE ON categories
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at) VALUES ('category', NEW.uid, strftime('%Y-%m-%dT%H:%M:%SZ'))
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_categories_del AFTER DELETE ON categories
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at) VALUES ('category', OLD.uid, strftime('%Y-%m-%dT%H:%M:%SZ'))
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;
