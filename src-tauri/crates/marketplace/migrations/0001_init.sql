-- Times are Unix milliseconds (UTC) taken from the server's injected clock.

CREATE TABLE shops (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    -- Last seq of the shop's event log; bumped in the same transaction as the event.
    event_seq   INTEGER NOT NULL DEFAULT 0
);

-- Only the sha256 of bearer tokens is stored.
CREATE TABLE tokens (
    hash        TEXT PRIMARY KEY,
    shop_id     TEXT NOT NULL REFERENCES shops(id),
    scopes      TEXT NOT NULL,
    label       TEXT,
    created_at  INTEGER NOT NULL,
    -- Set when the token was rotated away: it keeps working until then.
    expires_at  INTEGER
);

CREATE TABLE pairing_codes (
    hash        TEXT PRIMARY KEY,
    shop_id     TEXT NOT NULL REFERENCES shops(id),
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

CREATE TABLE media (
    shop_id      TEXT NOT NULL REFERENCES shops(id),
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    bytes        BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (shop_id, sha256)
) WITHOUT ROWID;

CREATE TABLE categories (
    shop_id     TEXT NOT NULL REFERENCES shops(id),
    external_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    data        TEXT,
    hash        TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (shop_id, external_id)
) WITHOUT ROWID;

-- `data` is the canonical ProductData JSON, stock included: a sale rewrites it and
-- bumps `version`, so a client holding an older version gets a conflict.
CREATE TABLE products (
    shop_id           TEXT NOT NULL REFERENCES shops(id),
    external_id       TEXT NOT NULL,
    version           INTEGER NOT NULL,
    deleted           INTEGER NOT NULL DEFAULT 0,
    data              TEXT,
    hash              TEXT,
    published         INTEGER NOT NULL DEFAULT 0,
    moderation_status TEXT NOT NULL DEFAULT 'approved',
    moderation_reason TEXT,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (shop_id, external_id)
) WITHOUT ROWID;

-- SKU -> product index; SKUs are unique per shop.
CREATE TABLE variants (
    shop_id             TEXT NOT NULL,
    sku                 TEXT NOT NULL,
    product_external_id TEXT NOT NULL,
    PRIMARY KEY (shop_id, sku)
) WITHOUT ROWID;
CREATE INDEX variants_product ON variants (shop_id, product_external_id);

CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    shop_id     TEXT NOT NULL REFERENCES shops(id),
    version     INTEGER NOT NULL,
    status      TEXT NOT NULL,
    data        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    -- When the order expires if nobody acts (acceptance deadline, end of pickup).
    deadline    INTEGER
);
CREATE INDEX orders_shop_updated ON orders (shop_id, updated_at, id);
CREATE INDEX orders_deadline ON orders (deadline) WHERE deadline IS NOT NULL;

CREATE TABLE events (
    shop_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    type    TEXT NOT NULL,
    at      INTEGER NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (shop_id, seq)
) WITHOUT ROWID;

CREATE TABLE idempotency (
    shop_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    -- 'in_flight' while the first request runs, then 'done' with its response.
    state       TEXT NOT NULL,
    status      INTEGER,
    body        TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (shop_id, key)
) WITHOUT ROWID;
