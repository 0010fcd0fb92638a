-- The catalogue: a category tree, products, and their variants (the sellable units).
-- Money is integer cents; VAT is basis points (5.5 % = 550); times are RFC 3339 UTC text.

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    uid         TEXT NOT NULL UNIQUE DEFAULT ('c-' || lower(hex(randomblob(8)))),
    parent_id   INTEGER REFERENCES categories(id) ON DELETE RESTRICT,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
-- Sibling names are unique regardless of case (ASCII); the root level is parent 0.
CREATE UNIQUE INDEX categories_sibling_name ON categories (coalesce(parent_id, 0), name COLLATE NOCASE);

CREATE TABLE products (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE DEFAULT ('p-' || lower(hex(randomblob(8)))),
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    sort_key     TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    category_id  INTEGER REFERENCES categories(id) ON DELETE SET NULL,
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    vat_bp       INTEGER NOT NULL CHECK (vat_bp IN (2000, 1000, 550, 210)),
    unit         TEXT NOT NULL CHECK (unit IN ('piece', 'kg', 'hundred_grams', 'litre', 'lot', 'dozen')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX products_sort ON products (sort_key, id);
CREATE INDEX products_category ON products (category_id, sort_key);

CREATE TABLE variants (
    id           INTEGER PRIMARY KEY,
    product_id   INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    sku          TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(sku)) > 0),
    options      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(options)),
    price_cents  INTEGER NOT NULL CHECK (price_cents >= 0),
    stock        INTEGER NOT NULL DEFAULT 0,
    ean          TEXT UNIQUE CHECK (ean IS NULL OR length(ean) IN (8, 13)),
    weight_g     INTEGER CHECK (weight_g IS NULL OR weight_g > 0),
    volume_ml    INTEGER CHECK (volume_ml IS NULL OR volume_ml > 0),
    position     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX variants_product ON variants (product_id, position);

-- Search index: one row per product (rowid = products.id), text folded by the
-- application (accents, ligatures) and by the tokenizer (remove_diacritics 2).
CREATE VIRTUAL TABLE product_search USING fts5 (
    body,
    tokenize = "unicode61 remove_diacritics 2"
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Default categories every Orne shop starts with.
INSERT INTO categories (id, parent_id, name, position, created_at, updated_at) VALUES
    (1, NULL, 'Alimentation', 1, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (2, 1, 'Crèmerie', 1, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (3, 1, 'Boucherie-Charcuterie', 2, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (4, 1, 'Fruits et légumes', 3, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (5, 1, 'Épicerie', 4, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (6, 1, 'Boissons/Cave', 5, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (7, 1, 'Boulangerie-Pâtisserie', 6, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (8, 1, 'Confiserie', 7, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (9, NULL, 'Artisanat', 2, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (10, NULL, 'Mode et vêtements', 3, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (11, NULL, 'Maison et décoration', 4, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (12, NULL, 'Beauté et bien-être', 5, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ')),
    (13, NULL, 'Services', 6, strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ'));
