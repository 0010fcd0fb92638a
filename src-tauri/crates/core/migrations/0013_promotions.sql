-- Promotions and seasonal campaigns (issue 20), and the price history an announced
-- reduction's reference price is computed from (Code de la consommation, art. L112-1-1:
-- the lowest price applied during the 30 days before the reduction).

-- Every regular price a variant had before its current one, with the instant it ended.
-- The current price is the variant's own row; a variant with no history has had one
-- price since its created_at. Written by a trigger, so that no path that changes a
-- price (editor, CLI, import, undo, recovery) can forget it. Creating a variant writes
-- nothing here: a 100,000-row import pays nothing for it.
CREATE TABLE price_history (
    id           INTEGER PRIMARY KEY,
    variant_id   INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    price_cents  INTEGER NOT NULL,
    until        TEXT NOT NULL
);
CREATE INDEX price_history_variant ON price_history (variant_id, until);

CREATE TRIGGER price_history_upd AFTER UPDATE OF price_cents ON variants
WHEN OLD.price_cents <> NEW.price_cents
BEGIN
    INSERT INTO price_history (variant_id, price_cents, until) VALUES (OLD.id, OLD.price_cents, NEW.updated_at);
END;

-- What the database already knew: each import kept the variants it changed as they were
-- before it, so each of those prices was in force until that import.
INSERT INTO price_history (variant_id, price_cents, until)
SELECT json_extract(v.value, '$.id'), json_extract(v.value, '$.price_cents'), b.created_at
  FROM import_batch_products ibp
  JOIN import_batches b ON b.id = ibp.batch_id
  JOIN json_each(ibp.before, '$.variants') v
 WHERE ibp.before IS NOT NULL
   AND json_extract(v.value, '$.id') IN (SELECT id FROM variants)
   AND json_extract(v.value, '$.price_cents') IS NOT NULL;

-- The shop's campaigns: a named period grouping promotions (« Noël 2026 »). One that
-- joins a campaign the marketplace announced carries its id.
CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    starts_at   TEXT NOT NULL,
    ends_at     TEXT CHECK (ends_at IS NULL OR ends_at > starts_at),
    market_id   TEXT UNIQUE,
    created_at  TEXT NOT NULL
);

-- Campaigns the marketplace announces (GET /v1/campaigns), as last fetched.
CREATE TABLE market_campaigns (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    starts_at    TEXT NOT NULL,
    ends_at      TEXT,
    fetched_at   TEXT NOT NULL
);

-- One announced reduction of one variant. Its price is fixed when it is set, even when
-- given as a percentage off; its reference price too (NULL: perishable goods threatened
-- by rapid deterioration, which art. L112-1-1 exempts). The end is exclusive; NULL: until
-- the stock runs out. AUTOINCREMENT: an id (« p12 » on the wire) is never given again,
-- not even after the last promotion is deleted, so the units the marketplace counted
-- sold at one promotion's price can never be taken for another's.
CREATE TABLE promotions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    variant_id       INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    campaign_id      INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
    price_cents      INTEGER NOT NULL CHECK (price_cents > 0),
    percent          INTEGER CHECK (percent IS NULL OR percent BETWEEN 1 AND 99),
    reference_cents  INTEGER CHECK (reference_cents IS NULL OR reference_cents > price_cents),
    starts_at        TEXT NOT NULL,
    ends_at          TEXT CHECK (ends_at IS NULL OR ends_at > starts_at),
    quantity_limit   INTEGER CHECK (quantity_limit IS NULL OR quantity_limit > 0),
    -- When the desktop reminder of its start / end (the day before) was claimed: once.
    reminded_start_at  TEXT,
    reminded_end_at    TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX promotions_variant ON promotions (variant_id, starts_at);
CREATE INDEX promotions_campaign ON promotions (campaign_id);
CREATE INDEX promotions_starts ON promotions (starts_at);

-- A promotion travels to the marketplace inside its product's data.
CREATE TRIGGER sync_promotions_ins AFTER INSERT ON promotions
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT 'product', p.uid, strftime('%Y-%m-%dT%H:%M:%SZ')
      FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = NEW.variant_id
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

-- Only what the marketplace is sent: a reminder claimed is no change of the product.
CREATE TRIGGER sync_promotions_upd
AFTER UPDATE OF variant_id, campaign_id, price_cents, percent, reference_cents, starts_at, ends_at, quantity_limit
ON promotions
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT 'product', p.uid, strftime('%Y-%m-%dT%H:%M:%SZ')
      FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id IN (NEW.variant_id, OLD.variant_id)
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

CREATE TRIGGER sync_promotions_del AFTER DELETE ON promotions
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT 'product', p.uid, strftime('%Y-%m-%dT%H:%M:%SZ')
      FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = OLD.variant_id
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

-- A campaign's name or id travels with each of its promotions.
CREATE TRIGGER sync_campaigns_upd AFTER UPDATE OF name, market_id ON campaigns
WHEN NOT EXISTS (SELECT 1 FROM sync_remote_apply)
BEGIN
    INSERT INTO sync_outbox (entity, uid, changed_at)
    SELECT DISTINCT 'product', p.uid, strftime('%Y-%m-%dT%H:%M:%SZ')
      FROM promotions pr JOIN variants v ON v.id = pr.variant_id JOIN products p ON p.id = v.product_id
     WHERE pr.campaign_id = NEW.id
    ON CONFLICT (entity, uid) DO UPDATE SET change_seq = change_seq + 1, changed_at = excluded.changed_at;
END;

-- Order lines: the promotion the marketplace charged, and the regular price then.
ALTER TABLE order_lines ADD COLUMN promotion_id TEXT;
ALTER TABLE order_lines ADD COLUMN regular_price_cents INTEGER;

-- The promotions an import set (JSON array of ids): undoing it withdraws them.
ALTER TABLE import_batches ADD COLUMN promotions TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(promotions));
